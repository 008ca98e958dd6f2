import csv
import os

from dash import Dash, dash_table, html

with open("data/prices.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))

app = Dash(__name__)
server = app.server
server.secret_key = os.environ.get("SECRET_KEY", "")
app.layout = html.Div([html.H1("Prices"), dash_table.DataTable(data=rows)])

if __name__ == "__main__":
    app.run(debug=True)
