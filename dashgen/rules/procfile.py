"""The Procfile's web: command against the app it serves."""

from __future__ import annotations

import ast
import re

from dashgen.edits import bound_names
from dashgen.nodes import nodes
from dashgen.procfile import WebCommand, production_command
from dashgen.rules import ERROR, WARNING, checker, rule

FORCE = "dashgen deploy-files --target enterprise --force"
DEPLOY = "dashgen deploy-files --target enterprise"

UNREADABLE = rule(
    "procfile-unreadable", ERROR,
    summary="bash cannot read the Procfile's web: command.",
    why="The platform runs the web: command through bash; a command bash cannot parse (an unclosed quote, "
    "say) starts no web process.",
    fix="Write the web: command as bash runs it.",
    command=FORCE,
)  # fmt: skip
MISSING = rule(
    "procfile-missing", ERROR,
    summary="There is no Procfile.",
    why="Dash Enterprise starts the web process the Procfile names; without one nothing serves the app.",
    fix="Add a Procfile whose web: line starts the backend's production server.",
    command=DEPLOY,
    targets=("enterprise",),
)  # fmt: skip
NO_WEB = rule(
    "procfile-no-web", ERROR,
    summary="The Procfile has no web: command.",
    why="The platform starts only the processes the Procfile names; without web: nothing answers HTTP.",
    fix="Add a web: line that starts the production server.",
    command=FORCE,
)  # fmt: skip
UNKNOWN_SERVER = rule(
    "procfile-unknown-server", WARNING,
    summary="dashgen cannot tell which server the web: command starts.",
    why="The command runs a program or script dashgen does not know, so whether it serves the app cannot be "
    "checked.",
    fix="Make sure it starts the backend's production server (gunicorn for Flask, uvicorn for FastAPI and Quart).",
)  # fmt: skip
DEV_SERVER = rule(
    "procfile-dev-server", WARNING,
    summary="The web: command runs Dash's development server (`python app.py`).",
    why="Dash's development server serves one request at a time and is not meant for production.",
    fix="Run the backend's production server instead.",
    command=FORCE,
)  # fmt: skip
DEV_SERVER_ON_LOOPBACK = rule(
    "procfile-dev-server-on-loopback", ERROR,
    summary="The web: command runs Dash's development server, which listens on 127.0.0.1 only.",
    why="app.run() without host= listens on HOST, else 127.0.0.1: inside the platform's container nothing "
    "but the app itself can reach that, so the router gets no answer on $PORT and the web process fails to "
    "start (tests/test_projects.py: the booted app listens on 127.0.0.1 alone).",
    fix="Serve the app with the backend's production server.",
    command=FORCE,
)  # fmt: skip
WSGI_FOR_ASGI = rule(
    "procfile-wsgi-server-for-asgi", ERROR,
    summary="A WSGI server (gunicorn, waitress) serves a FastAPI or Quart app.",
    why="gunicorn's sync workers call the ASGI app as WSGI: booted as the Procfile says, every request answers "
    "500 (tests/test_check.py shows it, then the fixed Procfile serving).",
    fix="Serve it with uvicorn, as the backend's Procfile line does.",
    command=FORCE,
)  # fmt: skip
ASGI_FOR_WSGI = rule(
    "procfile-asgi-server-for-wsgi", ERROR,
    summary="An ASGI server (uvicorn, hypercorn) serves a Flask app.",
    why="uvicorn calls the Flask (WSGI) app as ASGI: booted as the Procfile says, every request answers 500.",
    fix="Serve it with gunicorn.",
    command=FORCE,
)  # fmt: skip
MODULE_NOT_IMPORTABLE = rule(
    "procfile-module-not-importable", ERROR,
    summary="The served module's file name has a dot in it (`my.app.py`), so no server can load it by name.",
    why="A server loads `module:variable` with importlib, which reads a dot as a package: `my.app` is the module "
    "`app` of a package `my`, and the server stops with ModuleNotFoundError.",
    fix="Rename the file without the dot and point the Procfile at it.",
)  # fmt: skip
APP_INCOMPLETE = rule(
    "procfile-app-incomplete", ERROR,
    summary="The Procfile serves the module that creates the app, not the one that sets its layout.",
    why="The served module is imported alone: the layout set by the module that imports it never runs, so "
    "/_dash-layout answers 500.",
    fix="Point the Procfile at the module that completes the app.",
    command=FORCE,
)  # fmt: skip
MODULE_MISSING = rule(
    "procfile-module-missing", ERROR,
    summary="The Procfile loads a module that does not exist.",
    why="The server cannot import the module it is told to serve and exits at start.",
    fix="Point the Procfile at the module that serves the app.",
    command=FORCE,
)  # fmt: skip
DASH_OBJECT = rule(
    "procfile-dash-object", ERROR,
    summary="An ASGI server is pointed at the Dash object instead of its server.",
    why="uvicorn calls the Dash object as an ASGI app; Dash hands the call to a WSGI server it does not have, "
    "so every request answers 500.",
    fix="Point the Procfile at the server variable (`server = app.server`).",
    command=FORCE,
)  # fmt: skip
VARIABLE_MISSING = rule(
    "procfile-variable-missing", ERROR,
    summary="The Procfile loads a variable the served module does not define.",
    why="The server imports the module, finds no such attribute and exits at start.",
    fix="Point the Procfile at the module's server variable.",
    command=FORCE,
)  # fmt: skip
FACTORY_NOT_CALLED = rule(
    "procfile-factory-not-called", ERROR,
    summary="gunicorn is pointed at the app factory itself instead of what calling it returns.",
    why="The app exists only inside the factory: gunicorn calls the function as the WSGI app, with the request's "
    "environ, and every request answers 500 (TypeError).",
    fix="Call the factory in the import string: web: gunicorn 'app:create_app()'.",
    command=FORCE,
)  # fmt: skip
LIFESPAN_OFF = rule(
    "procfile-lifespan-off", ERROR,
    summary="uvicorn runs a FastAPI Dash app with --lifespan off.",
    why="Dash on FastAPI adds its catch-all route when the ASGI lifespan starts: with --lifespan off every page "
    "but the app's first answers 404 (with Dash Pages, every page but the first).",
    fix="Remove --lifespan off.",
    command=FORCE,
)  # fmt: skip
SERVER_VARIABLE_MISSING = rule(
    "server-variable-missing", ERROR,
    summary="A FastAPI or Quart app's served module names no server variable.",
    why="uvicorn answers 500 on the Dash object and cannot load `module:app.server`, so a Procfile has nothing "
    "to point at (gunicorn serves a Flask app's Dash object, which needs no variable).",
    fix="Add `server = app.server` after the app is created.",
    command=DEPLOY,
    targets=("enterprise",),
)  # fmt: skip


