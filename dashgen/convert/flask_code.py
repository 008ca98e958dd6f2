"""What `dashgen convert` knows of Flask code: what it converts, and each thing it refuses with
the sentence that says how to move it by hand. Facts about the target backends themselves
(which of their helpers are coroutines) are in dashgen/backends.py."""

from __future__ import annotations

from typing import NamedTuple

# The backends convert moves a Flask app onto.
CONVERTIBLE = ("quart", "fastapi")

# Server methods that register a view, and the hooks the server calls around requests: Quart
# has each under the same name and signature.
ROUTE_REGISTRATIONS = ("route", "get", "post", "put", "patch", "delete")
HOOKS = ("before_request", "after_request", "teardown_request", "teardown_appcontext", "errorhandler",
         "context_processor")  # fmt: skip
# What else of the server an app may use unchanged (Quart's Config is Flask's; its development
# `run(host=, port=, debug=)` takes Flask's arguments).
SERVER_ATTRIBUTES = (*ROUTE_REGISTRATIONS, *HOOKS, "add_url_rule", "config", "secret_key", "logger", "name", "debug",
                     "run")  # fmt: skip

# What makes a response, and a response's attributes that read its body (coroutines on Quart).
RESPONSE_MAKERS = ("make_response", "jsonify", "Response", "send_file", "send_from_directory", "render_template")
RESPONSE_BODY = ("get_data", "get_json", "data", "json")

# The component packages merged into Dash 2.0: the module of dash each is now.
OLD_COMPONENTS = {"dash_core_components": "dcc", "dash_html_components": "html", "dash_table": "dash_table"}

# requirements.txt lines removed when no converted module imports these packages (a package
# `flask` also counts `flask_*` extensions, which need Flask installed).
RETIRED_REQUIREMENTS = {
    "flask": ("flask",),
    "dash-core-components": ("dash_core_components",),
    "dash-html-components": ("dash_html_components",),
    "dash-table": ("dash_table",),
    # dash_auth's BasicAuth becomes a guard of the server; Flask-Compress is Dash's on Flask only.
    "dash-auth": ("dash_auth",),
    "flask-compress": ("flask_compress",),
    # flask_login is imported from quart_login.py / fastapi_login.py, written into the project.
    "flask-login": ("flask_login",),
}

_EXTENSION = "it has no mapping dashgen has proved on Quart: replace it with a Quart equivalent, then run this again"
# Imports that block the conversion, by module (a module's own entry wins over its package's).
_IMPORTS = {
    "dash_auth": "dash_auth.BasicAuth fails on Quart (Working outside of request context): guard the app with an "
    "async before_request that answers 401 with WWW-Authenticate, then run this again",
    "flask_compress": "Flask-Compress wraps Flask's responses: use quart-compress on Quart by hand",
    "werkzeug.middleware": "a WSGI middleware cannot wrap an ASGI app: use an ASGI middleware by hand",
}
# Code that may be given the server, by what it is: Flask-Caching's Cache works on Quart as it is
# (measured: memoize on a plain function hits on Quart 0.22 with Flask-Caching 2.5).
SERVER_CONSUMERS = ("flask_caching.Cache", "flask_caching.Cache.init_app")
# Its view decorators return a coroutine Quart cannot answer with (500): only plain functions.
CACHE_DECORATORS = ("cached", "memoize")
REFUSED_IMPORTS = {
    "flask.": "import it from quart where Quart has it (quart.json, quart.views), by hand",
    "components": "write one `import dash_core_components as dcc` per line, then run this again",
}

