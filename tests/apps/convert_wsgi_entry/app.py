"""A Dash app served through a wsgi.py entry module, by several gunicorn workers."""
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="world"), html.Div(id="greeting")])


@app.callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}!"


if __name__ == "__main__":
    app.run(debug=True)
