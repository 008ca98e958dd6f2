"""Gunicorn serving the Dash object itself: Dash hands each WSGI call to its Flask server."""

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
