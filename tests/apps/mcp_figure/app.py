import plotly.graph_objects as go
from dash import Dash, Input, Output, callback, dcc, html

app = Dash(__name__, enable_mcp=True)
server = app.server

app.layout = html.Main([dcc.Input(id="city", value="Oslo"), dcc.Graph(id="chart"), html.P(id="summary")])


@callback(Output("chart", "figure"), Input("city", "value"))
def chart(city):
    return go.Figure(go.Bar(x=["Mon", "Tue"], y=[3, 4]), layout={"title": f"Visitors in {city}"})


@callback(Output("summary", "children"), Input("city", "value"))
def summary(city):
    return f"7 visitors in {city}"
