"""Files served from a folder found through the working directory, by a Dash() made without a
name (its Flask root_path is then not the app's folder: only absolute paths mean the same)."""
import os

import dash
from dash import html
from flask import send_from_directory

app = dash.Dash()
server = app.server
app.layout = html.Div([html.A("The readme", href="/downloads/readme.txt")])


@server.route("/downloads/<path:path>")
def download(path):
    root_dir = os.getcwd()
    return send_from_directory(os.path.join(root_dir, "downloads"), path)
