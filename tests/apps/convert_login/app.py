"""flask_login on Dash's server: quart_login.py on Quart; on FastAPI every use is a blocker of its own."""
from dash import Dash, Input, Output, dcc, html
from flask import redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

app = Dash(__name__)
server = app.server
server.secret_key = "not-a-secret"
login_manager = LoginManager()
login_manager.init_app(server)


class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id


@login_manager.user_loader
def load_user(user_id):
    return User(user_id)


@server.route("/login", methods=["POST"])
def login():
    login_user(User(request.form["name"]))
    return redirect("/")


@server.route("/logout")
def logout():
    logout_user()
    return redirect("/")


@server.route("/secret")
@login_required
def secret():
    return f"secret for {current_user.id}"


app.layout = html.Div([dcc.Input(id="word", value="hi"), html.Div(id="who")])


@app.callback(Output("who", "children"), Input("word", "value"))
def who(word):
    return f"{current_user.id if current_user.is_authenticated else 'anonymous'} typed {word}"
