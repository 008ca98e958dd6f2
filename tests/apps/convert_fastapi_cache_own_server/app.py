"""Flask-Caching bound to a Flask server the app builds itself through `import flask`."""
import itertools

import flask
from dash import Dash, Input, Output, dcc, html
from flask_caching import Cache

server = flask.Flask(__name__)
cache = Cache(server, config={"CACHE_TYPE": "SimpleCache"})
runs = itertools.count(1)

app = Dash(__name__, server=server)
app.layout = html.Div([dcc.Input(id="n", value="3"), html.Div(id="total")])


@cache.memoize(timeout=300)
def total(n):
    """Which run computed it: a hit answers the first run's number again."""
    return next(runs)


@app.callback(Output("total", "children"), Input("n", "value"))
def show_total(n):
    return f"{n}: run {total(n)}, then run {total(n)}"  # the same run twice: a hit
