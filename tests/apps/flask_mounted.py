from flask import Flask
from dash import Dash, html, dcc, Input, Output

server = Flask(__name__)

@server.route('/')
def index():
    return 'Hello Flask app'

app = Dash(
    server=server,
    routes_pathname_prefix='/dash/'
)

app.layout = html.Div([dcc.Dropdown(id='pick', options=['a', 'b'], value='a'), html.Div(id='out')])

@app.callback(Output('out', 'children'), Input('pick', 'value'))
def show(value):
    return f'picked {value}'

if __name__ == '__main__':
    app.run(debug=True)
