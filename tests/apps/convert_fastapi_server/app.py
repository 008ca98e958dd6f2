"""A user-built Flask server under Dash: a token guard before every request, security headers
after every response (Dash's own included), and an API beside the app."""
from dash import Dash, Input, Output, dcc, html
from flask import Flask, jsonify, request

server = Flask(__name__)


@server.before_request
def guard():
    """Only a token opens /admin; everything else passes."""
    if request.path.startswith("/admin") and request.headers.get("X-Token") != "secret":
        return jsonify(error="forbidden"), 403
    return None


@server.after_request
def secure(response):
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("X-Served-By", "dash")
    return response


@server.route("/api/status")
def status():
    return jsonify(ok=True, method=request.method)


@server.route("/admin/stats")
def stats():
    return jsonify(users=3)


@server.route("/api/submit", methods=["POST", "DELETE"])
def submit():
    if request.method == "DELETE":
        return "", 204
    payload = request.json
    return jsonify(doubled=payload["n"] * 2), 201


app = Dash(__name__, server=server)
app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"


if __name__ == "__main__":
    app.run(debug=True)
