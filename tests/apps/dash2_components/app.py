"""Dash 2's separate component packages, which Dash 3 stopped installing."""

import dash
import dash_core_components as dcc
import dash_html_components as html
from dash.dependencies import Input, Output

app = dash.Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"


if __name__ == "__main__":
    app.run_server(debug=True)
