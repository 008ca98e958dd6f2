from dash import Dash, html

app = Dash(__name__)
server = app.server
app.layout = html.Div("Served from the Dockerfile's module")
