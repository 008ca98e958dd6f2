from dash import Input, Output, callback, html

from app import app

app.layout = html.Div([html.H1("Sales"), html.Button("Go", id="go"), html.Div(id="out")])


@callback(Output("out", "children"), Input("go", "n_clicks"))
def show(clicks):
    return f"clicked {clicks}"


if __name__ == "__main__":
    app.run(debug=True)
