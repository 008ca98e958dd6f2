"""A Flask app factory that puts a Dash app on the server it makes: gunicorn 'shop:create_app()'.
The Dash module is imported inside the factory, as Flask's application-factory tutorials do."""

from flask import Flask


def create_app():
    server = Flask(__name__)
    with server.app_context():
        from .dashboard import init_dashboard

        server = init_dashboard(server)
    return server