@checker(UNREADABLE, MISSING)
def procfile_present(project):
    if project.procfile_error is not None:
        yield UNREADABLE.finding("Procfile", 0, project.procfile_error.message)
    elif project.procfile is None and project.target == "enterprise":
        yield MISSING.finding("Procfile", 0, "There is no Procfile, so Dash Enterprise starts no web process.")


@checker(
    NO_WEB, UNKNOWN_SERVER, DEV_SERVER, DEV_SERVER_ON_LOOPBACK, WSGI_FOR_ASGI, ASGI_FOR_WSGI,
    MODULE_NOT_IMPORTABLE, APP_INCOMPLETE, MODULE_MISSING, DASH_OBJECT, VARIABLE_MISSING, FACTORY_NOT_CALLED,
)  # fmt: skip
def web_command(project):
    """What would break if the platform ran this Procfile for this app."""
    if project.procfile is None:
        return
    source, web = project.source, project.web
    if web is None or not web.text:
        yield NO_WEB.finding("Procfile", 0, "The Procfile has no web: command, so the platform starts no web process.")
        return
    backend = source.serving
    expected = production_command(source)
    if web.server == "":
        what = f"the script {web.script}" if web.script else f"`{web.text}`"
        yield UNKNOWN_SERVER.finding(
            "Procfile", web.line,
            f"dashgen cannot tell which server {what} starts, so it cannot check that it serves the app.",
            f"If it does not start a production server, use: web: {expected}",
        )  # fmt: skip
        return
    if web.server == "python":
        if _listens_on_loopback(source, web):
            yield DEV_SERVER_ON_LOOPBACK.finding(
                "Procfile", web.line,
                f"`{web.text}` runs Dash's development server on 127.0.0.1 (app.run() without host=), which the "
                "platform's router cannot reach, so the web process never answers.",
                f"Use the production server: web: {expected}",
            )  # fmt: skip
            return
        yield DEV_SERVER.finding(
            "Procfile", web.line,
            f"`{web.text}` runs Dash's development server, which serves one request at a time and is not meant "
            "for production.",
            f"Use the production server: web: {expected}",
        )  # fmt: skip
        return
    if backend.asgi and not web.is_asgi:
        yield WSGI_FOR_ASGI.finding(
            "Procfile", web.line,
            f"{web.server} serves this {backend.label} (ASGI) app as WSGI, so every request fails with 500.",
            f"Serve it with {backend.server_name}: web: {expected}",
        )  # fmt: skip
    if web.is_asgi and not backend.asgi:
        yield ASGI_FOR_WSGI.finding(
            "Procfile", web.line,
            f"{web.server} serves this Flask (WSGI) app as ASGI, so every request fails with 500.",
            f"Serve it with {backend.server_name}: web: {expected}",
        )  # fmt: skip
    if web.import_string is not None:
        yield from _served_target(source, web)


