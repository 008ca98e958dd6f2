"""Flask code convert cannot move with certainty: every use is a blocker."""
from dash import Dash, html
from flask import Blueprint, g, request  # g converts (Quart's is per request too); the rest does not
from flask_login import LoginManager

app = Dash(__name__, compress=True)
server = app.server
login = LoginManager(server)
bp = Blueprint("extra", __name__)


@server.route("/ip")
def ip():
    g.seen = True
    return request.environ.get("REMOTE_ADDR", "")


def body():
    return request.get_json()


client = server.test_client()
app.layout = html.Div("refused")


@server.after_request
def size(response):
    response.headers["X-Size"] = str(len(response.get_data()))
    return response
