"""Dash's compress=True: the page, the scripts and a large callback reply gzipped."""
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__, compress=True)
server = app.server

app.layout = html.Div([dcc.Input(id="rows", value=40, type="number"), html.Div(id="table")])


@app.callback(Output("table", "children"), Input("rows", "value"))
def table(rows):
    """A reply well above the 500 bytes from which both sides compress."""
    return [html.P(f"row {number}: {'x' * 20}") for number in range(int(rows))]
