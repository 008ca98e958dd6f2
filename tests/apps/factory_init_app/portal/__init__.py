"""A package whose factory makes the Flask server and puts a Dash app made without one on it
(`Dash(server=False)`, then `init_app`), the Dash app's module imported relatively."""

from flask import Flask

from .dashboard import create_dash_app


def create_app():
    flask_app = Flask(__name__)
    dash_app = create_dash_app()
    dash_app.init_app(flask_app)
    return flask_app
