"""Flask's session on FastAPI, as `dashgen convert --backend fastapi` writes it into a project
(FastAPI has no session of its own; Starlette's SessionMiddleware signs another cookie and sends
it with every answer).

Flask's own cookie session, by Flask's own code (Flask is installed with Dash on every backend):
the same `session` cookie, signed with the server's secret key as Flask signs it, so a session
the Flask app signed is read here as well; set only when the session was modified, deleted when
it was emptied, `Vary: Cookie` on every answer that used it. Without a secret key it is Flask's
null session: reading it works, writing it raises RuntimeError (the request answers 500)."""

from __future__ import annotations

import contextvars
import types

import flask
from flask.sessions import SecureCookieSessionInterface
from starlette.datastructures import MutableHeaders
from werkzeug.http import parse_cookie
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

__all__ = ["serve", "session"]

_INTERFACE = SecureCookieSessionInterface()
_CURRENT = contextvars.ContextVar("flask_session", default=None)


def serve(server):
    """Flask's session for every request the server answers, its own routes and Dash's: opened
    before any middleware (a converted before_request hook reads it), saved when the answer
    starts, as Flask saves it after the view and its after_request hooks."""
    build = server.build_middleware_stack
    server.build_middleware_stack = lambda: _FlaskSession(build(), server)
    return server


class _FlaskSession:
    def __init__(self, app, server):
        self.app = app
        self.server = server
        # Never served: the config Flask's session interface reads (cookie name, lifetime, key).
        self.flask = flask.Flask(__name__)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Set by the converted `server.secret_key = ...` (FastAPI has no config to keep it in).
        self.flask.secret_key = getattr(self.server.state, "secret_key", None)
        header = "; ".join(value.decode("latin-1") for name, value in scope["headers"] if name == b"cookie")
        request = types.SimpleNamespace(cookies=parse_cookie(header))
        opened = _INTERFACE.open_session(self.flask, request)
        session = opened if opened is not None else _INTERFACE.make_null_session(self.flask)
        token = _CURRENT.set(session)

        async def send_saved(message):
            if message["type"] == "http.response.start" and opened is not None:
                saved = Response()
                _INTERFACE.save_session(self.flask, session, saved)
                headers = MutableHeaders(scope=message)
                for cookie in saved.headers.getlist("Set-Cookie"):
                    headers.append("set-cookie", cookie)
                if "cookie" in saved.vary:
                    vary = headers.get("vary")
                    if vary is None:
                        headers["vary"] = "Cookie"
                    elif "cookie" not in {part.strip().lower() for part in vary.split(",")}:
                        headers["vary"] = f"{vary}, Cookie"
            await send(message)

        try:
            await self.app(scope, receive, send_saved)
        finally:
            _CURRENT.reset(token)


def _session():
    session = _CURRENT.get()
    if session is None:
        raise RuntimeError("Working outside of request context.")
    # Flask counts every use of its session proxy as an access: the answer then says Vary: Cookie.
    session.accessed = True
    return session


session = LocalProxy(_session)
