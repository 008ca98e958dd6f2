"""The app factory, imported by app.py, which creates the app at module level."""

import dash
from dash import Input, Output, dcc, html


def create_dash_app() -> dash.Dash:
    app = dash.Dash(__name__, title="Factory")
    app.layout = html.Div([dcc.Input(id="name", value="world"), html.P(id="greeting")])

    @app.callback(Output("greeting", "children"), Input("name", "value"))
    def greet(name):
        return f"Hello {name}"

    return app
