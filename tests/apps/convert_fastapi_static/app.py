"""A static/ folder beside the app, which Flask serves at /static/, and a view with Flask's own
static rule that Flask therefore never reaches."""
import os

from dash import Dash, Input, Output, dcc, html
from flask import send_from_directory

app = Dash(__name__)
server = app.server

app.layout = html.Div(
    [
        html.Link(rel="stylesheet", href="/static/css/site.css"),
        dcc.Input(id="name", value="static"),
        html.Div(id="greeting"),
    ]
)


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Served beside {name} files"


@server.route("/static/<path:path>")
def static_file(path):
    return send_from_directory(os.path.join(os.getcwd(), "assets-elsewhere"), path)
