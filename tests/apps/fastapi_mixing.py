from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from dash import Dash, html, dcc, Input, Output
import pathlib

server = FastAPI()

# Mount Dash app at /dashboard/
app = Dash(server=server, routes_pathname_prefix="/dashboard/")
app.layout = html.Div([
    html.H1("Dash Dashboard"),
    dcc.Input(id="v", value="1"),
    html.Div(id="o"),
])


@app.callback(Output("o", "children"), Input("v", "value"))
def o(v):
    return v


# Shared API endpoints used by both frontends
@server.get("/api/data")
def get_data():
    return {"values": [1, 2, 3, 4, 5]}


build = pathlib.Path(__file__).parent
server.mount("/app", StaticFiles(directory=build, html=True), name="react")

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(server, host="0.0.0.0", port=8050)
