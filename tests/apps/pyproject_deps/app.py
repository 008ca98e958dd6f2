import httpx
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
app.layout = html.Div([dcc.Input(id="name", value="Dash"), html.P(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name} (httpx {httpx.__version__})"
