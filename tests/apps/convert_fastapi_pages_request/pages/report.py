import flask
from dash import html, register_page


def description():
    args = flask.request.args
    return f"For {args.get('team', 'everyone')} ({args}, {flask.request.query_string!r})"


register_page(__name__, path="/report", title="Report", description=description)


def layout(**query):
    teams = flask.request.args.getlist("team")
    return html.Div([html.P(f"Teams: {', '.join(teams) or 'none'}"), html.P(repr(flask.request.query_string))])
