"""Flask-Caching bound to the server by a function of another module that is given the app."""
from dash import Dash, Input, Output, dcc, html

from cache_setup import init_cache, total

app = Dash(__name__)
server = app.server
init_cache(app)

app.layout = html.Div([dcc.Input(id="n", value="3"), html.Div(id="total")])


@app.callback(Output("total", "children"), Input("n", "value"))
def show_total(n):
    first, second = total(n), total(n)
    return f"{n}: run {first['run']}, then run {second['run']}"  # the same run twice: a hit
