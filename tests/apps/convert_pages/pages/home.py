import dash
from dash import Input, Output, callback, dcc, html
from flask import request

dash.register_page(__name__, path="/")


def layout(**kwargs):
    return html.Div([dcc.Input(id="word", value="pages"), html.Div(id="echo")])


@callback(Output("echo", "children"), Input("word", "value"))
def echo(word):
    return f"{word} ({request.method})"
