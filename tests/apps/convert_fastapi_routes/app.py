"""Plain GET routes beside Dash that FastAPI can serve as they are: JSON from jsonify or a dict."""
from dash import Dash, Input, Output, dcc, html
from flask import jsonify

app = Dash(__name__)
server = app.server

PLANETS = {"mercury": 1, "venus": 2, "earth": 3}


@server.route("/api/items/<int:item_id>")
def item(item_id):
    return jsonify({"id": item_id, "double": item_id * 2})


@server.route("/api/planets/<name>", methods=["GET"])
def planet(name):
    if name not in PLANETS:
        return {"error": f"no planet {name}"}
    return jsonify(name=name, order=PLANETS[name])


@app.server.route("/api/planets")
def planets():
    return {"planets": sorted(PLANETS)}


app.layout = html.Div([dcc.RadioItems(sorted(PLANETS), "earth", id="planet"), html.Div(id="order")])


@app.callback(Output("order", "children"), Input("planet", "value"))
def order(name):
    return f"{name} is planet {PLANETS[name]}"
