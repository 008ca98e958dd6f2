import dash_bootstrap_components as dbc
import plotly.express as px  # plotly is installed with dash; numpy, which plotly.express needs, is not
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__, external_stylesheets=[dbc.themes.BOOTSTRAP])
server = app.server

bars = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2]}], "layout": {"colorway": px.colors.qualitative.Plotly}}
app.layout = dbc.Container([dcc.Input(id="name", value="Dash"), html.P(id="greeting"), dcc.Graph(figure=bars)])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
