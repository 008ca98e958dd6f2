import hmac
import os

from dash import Dash, Input, Output, callback, dcc, html
from fastapi import Request
from fastapi.responses import PlainTextResponse

app = Dash(__name__, backend="fastapi", enable_mcp=True)
server = app.server

app.layout = html.Main([dcc.Input(id="city", value="Oslo"), html.P(id="greeting")])
MCP_TOKEN = os.environ.get("DASH_MCP_TOKEN", "")


@server.middleware("http")
async def guard_mcp(request: Request, call_next):
    """Dash's MCP endpoint checks nothing itself: a bearer token and the page's own Origin only."""
    if request.url.path.endswith("mcp"):
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.headers.get('host')}":
            return PlainTextResponse("Forbidden origin", status_code=403)
        supplied = request.headers.get("authorization", "")
        if not MCP_TOKEN or not hmac.compare_digest(supplied, f"Bearer {MCP_TOKEN}"):
            return PlainTextResponse("Unauthorized", status_code=401)
    return await call_next(request)


@callback(Output("greeting", "children"), Input("city", "value"))
def greet(city):
    return f"Hello from {city}"
