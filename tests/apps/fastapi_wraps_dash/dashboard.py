import dash
import flask
from dash import html


def create_dash_app(prefix):
    server = flask.Flask(__name__)
    dash_app = dash.Dash(__name__, server=server, requests_pathname_prefix=prefix)
    dash_app.layout = html.Div([html.H1("Mounted in FastAPI")])
    return dash_app


dash_app = create_dash_app("/dash/")
