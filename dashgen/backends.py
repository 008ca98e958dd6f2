"""The one table of per-backend facts. Every other module asks it; none re-states it."""

from __future__ import annotations

from typing import NamedTuple

# The first Dash release with `Dash(backend=...)` and `Dash(server=FastAPI()/Quart())`.
DASH_MIN_VERSION = "4.2.0"

# Dash Enterprise serves each app under /<app-name>/ and tells the app through this variable.
PREFIX_ENV = "DASH_ROUTES_PATHNAME_PREFIX"
REQUESTS_PREFIX_ENV = "DASH_REQUESTS_PATHNAME_PREFIX"


class Backend(NamedTuple):
    """What dashgen knows of one server backend, in one row of the table."""

    name: str  # the value of Dash(backend=...) and the templates/ folder
    label: str  # how the framework spells itself
    server_module: str  # where the server class is imported from
    server_class: str
    asgi: bool
    dash_requirement: str  # requirements.txt's line for Dash itself
    async_callbacks_requirement: str  # the same when callbacks are `async def`
    server_requirement: str  # requirements.txt's line for the production server
    server_name: str  # the production server's executable
    # The server's option naming the folder it imports the module from (an app in a subfolder).
    app_dir_option: str
    # Procfile `web:` command; {target} is `module:server`.
    server_command: str
    # "method": @server.get(path); "route": @server.route(path, methods=[...]).
    route_style: str
    async_handlers: bool  # custom route handlers are `async def`
    # Path parameters: "{name}" as in FastAPI, or "<conv:name>" as in Werkzeug.
    path_param_style: str
    websocket_routes: bool
    # Dash serves `websocket=True` callbacks on <prefix>_dash-ws-callback for this backend.
    websocket_callbacks: bool
    # Where `dashgen new --mcp` serves Dash's MCP server, below Dash's routes prefix.
    mcp_path: str = "_mcp"
    # What else the app needs installed (an ASGI framework wrapping Dash's Flask server).
    extra_requirements: tuple[str, ...] = ()
    # Dash adds the catch-all route its pages are served by when the ASGI lifespan starts, so
    # `uvicorn --lifespan off` leaves every Pages URL but the first without a route.
    routes_at_lifespan: bool = False
    # The framework runs Dash's (sync) first-request set-up in a thread, so requests that reach a
    # fresh worker meanwhile find Dash half set up (Dash 4.4): the app must finish it at start.
    setup_in_thread: bool = False
    # How the server is told to call an app factory ({target} is `module:function`): uvicorn's
    # --factory; gunicorn calls what the import string's parentheses call (quoted for the shell).
    factory_target: str = "--factory {target}"
    # What `dashgen convert` awaits in a Flask view moved onto this backend (Quart's helpers
    # that are coroutines, read from quart 0.22 with inspect.iscoroutinefunction): functions of
    # the server module and `request.` methods awaited when called, and `request.` properties
    # that are awaitables themselves. A view calling them without `await` answers 500.
    # It has Flask's API under Flask's names (Quart does): convert swaps a Flask app's imports and
    # keeps its routes and hooks; onto a backend without it only apps without Flask code move.
    flask_api: bool = False
    coroutine_functions: frozenset[str] = frozenset()
    awaitable_attributes: frozenset[str] = frozenset()

    def command(self, target: str, *, factory: bool = False) -> str:
        return self.server_command.format(target=self.factory_target.format(target=target) if factory else target)


