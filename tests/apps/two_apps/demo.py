from dash import Dash, html

demo = Dash(__name__)
demo.layout = html.Div("A demo of one component")

if __name__ == "__main__":
    demo.run(debug=True)
