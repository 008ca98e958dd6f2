import hmac
import os

import plotly.graph_objects as go
from dash import Dash, Input, Output, callback, dcc, html
from flask import request

app = Dash(__name__, enable_mcp=True)
server = app.server

app.layout = html.Main([dcc.Input(id="city", value="Oslo"), dcc.Graph(id="chart"), html.P(id="summary")])
MCP_TOKEN = os.environ.get("DASH_MCP_TOKEN", "")


@server.before_request
def guard_mcp():
    """Dash's MCP endpoint checks nothing itself: a bearer token and the page's own Origin only."""
    if request.path.endswith("/_mcp"):
        origin = request.headers.get("Origin")
        if origin and origin != f"{request.scheme}://{request.host}":
            return "Forbidden origin", 403
        supplied = request.headers.get("Authorization", "")
        if not MCP_TOKEN or not hmac.compare_digest(supplied, f"Bearer {MCP_TOKEN}"):
            return "Unauthorized", 401
    return None


@callback(Output("chart", "figure"), Input("city", "value"))
def chart(city):
    return go.Figure(go.Bar(x=["Mon", "Tue"], y=[3, 4]), layout={"title": f"Visitors in {city}"})


@callback(Output("summary", "children"), Input("city", "value"))
def summary(city):
    return f"7 visitors in {city}"
