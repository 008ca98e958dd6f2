"""flask_login as Dash apps use it: a login form in the layout and a callback that logs in (and
remembers the user when asked), a
form POSTed to a login route, current_user read in a layout function, a page router, a route and
a before_request guard, a logout callback and a logout route, and a @login_required route."""
from dash import Dash, Input, Output, State, dcc, html
from flask import redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

app = Dash(__name__, suppress_callback_exceptions=True)
server = app.server
server.config.update(SECRET_KEY="not-a-secret")
login_manager = LoginManager()
login_manager.init_app(server)
login_manager.login_view = "/login"

USERS = {"ada": "lovelace", "grace": "hopper"}


class User(UserMixin):
    def __init__(self, username):
        self.id = username


@login_manager.user_loader
def load_user(username):
    return User(username) if username in USERS else None


def layout():
    return html.Div(
        [
            dcc.Location(id="url"),
            html.Div(f"layout for {current_user.get_id()}", id="header"),
            dcc.Input(id="username"),
            dcc.Input(id="password", type="password"),
            dcc.Checklist(["remember me"], [], id="remember"),
            html.Button("Log in", id="login", n_clicks=0),
            html.Div(id="login-result"),
            html.Button("Log out", id="logout", n_clicks=0),
            html.Div(id="logout-result"),
            html.Div(id="page"),
        ]
    )


app.layout = layout


@app.callback(Output("page", "children"), Input("url", "pathname"))
def page(pathname):
    if not current_user.is_authenticated:
        return "Please log in"
    return f"{current_user.id} at {pathname}"


@app.callback(
    Output("login-result", "children"),
    Input("login", "n_clicks"),
    State("username", "value"),
    State("password", "value"),
    State("remember", "value"),
    prevent_initial_call=True,
)
def log_in(n_clicks, username, password, remember):
    if USERS.get(username) != password:
        return "Wrong user or password"
    login_user(User(username), remember=bool(remember))
    return f"Logged in as {current_user.id}"


@app.callback(Output("logout-result", "children"), Input("logout", "n_clicks"), prevent_initial_call=True)
def log_out(n_clicks):
    logout_user()
    return f"Logged out, now {current_user.get_id()}"


@server.route("/secret")
@login_required
def secret():
    return f"secret for {current_user.id}"


@server.route("/logout")
def logout():
    logout_user()
    return redirect("/")


@server.route("/login", methods=["POST"])
def login_form():
    username = request.form.get("username", "")
    if USERS.get(username) != request.form.get("password"):
        return "Wrong user or password", 403
    login_user(User(username))
    return redirect(request.args.get("next", "/"))


@server.before_request
def guard_reports():
    if request.path.startswith("/reports/") and not current_user.is_authenticated:
        return "Log in first", 403
    return None


@server.route("/reports/<name>")
def report(name):
    return f"{name} for {current_user.id}"


@server.route("/admin")
def admin():
    if current_user.get_id() != "ada":
        return login_manager.unauthorized()
    return "admin"
