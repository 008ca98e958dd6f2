from dash import Dash, Input, Output, dcc, html

from server import api

app = Dash(__name__, server=api)
app.layout = html.Div([dcc.Input(id="name", value="Dash"), html.P(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
async def greet(name):
    return f"Hello, {name}"
