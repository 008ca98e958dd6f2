from dash import Dash, html

from widgets import title

app = Dash(__name__)
app.layout = html.Div([title("In a subfolder")])

if __name__ == "__main__":
    app.run(debug=True)
