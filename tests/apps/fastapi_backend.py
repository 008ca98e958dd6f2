from dash import Dash, html, dcc, Input, Output

app = Dash(backend="fastapi")


@app.server.get("/api/status")
async def status():
    """An async endpoint alongside the Dash app."""
    return {"status": "success"}


app.layout = html.Div([dcc.Input(id="text", value="abc"), html.Div(id="upper")])


@app.callback(Output("upper", "children"), Input("text", "value"))
async def upper(text):
    return text.upper()


if __name__ == "__main__":
    app.run(debug=True)
