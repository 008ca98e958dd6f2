from dash_extensions.enrich import DashProxy, Input, Output, dcc, html

app = DashProxy(__name__)
app.layout = html.Div([dcc.Input(id="name", value="Dash"), html.P(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}"
