from dash import Dash, html, page_container

# The Procfile turns on Dash's MCP server (DASH_MCP_ENABLED=true); dash[async] in requirements.txt
# makes Dash register Pages' router as an async callback.
app = Dash(__name__, use_pages=True)
server = app.server

app.layout = html.Main([page_container])
