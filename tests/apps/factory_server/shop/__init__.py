"""A Flask app factory that puts a Dash app on the server it makes: gunicorn 'shop:create_app()'."""

from flask import Flask

from shop.dashboard import init_dashboard


def create_app():
    server = Flask(__name__)
    with server.app_context():
        server = init_dashboard(server)
    return server
