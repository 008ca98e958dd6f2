"""The dev server started at import time with run_server, which Dash 3 removed."""

import os

from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"


app.run_server(host="127.0.0.1", port=int(os.environ.get("DEV_PORT", "8050")))
