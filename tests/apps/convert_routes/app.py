"""Custom routes beside Dash: converters, a JSON POST, query arguments, files, add_url_rule."""
from pathlib import Path

from dash import Dash, Input, Output, html
from flask import jsonify, request, send_from_directory

FILES = Path(__file__).parent / "files"

app = Dash(__name__)
server = app.server


@server.route("/api/items/<int:item_id>")
def item(item_id):
    return jsonify({"id": item_id, "double": item_id * 2})


@app.server.route("/api/echo", methods=["POST"])
def echo():
    body = request.get_json(silent=True) or {}
    return jsonify(received=body, keys=sorted(body))


@server.route("/api/search")
def search():
    return jsonify(q=request.args.get("q", ""), page=int(request.args.get("page", 1)))


@server.route("/files/<path:name>")
def files(name):
    return send_from_directory(FILES, name)


def health():
    return "ok"


server.add_url_rule("/health", "health", health)

app.layout = html.Div([html.Button("go", id="go"), html.Div(id="out")])


@app.callback(Output("out", "children"), Input("go", "n_clicks"))
def out(clicks):
    return f"clicked {clicks or 0}"
