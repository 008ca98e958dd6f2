from dash import Input, Output, callback, html
from flask import jsonify

from server import app, server


@server.route("/api/status")
def status():
    return jsonify(status="up", app=app.config.name)


app.layout = html.Div([html.H1("Multi-module"), html.Button("Go", id="go"), html.Div(id="out")])


@callback(Output("out", "children"), Input("go", "n_clicks"))
def show(clicks):
    return f"clicked {clicks}"
