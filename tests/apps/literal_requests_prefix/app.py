"""Dash served with its requests prefix written in the source."""

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__, requests_pathname_prefix="/")
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
