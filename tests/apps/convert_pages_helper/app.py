"""Dash Pages whose page imports a helper module that reaches the server through dash.get_app()."""
import dash
from dash import Dash, html

app = Dash(__name__, use_pages=True)
server = app.server
app.layout = html.Div([dash.page_container])
