import dash
from dash import Input, Output, callback, dcc, html

from cache_object import computed, method

dash.register_page(__name__, path="/")


def layout(**kwargs):
    return html.Div([dcc.Input(id="word", value="pages"), html.Div(id="first"), html.Div(id="second")])


@callback(Output("first", "children"), Input("word", "value"))
def first(word):
    return f"{word}: run {computed(word)} ({method()})"


@callback(Output("second", "children"), Input("word", "value"))
def second(word):
    return f"{word}: run {computed(word)} again"
