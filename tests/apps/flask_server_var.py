"""A Flask-backed Dash app in the style of the Dash Enterprise docs."""
from dash import Dash, Input, Output, dcc, html

app = Dash(__name__)
server = app.server  # exposed for the Procfile

app.layout = html.Div(
    [
        dcc.Slider(id="n", min=1, max=10, value=3),
        html.Div(id="squares"),
    ]
)


@app.callback(Output("squares", "children"), Input("n", "value"))
def squares(n):
    return ", ".join(str(i * i) for i in range(1, n + 1))


if __name__ == "__main__":
    app.run(debug=True)
