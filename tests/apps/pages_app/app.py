"""A multi-page app: Dash serves each page of pages/ at its own path."""

import dash
from dash import Dash, html
from flask import Flask

server = Flask(__name__)
app = Dash(__name__, server=server, use_pages=True)

app.layout = html.Div([html.H1("Pages"), dash.page_container])


@server.route("/login", methods=["POST"])
def login_form():
    return {"logged_in": True}
