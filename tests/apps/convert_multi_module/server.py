from flask import Flask

from dash import Dash

server = Flask(__name__)
server.config.update(SECRET_KEY="multi-module")

app = Dash(__name__, server=server, suppress_callback_exceptions=True)
