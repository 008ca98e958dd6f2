from flask import Flask

from dashapp import init_dash


def create_app():
    flask_app = Flask(__name__)
    init_dash(flask_app)
    return flask_app


server = create_app()