# What app.run's host= can say for Dash to listen on the loopback interface alone.
_LOOPBACK_HOSTS = (None, "", "127.0.0.1", "localhost")


def _listens_on_loopback(source, web: WebCommand) -> bool:
    """Whether the script the web: command runs is the app's module and runs the app with a host
    that is loopback (Dash's default without HOST); False when that cannot be told."""
    script = source.project_root / (web.chdir or ".") / (web.import_string or "")
    if "HOST=" in web.text or script.resolve() != source.path.resolve():
        return False
    for node in nodes(source.tree, ast.Call):
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("run", "run_server")
            and ast.unparse(func.value) == source.app_name
        ):
            host = next((keyword.value for keyword in node.keywords if keyword.arg == "host"), None)
            if host is None:
                return True
            return isinstance(host, ast.Constant) and host.value in _LOOPBACK_HOSTS
    return False


def _served_target(source, web: WebCommand):
    module, variable, line = web.module or "", web.variable or "", web.line
    served = source.entry
    if not served.loadable:
        loadable = re.sub(r"[.:\s]", "_", served.path.stem)
        yield MODULE_NOT_IMPORTABLE.finding(
            "Procfile", line,
            f"{served.path.name} cannot be loaded by that name (a dot in it names a package), so the server cannot "
            "load it.",
            f"Rename {served.path.name} to {loadable}.py and point the Procfile at it.",
        )  # fmt: skip
        return
    if module != served.dotted:
        loaded = web.module_path(source.project_root)
        if loaded is not None and loaded.resolve() == source.path.resolve() and served.path != source.path:
            yield APP_INCOMPLETE.finding(
                "Procfile", line,
                f"The Procfile serves {module}, which creates the app but never sets its layout "
                f"({served.path.name} does, after importing it), so /_dash-layout fails with 500.",
                point_at(source),
            )  # fmt: skip
        elif loaded is None:
            yield MODULE_MISSING.finding(
                "Procfile", line,
                f"The Procfile loads the module {module!r}, which does not exist, so the server cannot start.",
                point_at(source),
            )  # fmt: skip
        return  # another module of the app: not the one this check read
    if source.factory and served.path == source.path:
        yield from _factory_served(source, web)
        return
    if variable == served.app_name and source.serving.asgi and web.interface != "asgi3":
        yield DASH_OBJECT.finding(
            "Procfile", line,
            f"The Procfile serves the Dash object {variable!r} instead of its server, so every request fails with 500.",
            point_at(source),
        )  # fmt: skip
        return
    name = variable.split(".")[0].split("(")[0]
    if name not in bound_names(served.file.tree) and name != served.server_name:
        yield VARIABLE_MISSING.finding(
            "Procfile", line,
            f"The Procfile loads {web.import_string}, but {served.path.name} defines no {variable!r}, so the server "
            "cannot start.",
            point_at(source),
        )  # fmt: skip


