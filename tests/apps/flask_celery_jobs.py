"""Background callbacks on Celery, in the style of Dash's docs ("Background Callbacks")."""
import os
import time

from celery import Celery
from dash import CeleryManager, Dash, Input, Output, callback, html

celery_app = Celery(__name__, broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
background_callback_manager = CeleryManager(celery_app)

app = Dash(__name__, background_callback_manager=background_callback_manager)
server = app.server

app.layout = html.Div(
    [
        html.Button("Run", id="run"),
        html.Button("Cancel", id="cancel"),
        html.Progress(id="bar", value="0", max="5"),
        html.P(id="paragraph"),
    ]
)


@callback(
    Output("paragraph", "children"),
    Input("run", "n_clicks"),
    background=True,
    progress=[Output("bar", "value")],
    running=[(Output("run", "disabled"), True, False)],
    cancel=Input("cancel", "n_clicks"),
    prevent_initial_call=True,
)
def update_progress(set_progress, n_clicks):
    for i in range(1, 6):
        time.sleep(0.2)
        set_progress(str(i))
    return f"Clicked {n_clicks} times"
