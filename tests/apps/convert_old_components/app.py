"""Imports from before Dash 2.0."""
import dash
import dash_core_components as dcc
import dash_html_components as html
import dash_table
from dash.dependencies import Input, Output
from dash_table.Format import Format

app = dash.Dash(__name__)
server = app.server

app.layout = html.Div(
    [
        dcc.Input(id="rows", type="number", value=2),
        dash_table.DataTable(id="table", columns=[{"name": "n", "id": "n", "type": "numeric", "format": Format()}]),
    ]
)


@app.callback(Output("table", "data"), Input("rows", "value"))
def rows(count):
    return [{"n": index} for index in range(int(count or 0))]
