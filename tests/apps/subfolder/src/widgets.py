from dash import html


def title(text):
    return html.H1(text)
