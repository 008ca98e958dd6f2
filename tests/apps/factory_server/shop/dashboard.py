from dash import Dash, Input, Output, dcc, html


def init_dashboard(server):
    dash_app = Dash(__name__, server=server, title="Shop")
    dash_app.layout = html.Div([dcc.Input(id="name", value="world"), html.P(id="greeting")])

    @dash_app.callback(Output("greeting", "children"), Input("name", "value"))
    def greet(name):
        return f"Hello {name}"

    return dash_app.server
