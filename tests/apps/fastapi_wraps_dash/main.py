from fastapi import FastAPI
from fastapi.middleware.wsgi import WSGIMiddleware

from dashboard import dash_app

app = FastAPI()


@app.get("/api/status")
def status():
    return {"status": "ok"}


app.mount("/dash", WSGIMiddleware(dash_app.server))