def _factory_served(source, web: WebCommand):
    """The Procfile of an app that exists only inside a factory (`def create_app(): ...`)."""
    variable, factory = web.variable or "", source.factory
    calls = web.factory or "(" in variable
    if variable.partition("(")[0] != factory:
        yield VARIABLE_MISSING.finding(
            "Procfile", web.line,
            f"The Procfile loads {web.import_string}, but {source.path.name} creates its app only inside "
            f"{factory}(), so the server cannot start.",
            point_at(source),
        )  # fmt: skip
    elif not calls and web.is_wsgi:
        yield FACTORY_NOT_CALLED.finding(
            "Procfile", web.line,
            f"The Procfile serves the function {factory} itself, so gunicorn calls it with each request's environ "
            "and every request answers 500.",
            point_at(source),
        )  # fmt: skip
    elif source.factory_returns == "app" and source.serving.asgi:
        yield DASH_OBJECT.finding(
            "Procfile", web.line,
            f"{factory}() returns the Dash object {source.app_name!r} instead of its server, so every request "
            "fails with 500.",
            f"Return {source.app_name}.server from {factory}().",
        )  # fmt: skip


def point_at(source) -> str:
    if source.factory and source.entry.path == source.path:
        return f"Point it at the factory: web: {production_command(source)}"
    server = source.server_name or "server"
    return f"Point it at {source.module}:{server}" + (
        "." if source.server_name else f", after adding `server = {source.entry.app_name}.server` to the app."
    )


@checker(LIFESPAN_OFF)
def lifespan(project):
    """`uvicorn --lifespan off` where Dash adds its catch-all route at lifespan start-up (FastAPI)."""
    web = project.web
    if web is None or web.server != "uvicorn" or not project.source.serving.routes_at_lifespan:
        return
    option = web.option("--lifespan")
    if option is None or option.value != "off":
        return
    pages = project.pages is not None and project.pages.use_pages
    label = project.source.serving.label
    yield LIFESPAN_OFF.finding(
        "Procfile", web.line,
        f"The Procfile runs uvicorn with --lifespan off, so {label} never gets Dash's catch-all route and every "
        + ("page but the first answers 404." if pages else "page but the app's first answers 404."),
    )  # fmt: skip


@checker(SERVER_VARIABLE_MISSING)
def server_variable(project):
    # uvicorn answers 500 on the Dash object of a FastAPI or Quart app; gunicorn serves a Flask
    # app's Dash object (Dash.__call__ hands the call to its server), so it needs no variable.
    source = project.source
    if source.server_name is None and source.serving.asgi:
        yield SERVER_VARIABLE_MISSING.finding(
            project.shown(source.entry.path), source.entry.app_line,
            f"{source.entry.path.name} names no server variable, so a Procfile cannot point at the server "
            f"(gunicorn cannot load {source.module}:{source.entry.app_name}.server).",
            f"Add `server = {source.entry.app_name}.server` after the app is created.",
        )  # fmt: skip
