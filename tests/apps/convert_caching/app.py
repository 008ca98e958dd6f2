"""Flask-Caching on Dash's server: memoize on a plain function, used by a route and a callback."""
import itertools

from dash import Dash, Input, Output, dcc, html
from flask import jsonify
from flask_caching import Cache

app = Dash(__name__)
server = app.server
cache = Cache(app.server, config={"CACHE_TYPE": "SimpleCache"})
calls = itertools.count(1)


@cache.memoize(timeout=300)
def computed(key):
    """How many times it really ran: a hit answers the first run's number again."""
    return next(calls)


@server.route("/api/computed/<key>")
def computed_route(key):
    return jsonify(key=key, run=computed(key))


app.layout = html.Div([dcc.Input(id="key", value="k"), html.Div(id="run")])


@app.callback(Output("run", "children"), Input("key", "value"))
def run(key):
    return f"{key}: run {computed(key)}"
