from dash import Dash, Input, Output, callback, dcc, html

# The Procfile turns on Dash's MCP server (DASH_MCP_ENABLED=true): greet becomes a tool.
app = Dash(__name__)
server = app.server

app.layout = html.Main([dcc.Input(id="city", value="Oslo"), html.P(id="greeting")])


@callback(Output("greeting", "children"), Input("city", "value"))
def greet(city):
    return f"Hello from {city}"
