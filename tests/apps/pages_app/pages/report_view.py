import dash
from dash import html

dash.register_page(__name__, path_template="/report/<report_id>")

layout = html.P("Report")
