import dash
from dash import Input, Output, callback, dcc, html

# No path: Dash infers /docs/intro from the module's place in views/.
dash.register_page(__name__)

layout = html.Div([dcc.Input(id="intro-text", value="hello"), html.P(id="intro-echo")])


@callback(Output("intro-echo", "children"), Input("intro-text", "value"))
def echo(text):
    return text.upper()
