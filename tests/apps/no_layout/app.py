"""A boilerplate left as it was: the app is created and served, and nothing ever fills it."""

import dash

app = dash.Dash(__name__)
server = app.server

if __name__ == "__main__":
    app.run(debug=True)