# The reference's Dash Enterprise command, with two workers that WEB_CONCURRENCY can change and
# no access log, as gunicorn's default is: bench/apps.py measured one uvicorn worker at about
# 60% of two on 2 cores, and uvicorn's access log at about 15% of FastAPI's callback throughput.
_UVICORN = "uvicorn {target} --host 0.0.0.0 --port 8000 --workers ${{WEB_CONCURRENCY:-2}} --no-access-log"


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            name="flask",
            label="Flask",
            server_module="flask",
            server_class="Flask",
            asgi=False,
            dash_requirement=f"dash>={DASH_MIN_VERSION}",
            # Flask runs `async def` callbacks only through asgiref, which dash[async] brings.
            async_callbacks_requirement=f"dash[async]>={DASH_MIN_VERSION}",
            server_requirement="gunicorn>=23.0",
            server_name="gunicorn",
            app_dir_option="--chdir",
            # Dash Enterprise's documented command, with the worker count open to WEB_CONCURRENCY
            # as uvicorn has it; gunicorn binds to $PORT when the platform sets it.
            server_command="gunicorn {target} --workers ${{WEB_CONCURRENCY:-2}}",
            factory_target="'{target}()'",
            route_style="route",
            async_handlers=False,
            path_param_style="angle",
            websocket_routes=False,
            # Dash accepts websocket=True on Flask and runs the callback over HTTP, ctx.websocket None.
            websocket_callbacks=False,
        ),
        Backend(
            name="fastapi",
            label="FastAPI",
            server_module="fastapi",
            server_class="FastAPI",
            asgi=True,
            dash_requirement=f"dash[fastapi]>={DASH_MIN_VERSION}",
            async_callbacks_requirement=f"dash[fastapi]>={DASH_MIN_VERSION}",
            # [standard] brings the websocket library; without it handshakes hit Dash's catch-all.
            server_requirement="uvicorn[standard]>=0.30",
            server_name="uvicorn",
            app_dir_option="--app-dir",
            server_command=_UVICORN,
            route_style="method",
            async_handlers=True,
            path_param_style="braces",
            websocket_routes=True,
            websocket_callbacks=True,
            # Dash 4.4.1 answers every request to its default _mcp with 500 on FastAPI
            # (RuntimeError: No active request in context); any other path works.
            mcp_path="_dash-mcp",
            routes_at_lifespan=True,
        ),
        Backend(
            name="quart",
            label="Quart",
            server_module="quart",
            server_class="Quart",
            asgi=True,
            dash_requirement=f"dash[quart]>={DASH_MIN_VERSION}",
            async_callbacks_requirement=f"dash[quart]>={DASH_MIN_VERSION}",
            # dash[quart] brings no ASGI server at all.
            server_requirement="uvicorn[standard]>=0.30",
            server_name="uvicorn",
            app_dir_option="--app-dir",
            server_command=_UVICORN,
            route_style="route",
            async_handlers=True,
            path_param_style="angle",
            websocket_routes=True,
            websocket_callbacks=True,
            setup_in_thread=True,
            flask_api=True,
            coroutine_functions=frozenset(
                {
                    "flash",
                    "make_push_promise",
                    "make_response",
                    "render_template",
                    "render_template_string",
                    "send_file",
                    "send_from_directory",
                    "stream_template",
                    "stream_template_string",
                    "request.get_data",
                    "request.get_json",
                }
            ),
            awaitable_attributes=frozenset({"request.data", "request.form", "request.json", "request.values"}),
        ),
    )
}

DEFAULT_BACKEND = "flask"


def _wrapping(framework: str, label: str, module: str, server_class: str) -> Backend:
    """A Flask Dash app whose server an ASGI app mounts with WSGIMiddleware: served as that ASGI
    app by uvicorn; its routes are still added to Dash's Flask server."""
    flask = BACKENDS["flask"]
    return Backend(
        name="flask",
        label=f"{label} (mounting Dash's Flask server)",
        server_module=module,
        server_class=server_class,
        asgi=True,
        dash_requirement=flask.dash_requirement,
        async_callbacks_requirement=flask.async_callbacks_requirement,
        server_requirement=BACKENDS["fastapi"].server_requirement,
        server_name="uvicorn",
        app_dir_option="--app-dir",
        server_command=_UVICORN,
        route_style=flask.route_style,
        async_handlers=flask.async_handlers,
        path_param_style=flask.path_param_style,
        websocket_routes=flask.websocket_routes,
        websocket_callbacks=flask.websocket_callbacks,
        extra_requirements=(framework,),
    )


# ASGI apps that mount a Flask Dash app, by the dotted name of their class.
ASGI_WRAPPERS: dict[str, Backend] = {
    "fastapi.FastAPI": _wrapping("fastapi", "FastAPI", "fastapi", "FastAPI"),
    "fastapi.applications.FastAPI": _wrapping("fastapi", "FastAPI", "fastapi", "FastAPI"),
    "starlette.applications.Starlette": _wrapping("starlette", "Starlette", "starlette.applications", "Starlette"),
}


def websocket_callback_backends() -> list[Backend]:
    return [backend for backend in BACKENDS.values() if backend.websocket_callbacks]
