"""An app built in a factory: the server calls create_app() (gunicorn 'app:create_app()')."""

from dash import Dash, Input, Output, dcc, html


def create_app():
    app = Dash(__name__, title="Factory")
    app.layout = html.Div([dcc.Input(id="name", value="world"), html.P(id="greeting")])

    @app.callback(Output("greeting", "children"), Input("name", "value"))
    def greet(name):
        return f"Hello {name}"

    return app.server
