"""The dev server started at import time by app.run, outside a main guard."""

import os

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"


app.run(host="127.0.0.1", port=int(os.environ.get("DEV_PORT", "8050")))
