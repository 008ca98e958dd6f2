"""The Dash app handed to a package that registers Flask views on its server."""
import dash_uploader as du
from dash import Dash, html

app = Dash(__name__)
server = app.server
du.configure_upload(app, "/tmp/uploads")
app.layout = html.Div([du.Upload(id="upload")])
