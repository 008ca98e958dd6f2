"""Dash Pages: the page modules, which Dash imports itself, read Flask's request."""
import dash
from dash import Dash, html

app = Dash(__name__, use_pages=True)
server = app.server
app.layout = html.Div([html.Nav([html.A(page["name"], href=page["relative_path"]) for page in dash.page_registry.values()]),
                       dash.page_container])
