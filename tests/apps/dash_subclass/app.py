import dash
from dash import Input, Output, dcc, html


class BrandedDash(dash.Dash):
    """The company's Dash: its name in every app's title."""

    def __init__(self, *args, title="Dashboard", **kwargs):
        super().__init__(*args, title=f"{title} | Example Corp", **kwargs)


app = BrandedDash(__name__, title="Sales")
app.layout = html.Div([dcc.Input(id="name", value="Dash"), html.P(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
