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
import weakref

import flask
from flask.sessions import SecureCookieSessionInterface
from starlette.datastructures import MutableHeaders
from werkzeug.http import parse_cookie
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

__all__ = ["after_request", "current", "serve", "session"]

_INTERFACE = SecureCookieSessionInterface()
_CURRENT = contextvars.ContextVar("flask_session", default=None)
_AFTER_REQUEST = weakref.WeakKeyDictionary()  # server -> what runs before its session is saved


def serve(server):
    """Flask's session for every request the server answers, its own routes and Dash's: opened
    before any middleware (a converted before_request hook reads it), saved when the answer
    starts, as Flask saves it after the view and its after_request hooks."""
    build = server.build_middleware_stack
    server.build_middleware_stack = lambda: _FlaskSession(build(), server)
    return server


def after_request(server, function):
    """`function(response)` on every answer, before the session is saved, as Flask runs its
    after_request hooks: `response` a Werkzeug Response whose cookies the answer gets."""
    _AFTER_REQUEST.setdefault(server, []).append(function)


def current():
    """This request's session, parsed cookies, ASGI scope, server and per-request namespace."""
    found = _CURRENT.get()
    if found is None:
        raise RuntimeError("Working outside of request context.")
    return found


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
        cookies = parse_cookie(header)
        opened = _INTERFACE.open_session(self.flask, types.SimpleNamespace(cookies=cookies))
        session = opened if opened is not None else _INTERFACE.make_null_session(self.flask)
        state = types.SimpleNamespace(
            session=session, cookies=cookies, scope=scope, server=self.server, g=types.SimpleNamespace()
        )
        token = _CURRENT.set(state)

        async def send_saved(message):
            if message["type"] == "http.response.start":
                saved = Response()
                for function in reversed(_AFTER_REQUEST.get(self.server, ())):
                    function(saved)
                if opened is not None:
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
    session = current().session
    # Flask counts every use of its session proxy as an access: the answer then says Vary: Cookie.
    session.accessed = True
    return session


session = LocalProxy(_session)
