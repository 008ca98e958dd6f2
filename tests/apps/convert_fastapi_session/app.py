"""Flask's session as Dash apps use it: written and read by a callback, by routes (one that only
reads it, one that empties it) and by a before_request hook; the secret key given through the
server's config."""
from dash import Dash, Input, Output, dcc, html
from flask import Flask, jsonify, request, session

server = Flask(__name__)
server.config["SECRET_KEY"] = "not-a-secret"
app = Dash(__name__, server=server)


app.layout = html.Div([dcc.Input(id="note", value=""), html.Div(id="saved")])


@app.callback(Output("saved", "children"), Input("note", "value"))
def save(note):
    if note:
        session["note"] = note
    return f"note: {session.get('note')}"


@server.before_request
def count_visits():
    if request.path.startswith("/api/"):
        session["visits"] = session.get("visits", 0) + 1


@server.route("/api/session")
def read_session():
    return jsonify(note=session.get("note"), visits=session.get("visits"))


@server.route("/plain")
def plain():
    return "nothing of the session here"


@server.route("/api/forget")
def forget():
    session.clear()
    return "forgotten"
