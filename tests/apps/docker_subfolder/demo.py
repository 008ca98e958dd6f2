"""A second app at the root, for trying widgets: the Dockerfile does not serve it."""

from dash import Dash, html

app = Dash(__name__)
app.layout = html.Div("A demo")
