import dash_bootstrap_components as dbc
import plotly.express as px  # installed with dash
from dash import Dash, dcc, html

app = Dash(__name__, external_stylesheets=[dbc.themes.BOOTSTRAP])
server = app.server

app.layout = dbc.Container([html.H1("Sales"), dcc.Graph(figure=px.bar(x=["a", "b"], y=[1, 2]))])
