"""A hand-written Dash Pages app on Quart, its pages in views/ rather than pages/."""

import dash
from dash import Dash, dcc, html

app = Dash(__name__, backend="quart", use_pages=True, pages_folder="views")
server = app.server

app.layout = html.Div(
    [
        html.Div([dcc.Link(page["name"], href=page["relative_path"]) for page in dash.page_registry.values()]),
        dash.page_container,
    ]
)


@server.route("/api/status")
async def status():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(debug=True)
