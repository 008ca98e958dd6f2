"""WebSocket callbacks, and callbacks that hold the event loop of an ASGI server."""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from dashgen.backends import BACKENDS
from dashgen.nodes import called_name, nodes
from dashgen.rules import ERROR, WARNING, checker, rule

# Calls that block the thread they run on, by dotted name or by their last part.
_BLOCKING_CALLS = re.compile(
    r"(^|\.)(sleep|urlopen|read_sql(_query|_table)?|read_csv|read_excel|read_parquet|execute|executemany|"
    r"fetchall|fetchone|fetchmany|connect)$|^(requests|urllib3?|httpx|subprocess)\."
)
# What a WebSocket needs on the ASGI server: uvicorn[standard] brings websockets; hypercorn (which
# Quart, and so dash[quart], require) brings wsproto; dash[fastapi] brings uvicorn[standard].
_WEBSOCKET_LIBRARIES = {"websockets", "wsproto", "hypercorn", "quart"}

ON_FLASK = rule(
    "websocket-callbacks-on-flask", ERROR,
    summary="WebSocket callbacks on Flask, which Dash serves over HTTP only.",
    why="On Flask ctx.websocket is None (or raises), so every callback that uses it answers 500.",
    fix='Serve the app with FastAPI or Quart (Dash(backend="fastapi")), or drop websocket= and ctx.websocket.',
)  # fmt: skip
GLOBAL_WITH_CANCEL = rule(
    "websocket-callbacks-global-with-cancel", WARNING,
    summary="Dash(websocket_callbacks=True) in an app with a background callback's cancel=.",
    why="With every callback over the WebSocket, Dash sends the cancel there and fails to run it, so the Cancel "
    "button does nothing (a warning until a test runs cancel over the WebSocket).",
    fix="Drop websocket_callbacks=True and pass websocket=True to the callbacks that need it.",
)  # fmt: skip
REGISTERED_GLOBALLY = rule(
    "websocket-callback-registered-globally", WARNING,
    summary="A WebSocket callback is registered with dash.callback instead of app.callback.",
    why="Dash copies dash.callback functions into the app on its first HTTP request, so a worker whose first "
    "request is the WebSocket (one of several, after a start) refuses the callback.",
    fix="Register it with @app.callback(...).",
)  # fmt: skip
PERSISTENT_NOT_ASYNC = rule(
    "persistent-callback-not-async", WARNING,
    summary="A persistent WebSocket callback is a plain def.",
    why="Each open page holds one of a worker's 4 WebSocket threads for the whole visit, so a fifth page at once "
    "gets nothing.",
    fix="Write it async def and await asyncio.sleep(...) between updates.",
)  # fmt: skip
BLOCKING = rule(
    "blocking-callback-on-event-loop", WARNING,
    summary="A plain def callback on FastAPI or Quart makes a blocking call.",
    why="Dash runs a plain def callback on the event loop there: while it blocks, every other request, "
    "WebSocket push and live page of that worker waits (bench/live.py measures it).",
    fix="Write it async def and run the blocking call with `await asyncio.to_thread(...)`.",
)  # fmt: skip
LIBRARY_MISSING = rule(
    "websocket-library-missing", ERROR,
    summary="WebSocket callbacks with no WebSocket library in requirements.txt.",
    why="uvicorn without websockets or wsproto refuses the page's WebSocket, so those callbacks never finish.",
    fix="List uvicorn[standard] (or websockets, or wsproto).",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip


class CallbackDef(NamedTuple):
    """A function a callback decorator registers."""

    name: str
    line: int
    asynchronous: bool
    keywords: dict[str, ast.expr]
    node: ast.FunctionDef | ast.AsyncFunctionDef
    decorator: str  # "callback", "dash.callback" or "app.callback"


def callback_defs(tree: ast.Module) -> list[CallbackDef]:
    """Functions decorated with @callback, @dash.callback or @app.callback(...)."""
    found = []
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and called_name(decorator.func) == "callback":
                keywords = {keyword.arg: keyword.value for keyword in decorator.keywords if keyword.arg}
                asynchronous = isinstance(node, ast.AsyncFunctionDef)
                dotted = _dotted(decorator.func)
                found.append(CallbackDef(node.name, decorator.lineno, asynchronous, keywords, node, dotted))
                break
    return found


def _dotted(node: ast.expr) -> str:
    """What ast.unparse writes for a name or a dotted name, without unparsing each of thousands."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, (ast.Name, ast.Attribute)):
        return f"{_dotted(node.value)}.{node.attr}"
    return ast.unparse(node)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def global_websocket_line(tree: ast.Module) -> int:
    """The line of a `websocket_callbacks=True` argument (Dash(...)), or 0."""
    for node in nodes(tree, ast.Call):
        for keyword in node.keywords:
            if keyword.arg == "websocket_callbacks" and _is_true(keyword.value):
                return keyword.value.lineno
    return 0


def _blocking_call(function: ast.AST) -> ast.Call | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _BLOCKING_CALLS.search(ast.unparse(node.func)):
            return node
    return None


def uses_websocket_callbacks(project) -> bool:
    return bool(global_websocket_line(project.source.tree)) or any(
        _is_true(callback.keywords.get("websocket")) for callback in project.callbacks
    )


@checker(ON_FLASK, GLOBAL_WITH_CANCEL)
def websocket_switch(project):
    source = project.source
    name, file = source.path.name, project.shown(source.path)
    global_line = global_websocket_line(source.tree)
    per_callback = [callback for callback in project.callbacks if _is_true(callback.keywords.get("websocket"))]
    backend = BACKENDS[source.backend]
    if not backend.websocket_callbacks and (global_line or per_callback):
        able = " or ".join(other.label for other in BACKENDS.values() if other.websocket_callbacks)
        yield ON_FLASK.finding(
            file, global_line or per_callback[0].line,
            f"{name} asks for WebSocket callbacks on {backend.label}, which Dash serves over HTTP instead: "
            "ctx.websocket is None (or raises), so those callbacks fail with 500.",
            f'Serve the app with {able} (`Dash(backend="fastapi")`), or drop websocket= and ctx.websocket.',
        )  # fmt: skip
    if global_line and any("cancel" in callback.keywords for callback in project.callbacks):
        yield GLOBAL_WITH_CANCEL.finding(
            file, global_line,
            "websocket_callbacks=True sends a background callback's cancel over the WebSocket, where Dash fails to "
            "run it, so the Cancel button does nothing.",
        )  # fmt: skip


@checker(REGISTERED_GLOBALLY, PERSISTENT_NOT_ASYNC, BLOCKING)
def callbacks(project):
    """Callbacks that a worker refuses, or that hold the event loop or a WebSocket thread."""
    source = project.source
    file = project.shown(source.path)
    global_line = global_websocket_line(source.tree)
    backend = BACKENDS[source.backend]
    for callback in project.callbacks:
        over_websocket = global_line or _is_true(callback.keywords.get("websocket"))
        if over_websocket and backend.websocket_callbacks and callback.decorator in ("callback", "dash.callback"):
            yield REGISTERED_GLOBALLY.finding(
                file, callback.line,
                f"{callback.name} goes over the WebSocket but is registered with {callback.decorator}, which Dash "
                "copies into the app on its first HTTP request: a worker whose first request is the WebSocket (one "
                "of several workers, after a start) refuses it.",
                f"Register it with @{source.app_name}.callback(...).",
            )  # fmt: skip
        if _is_true(callback.keywords.get("persistent")) and not callback.asynchronous:
            yield PERSISTENT_NOT_ASYNC.finding(
                file, callback.line,
                f"{callback.name} is a persistent callback written as a plain def: each open page holds one of the "
                "4 WebSocket threads of a worker process for the whole visit, so a fifth page at once gets nothing.",
                f"Write it `async def {callback.name}` and await asyncio.sleep(...) between updates.",
            )  # fmt: skip
        # A background callback runs in the job manager's process, not on the server's event loop.
        on_loop = backend.asgi and not callback.asynchronous and not _is_true(callback.keywords.get("background"))
        blocking = _blocking_call(callback.node) if on_loop else None
        if blocking is not None:
            call = ast.unparse(blocking.func)
            yield BLOCKING.finding(
                file, blocking.lineno,
                f"{callback.name} is a plain def on {backend.label}, so Dash runs it on the event loop: while "
                f"{call}(...) blocks, every other request, WebSocket push and live page of that worker waits (4 "
                "requests to a callback sleeping 1 s take 4 s on one worker).",
                f"Write it `async def {callback.name}` and call `await asyncio.to_thread({call}, ...)`.",
            )  # fmt: skip


@checker(LIBRARY_MISSING)
def websocket_library(project):
    """WebSocket callbacks on an ASGI server with nothing installed to speak WebSocket."""
    requirements = project.requirements
    if requirements is None or not BACKENDS[project.source.backend].websocket_callbacks:
        return
    if not uses_websocket_callbacks(project):
        return
    present = any(requirements.lists(library) for library in _WEBSOCKET_LIBRARIES) or any(
        (line := requirements.get(package)) is not None and extra in line.extras
        for package, extra in (("uvicorn", "standard"), ("dash", "fastapi"), ("dash", "quart"))
    )
    if not present:
        yield LIBRARY_MISSING.finding(
            "requirements.txt", 0,
            "The app has WebSocket callbacks but requirements.txt installs no WebSocket library, so the server "
            "refuses the page's WebSocket and those callbacks never finish.",
        )  # fmt: skip
