"""Flask's request read inside Dash callbacks, through `import flask`, as older apps do."""
import dash
import flask
from dash import Input, Output, dcc, html

app = dash.Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="ada"), html.Div(id="seen"), html.Div(id="client")])


@app.callback(Output("seen", "children"), Input("name", "value"))
def seen(name):
    print("callback arguments:", flask.request.args)  # a log line: its repr is the backend's
    theme = flask.request.cookies.get("theme", "light")
    page = flask.request.args.get("page", "1")
    return f"{name}: theme {theme}, page {page}, tags {flask.request.args.getlist('tag')}"


@app.callback(Output("client", "children"), Input("name", "value"))
def client(name):
    agent = flask.request.headers.get("User-Agent", "")
    return f"{name} from {flask.request.remote_addr} with {agent.split('/')[0]}"


@server.route("/api/ping")
def ping():
    return flask.jsonify(ok=True)
