from quart import Quart
from dash import Dash, html, dcc, Input, Output

server = Quart(__name__)


@server.route("/api/hello")
async def api_hello():
    return {"message": "Hello from Quart"}


app = Dash(server=server)

app.layout = html.Div([dcc.Checklist(id="opts", options=["p", "q"], value=["p"]), html.Div(id="count")])


@app.callback(Output("count", "children"), Input("opts", "value"))
async def count(opts):
    return f"{len(opts)} selected"


if __name__ == "__main__":
    app.run(debug=True)
