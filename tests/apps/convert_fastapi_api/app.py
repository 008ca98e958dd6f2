"""An API beside Dash: query arguments, a JSON POST, statuses, redirects, abort and files."""
from dash import Dash, Input, Output, dcc, html
from flask import Response, abort, jsonify, redirect, request, send_file, send_from_directory

app = Dash(__name__)
server = app.server

ITEMS = {1: "apple", 2: "pear"}


@server.route("/api/search")
def search():
    q = request.args.get("q", "")
    tags = request.args.getlist("tag")
    return jsonify(q=q, tags=tags, page=request.args.get("page"))


@server.route("/api/items", methods=["POST"])
def add_item():
    body = request.get_json()
    if not isinstance(body, dict) or "name" not in body:
        return jsonify({"error": "name is required"}), 400
    return jsonify({"added": body["name"]}), 201


@server.route("/api/echo", methods=["GET", "POST"])
def echo():
    data = request.get_json(silent=True)
    return {"method": request.method, "data": data, "path": request.path}


@server.route("/api/items/<int:item_id>")
def item(item_id):
    if item_id not in ITEMS:
        abort(404)
    return {"id": item_id, "name": ITEMS[item_id]}


@server.get("/api/items/<int:item_id>/label")
def label(item_id):
    return f"<b>{ITEMS.get(item_id, 'unknown')}</b>"


@server.route("/api/list")
def listing():
    return [{"id": key, "name": value} for key, value in sorted(ITEMS.items())]


@server.route("/hello/<name>")
def hello(name):
    return "Hello, " + name, 200, {"X-Greeting": "yes"}


@server.route("/old-page")
def old_page():
    return redirect("/new-page")


@server.route("/moved")
def moved():
    return redirect("/api/list", code=301)


@server.route("/whoami")
def whoami():
    agent = request.headers.get("User-Agent", "none")
    return jsonify(agent=agent, client=request.remote_addr, theme=request.cookies.get("theme", "light"))


@server.route("/report.csv")
def report():
    return Response("a,b\n1,2\n", mimetype="text/csv")


@server.route("/download")
def download():
    return send_file("report.csv")


@server.route("/files/<name>")
def files(name):
    return send_from_directory("files", name)


@server.route("/docs/<path:subpath>")
def docs(subpath):
    return send_from_directory("files", subpath)


@server.route("/download-missing")
def download_missing():
    return send_file("no-such-report.csv")


app.layout = html.Div([dcc.Dropdown(sorted(ITEMS.values()), "apple", id="fruit"), html.Div(id="chosen")])


@app.callback(Output("chosen", "children"), Input("fruit", "value"))
def chosen(fruit):
    return f"you chose {fruit}"


@server.route("/api/signup", methods=["POST"])
def signup():
    if not request.form:
        return "no form", 400
    return jsonify(name=request.form["name"], tags=request.form.getlist("tag"), team=request.form.get("team"))


@server.route("/api/maybe")
def maybe():
    if request.args.get("yes"):
        return {"yes": True}
