'''Quart backend, CRLF line endings, single quotes.'''
from dash import Dash, html, dcc, Input, Output

app = Dash(backend='quart')  # Dash creates the Quart server

app.layout = html.Div([dcc.Input(id='q', value='x'), html.B(id='echo')])


@app.callback(Output('echo', 'children'), Input('q', 'value'))
def echo(q):
    return q[::-1]


# Development server
if __name__ == '__main__':
    app.run(debug=True)
