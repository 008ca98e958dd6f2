"""Background callbacks on diskcache, the way Dash's docs start them."""
import time

import diskcache
from dash import Dash, DiskcacheManager, Input, Output, callback, html

cache = diskcache.Cache("./cache")
background_callback_manager = DiskcacheManager(cache)

app = Dash(__name__, backend="quart", background_callback_manager=background_callback_manager)
server = app.server

app.layout = html.Div([html.Button("Run", id="run"), html.Progress(id="bar", value="0", max="5"), html.P(id="out")])


@callback(
    Output("out", "children"),
    Input("run", "n_clicks"),
    background=True,
    progress=[Output("bar", "value")],
    prevent_initial_call=True,
)
def work(set_progress, n_clicks):
    for i in range(1, 6):
        time.sleep(0.2)
        set_progress(str(i))
    return f"Clicked {n_clicks} times"
