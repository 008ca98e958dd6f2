"""Dash on a Flask server the app builds itself, configured, with a before_request hook."""
import os

from flask import Flask, g, request, session

from dash import Dash, Input, Output, html, dcc

server = Flask(__name__)
server.config["GREETING"] = "Hi"
server.config.update(SESSION_COOKIE_NAME="demo_session")
server.secret_key = os.environ.get("SECRET_KEY", "dev-only")


@server.before_request
def remember_agent():
    session["agent"] = request.user_agent.string[:20]
    if "tag" in request.args:  # g holds it for this request only: the next one starts without
        g.tag = request.args["tag"]


@server.after_request
def tag(response):
    response.headers["X-Served-By"] = "dash"
    return response


@server.errorhandler(404)
def not_found(error):
    return {"error": "no such page"}, 404


@server.route("/whoami")
def whoami():
    return {"greeting": server.config["GREETING"], "agent": session.get("agent", ""), "tag": g.get("tag")}


app = Dash(__name__, server=server)

app.layout = html.Div([dcc.Dropdown(["a", "b"], "a", id="pick"), html.Div(id="picked")])


@app.callback(Output("picked", "children"), Input("pick", "value"))
def picked(value):
    # The request a callback runs in: the backend's own, on Flask and on Quart alike.
    return f"{server.config['GREETING']}, {value} ({request.headers.get('Content-Type')})"


if __name__ == "__main__":
    server.run(debug=True)
