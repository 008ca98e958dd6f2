import dash
from dash import Input, Output, callback, dcc, html

dash.register_page(__name__)

layout = html.Div([dcc.Input(id="user", value="ada"), html.P(id="hello")])


@callback(Output("hello", "children"), Input("user", "value"))
def hello(user):
    return f"Hello, {user}"
