from factory import create_dash_app

app = create_dash_app()
