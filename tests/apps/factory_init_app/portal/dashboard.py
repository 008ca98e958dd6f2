from dash import Dash, Input, Output, dcc, html


def create_dash_app(server=False):
    app = Dash(__name__, server=server, title="Site")
    app.layout = html.Div([dcc.Input(id="name", value="world"), html.P(id="greeting")])

    @app.callback(Output("greeting", "children"), Input("name", "value"))
    def greet(name):
        return f"Hello {name}"

    return app
