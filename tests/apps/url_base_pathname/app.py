"""Dash served below a literal url_base_pathname."""

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__, url_base_pathname="/dash/")
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
