import os

from fastapi import FastAPI as F
from dash import Dash, html, dcc, Input, Output

prefix = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")

api = F(title="My API")


@api.get(f"{prefix}api/data")
def get_data():
    return {"values": [1, 2, 3, 4, 5]}


app = Dash(server=api)
app.layout = html.Div([dcc.RadioItems(id="kind", options=["x", "y"], value="x"), html.Pre(id="shown")])


@app.callback(Output("shown", "children"), Input("kind", "value"))
def shown(kind):
    return kind * 3