REFUSED_NAMES = {
    "stream_with_context": "a streamed response: rewrite it as an async generator on Quart by hand",
    "Blueprint": "a blueprint: move its routes onto the server (or convert it to a Quart Blueprint) by hand",
    "copy_current_request_context": "Quart copies contexts for async tasks itself: remove it by hand",
    "after_this_request": "register an after_request hook instead, then run this again",
    "subclass": "Quart's internals differ from Flask's: move the subclass's additions into hooks, then run again",
    "nested": "define the view at module level, then run this again",
    "view": "a class-based or computed view: register a module-level function, then run this again",
    "stream": "a streamed response: rewrite it as an async generator on Quart by hand",
    "outside": "await it in a route, or make that function async and await it where it is called, by hand",
    "method_route": "{label} gets only plain GET routes returning jsonify(...) or a dict from this version: "
    "move the route by hand",
    "response_body": "a response's body is read with `await response.get_data()` on Quart: move the read by hand",
    "cached": "Flask-Caching's decorators are not async-aware (Quart answers 500): cache a plain function the "
    "view calls instead, then run this again",
    "compress": "Dash's compress=True needs Flask-Compress, which has no Quart mapping dashgen has proved: "
    "drop compress=True (compress at the proxy) or add quart-compress by hand",
}
REFUSED_ATTRIBUTES = {
    "request.environ": "Quart has no WSGI environ: read request.headers, request.scope or request.remote_addr",
    "request.stream": "Quart's body stream is read with `async for`: rewrite the read by hand",
    "request.input_stream": "Quart's body stream is read with `async for`: rewrite the read by hand",
    "request.files": "Quart's uploads are awaited and saved with `await file.save(...)`: move the upload by hand",
}
_NO_FLASK_API = (
    "{label} has no Flask API: dashgen moves onto {label} Flask(__name__), routes, one before_request and "
    "after_request hook, and request/jsonify/redirect/abort/send_file/send_from_directory/Response in them; "
    "move it by hand, or convert with --backend quart"
)
# Why a piece of Flask code stays on Flask when the backend is FastAPI ({label}), by what it is.
FASTAPI_REFUSED = {
    "name": "{label} has no equal dashgen has proved for it (only request, jsonify, redirect, abort, send_file, "
    "send_from_directory and Response inside routes and hooks, request.args/cookies/headers.get(...) and "
    "request.remote_addr inside callbacks, request.args and request.query_string in undecorated functions, and "
    "session): move it by hand, or convert with --backend quart",
    "server_arguments": "FastAPI() takes none of Flask's arguments: leave only Flask(__name__) (serve a folder with "
    "StaticFiles by hand), or convert with --backend quart",
    "static_route": "on Flask this path is answered by Flask's own static route (the static/ folder, 404 without the "
    "file) and never reaches the view; FastAPI has no such route: move the view to another path by hand (or serve the "
    "folder with StaticFiles), or convert with --backend quart",
    "static_rule": "Werkzeug weighs this rule against Flask's own static route (/static/<path:filename>) where "
    "Starlette takes the first match: move the view off /static/ by hand, or convert with --backend quart",
    "static": 'FastAPI serves no static folder: mount it with server.mount("/static", StaticFiles(...)) by hand, '
    "or convert with --backend quart",
    "route": "{label} gets routes with a literal path, <name>/<int:name> converters, the path's parameters as "
    "the view's and methods=[...] from this version: move the route by hand",
    "returns": "return jsonify(...), a dict or list, a str, redirect(...), send_file(...), send_from_directory(...) "
    "or Response(...), with a literal status (and headers) at most, or move the route by hand",
    "files": "send_file(path) and send_from_directory(folder, name) move only in the module that makes the server "
    "with __name__ (relative paths resolve against its folder, Flask's root_path): move it by hand",
    "request": "{label}'s Request gets only request.args.get/getlist, get_json()/json (in routes), headers.get, "
    "cookies.get, method, path and remote_addr from this version: read it from FastAPI's Request by hand",
    "hook": "only a plain before_request() and after_request(response) become FastAPI middleware: move it into an "
    '@server.middleware("http") by hand',
    "hooks": "several hooks run in Flask's order, not a middleware stack's: merge them into one before_request "
    "and one after_request below it, then run this again",
    "after": "an after_request hook moves only when it sets headers, reads status_code and returns the response: "
    'move it into an @server.middleware("http") by hand',
    "slash": "Flask redirects the path without its last / to it, where FastAPI gives Dash's page: drop the last / "
    "(or add a redirect route) by hand",
    "hook_abort": "an HTTPException raised in a middleware is a 500 on FastAPI, not the status: return the "
    "response instead (return jsonify(...), 403), then run this again",
    "config": "FastAPI has no config: move it to settings or app.state by hand, then run this again",
}


SERVER_ATTRIBUTE_BLOCKERS = {
    "wsgi_app": "an ASGI server has no WSGI app to wrap: use an ASGI middleware by hand",
    "test_client": "Quart's test client is async: rewrite the test with `async with app.test_client()`",
    "register_blueprint": "a blueprint: move its routes onto the server (or to a Quart Blueprint) by hand",
    "extensions": "an extension's state: convert the extension by hand",
    "unknown": "use only the server's routes, hooks and config, or move this by hand",
    "no_flask_api": _NO_FLASK_API,
    "passed": "code given the server (an extension, a middleware) may need Flask: convert it by hand",
}


class Blocker(NamedTuple):
    """Why convert cannot move the app: where, what, and how to fix it."""

    file: str
    line: int
    what: str
    how: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what} — {self.how}"


def blocker_for_import(module: str, flask_api: bool, label: str) -> tuple[str, str] | None:
    """(what, how) for an import that blocks the conversion onto a backend (with Flask's API or
    not, named `label`), or None."""
    if not flask_api and (module == "flask" or module.startswith(("flask.", "flask_")) or module in _IMPORTS):
        return f"import of {module}", _NO_FLASK_API.format(label=label)
    for known, how in _IMPORTS.items():
        if module == known or module.startswith(f"{known}."):
            return f"import of {module}", how
    if module.startswith("flask_") and module.split(".")[0] not in {name.split(".")[0] for name in SERVER_CONSUMERS}:
        return f"import of {module}, a Flask extension", _EXTENSION
    return None
