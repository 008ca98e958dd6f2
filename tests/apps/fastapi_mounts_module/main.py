from fastapi import FastAPI
from starlette.middleware.wsgi import WSGIMiddleware

import dashapp

app = FastAPI()
app.mount("/real", WSGIMiddleware(dashapp.app.server))


@app.get("/api/status")
def status():
    return {"ok": True}
