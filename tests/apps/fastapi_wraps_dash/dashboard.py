import dash
from dash import html


def create_dash_app(prefix):
    dash_app = dash.Dash(__name__, requests_pathname_prefix=prefix)
    dash_app.layout = html.Div([html.H1("Mounted in FastAPI")])
    return dash_app


dash_app = create_dash_app("/dash/")
