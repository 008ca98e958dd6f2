"""Dash Pages whose title, description and layout functions read Flask's request: the query of
the page Dash is answering."""
import dash
from dash import Dash, html

app = Dash(__name__, use_pages=True)
server = app.server
app.layout = html.Div([html.H1("Reports"), dash.page_container])
