# A FastAPI server created inline and never named: routes go on app.server.
import fastapi
import dash
from dash import html, dcc, Input, Output

app = dash.Dash(__name__, server=fastapi.FastAPI())

app.layout = html.Div([dcc.Input(id="a", value=1, type="number"), html.Span(id="double")])


@app.callback(Output("double", "children"), Input("a", "value"))
def double(a):
    return str((a or 0) * 2)


if __name__ == "__main__":
    app.run(debug=True)
