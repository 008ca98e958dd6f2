"""dash_auth's BasicAuth guarding a Dash app: every request needs one of USERS' passwords."""
import dash_auth
from dash import Dash, Input, Output, dcc, html

USERS = {"ada": "lovelace", "grace": "hopper"}

app = Dash(__name__)
server = app.server
auth = dash_auth.BasicAuth(app, USERS)  # as Dash's docs write it

app.layout = html.Div([dcc.Input(id="name", value="world"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}!"
