"""Every rule of `dashgen check`, in process: for each registered code, a small app that makes it
fire (with the registry's severity, at the file and line it names) and the same app after the
smallest edit its fix asks for, where it no longer fires. Then the ignores (--ignore, pyproject's
[tool.dashgen], `# dashgen: ignore[...]` comments) and the report formats (sarif, github, json).

No server, no subprocess: the project is written into tmp_path and read by `find_app`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashgen import ignores, report, rules
from dashgen.entry import find_app
from dashgen.errors import InvalidInput, Refused
from dashgen.project import Project
from dashgen.rules import Finding

APPS = Path(__file__).parent / "apps"


@dataclass(frozen=True)
class Sparse:
    """A file of this many bytes, written sparse (no disk used)."""

    size: int


@dataclass(frozen=True)
class Case:
    code: str
    files: dict[str, str | Sparse]  # the app that makes the rule fire
    fixed: dict[str, str | Sparse | None]  # the edit that fixes it: new texts, None to delete
    target: str | None = None
    file: str = ""  # where the finding points
    line: int | str = 0  # its line: a number, or a piece of text on that line of `file`


def write(root: Path, files: dict[str, str | Sparse | None]) -> None:
    for relative, content in files.items():
        path = root / relative
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Sparse):
            with path.open("wb") as handle:
                handle.truncate(content.size)
        else:
            path.write_text(content, encoding="utf-8")


def check(root: Path, target: str | None = None, **options) -> list[Finding]:
    return rules.findings(Project(find_app(root), target), **options)


def codes(found: list[Finding]) -> set[str]:
    return {finding.code for finding in found}


def line_of(text: str, piece: str) -> int:
    numbers = [number for number, line in enumerate(text.splitlines(), start=1) if piece in line]
    assert numbers, f"{piece!r} is on no line of\n{text}"
    return numbers[0]


# --- The apps --------------------------------------------------------------------------------

FLASK = """\
from dash import Dash, html

app = Dash(__name__)
server = app.server

app.layout = html.Div("Hello")
"""
FLASK_PROCFILE = "web: gunicorn app:server --workers ${WEB_CONCURRENCY:-2}\n"
FLASK_REQUIREMENTS = "dash>=4.2.0\ngunicorn>=23.0\n"
FLASK_PROJECT = {"app.py": FLASK, "Procfile": FLASK_PROCFILE, "requirements.txt": FLASK_REQUIREMENTS}

FASTAPI = """\
from dash import Dash, html

app = Dash(__name__, backend="fastapi")
server = app.server

app.layout = html.Div("Hello")
"""
UVICORN = "uvicorn app:server --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2} --no-access-log"
FASTAPI_PROCFILE = f"web: {UVICORN}\n"
FASTAPI_REQUIREMENTS = "dash[fastapi]>=4.2.0\nuvicorn[standard]>=0.30\n"
FASTAPI_PROJECT = {"app.py": FASTAPI, "Procfile": FASTAPI_PROCFILE, "requirements.txt": FASTAPI_REQUIREMENTS}

QUART = """\
from dash import Dash, html

app = Dash(__name__, backend="quart")
server = app.server

app.layout = html.Div("Hello")
"""
QUART_SETUP = """

@server.before_serving
async def finish_dash_setup():
    await server.test_client().get(app.config.routes_pathname_prefix)
"""

RUN_IN_MAIN = '\n\nif __name__ == "__main__":\n    app.run(debug=True)\n'
RUN_ON_EVERY_INTERFACE = '\n\nif __name__ == "__main__":\n    app.run(host="0.0.0.0")\n'
RUN_SERVER_IN_MAIN = '\n\nif __name__ == "__main__":\n    app.run_server(debug=True)\n'

CELERY = """\
import os
import time

from celery import Celery
from dash import CeleryManager, Dash, Input, Output, callback, html

celery_app = Celery(__name__, broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
background_callback_manager = CeleryManager(celery_app)

app = Dash(__name__, background_callback_manager=background_callback_manager)
server = app.server

app.layout = html.Div([html.Button("Run", id="run"), html.P(id="paragraph")])


@callback(Output("paragraph", "children"), Input("run", "n_clicks"), background=True, prevent_initial_call=True)
def run(n_clicks):
    time.sleep(1)
    return f"Clicked {n_clicks} times"
"""
CELERY_REQUIREMENTS = "dash[celery]>=4.2.0\ngunicorn>=23.0\nredis>=5.0\n"
WORKER = "worker: celery -A app:celery_app worker --concurrency ${CELERY_CONCURRENCY:-2} --loglevel INFO\n"

DISKCACHE = """\
import time

import diskcache
from dash import Dash, DiskcacheManager, Input, Output, callback, html

cache = diskcache.Cache("./cache")
background_callback_manager = DiskcacheManager(cache)

app = Dash(__name__, background_callback_manager=background_callback_manager)
server = app.server

app.layout = html.Div([html.Button("Run", id="run"), html.P(id="paragraph")])


@callback(Output("paragraph", "children"), Input("run", "n_clicks"), background=True, prevent_initial_call=True)
def run(n_clicks):
    time.sleep(1)
    return f"Clicked {n_clicks} times"
"""

# A FastAPI app with one callback: `{decorator}` and `{definition}` filled per case.
FASTAPI_CALLBACK = """\
import asyncio
import time

from dash import Dash, Input, Output, callback, dcc, html

app = Dash(__name__, backend="fastapi")
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), html.Div(id="greeting")])


{decorator}
{definition}
"""


def fastapi_callback(decorator: str, definition: str) -> str:
    return FASTAPI_CALLBACK.format(decorator=decorator, definition=definition)


GREET = 'def greet(name):\n    return f"Hello, {name}"'
ASYNC_GREET = 'async def greet(name):\n    return f"Hello, {name}"'
WEBSOCKET_CALLBACK = '@app.callback(Output("greeting", "children"), Input("name", "value"), websocket=True)'

MCP_GUARD = """

from flask import request


@server.before_request
def guard_mcp():
    if request.path.endswith("/_mcp") and request.headers.get("Authorization") != "Bearer token":
        return "Unauthorized", 401
    return None
"""
MCP_MIDDLEWARE = """

@server.middleware("http")
async def guard_mcp(request, call_next):
    if request.url.path.endswith("mcp") and request.headers.get("authorization") != "Bearer token":
        return None
    return await call_next(request)
"""
# A guarded FastAPI app with one callback: `{definition}` filled per case.
MCP_CALLBACK = (
    fastapi_callback('@app.callback(Output("greeting", "children"), Input("name", "value"))', "{definition}")
    + MCP_MIDDLEWARE
)
MCP_FIGURE = (
    """\
from dash import Dash, Input, Output, callback, dcc, html

app = Dash(__name__)
server = app.server

app.layout = html.Div([dcc.Input(id="name", value="dash"), dcc.Graph(id="chart")])


@callback(
    Output("chart", "figure"),
    Input("name", "value"),
)
def chart(name):
    return {"data": [{"type": "bar", "x": [name], "y": [1]}]}
"""
    + MCP_GUARD
)

CANCEL = """\
import time

import diskcache
from dash import Dash, DiskcacheManager, Input, Output, callback, html

background_callback_manager = DiskcacheManager(diskcache.Cache("./cache"))
app = Dash(
    __name__,
    backend="fastapi",
    background_callback_manager=background_callback_manager,
    websocket_callbacks=True,
)
server = app.server

app.layout = html.Div([html.Button("Run", id="run"), html.Button("Cancel", id="cancel"), html.P(id="paragraph")])


@app.callback(
    Output("paragraph", "children"),
    Input("run", "n_clicks"),
    background=True,
    cancel=[Input("cancel", "n_clicks")],
    prevent_initial_call=True,
)
def run(n_clicks):
    time.sleep(1)
    return f"Clicked {n_clicks} times"
"""

LAYOUTLESS_SERVER = """\
from dash import Dash

app = Dash(__name__, suppress_callback_exceptions=True)
server = app.server
"""
LAYOUT_INDEX = """\
from dash import html

from {creator} import app, server  # noqa: F401 (the Procfile serves it)

app.layout = html.Div([html.H1("Sales")])
"""


def layout_index(creator: str = "server") -> str:
    """index.py: imports the app from `creator`, which does not set its layout, and sets it."""
    return LAYOUT_INDEX.format(creator=creator)


WRAPPED = """\
from dash import Dash, html
from fastapi import FastAPI
from fastapi.middleware.wsgi import WSGIMiddleware

dash_app = Dash(__name__, requests_pathname_prefix="/dash/")
dash_app.layout = html.Div("Mounted in FastAPI")

app = FastAPI()
app.mount("/dash", WSGIMiddleware(dash_app.server))
"""

PAGES_APP = """\
import dash
from dash import Dash, html

app = Dash(__name__, use_pages=True)
server = app.server

app.layout = html.Div([html.H1("Pages"), dash.page_container])
"""


def page(path: str, body: str = 'html.P("A page")') -> str:
    return (
        f'import dash\nfrom dash import dcc, html\n\ndash.register_page(__name__, path="{path}")\n\nlayout = {body}\n'
    )


PAGES = {"app.py": PAGES_APP, "requirements.txt": FLASK_REQUIREMENTS, "pages/home.py": page("/")}

OPENS_DATA = """\
import csv

from dash import Dash, dash_table, html

with open("data/prices.csv", newline="") as handle:
    rows = list(csv.DictReader(handle))

app = Dash(__name__)
server = app.server
app.layout = html.Div([html.H1("Prices"), dash_table.DataTable(data=rows)])
"""
CLOUD_PROJECT = {"app.py": FLASK, "requirements.txt": "dash[cloud]>=4.2.0\n"}

PREFIXED_ROUTE = """\
import os

from dash import Dash, html

PREFIX = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")

app = Dash(__name__, backend="fastapi")
server = app.server

app.layout = html.Div("Hello")


@server.get({path})
async def health():
    return {{"status": "ok"}}
"""

MOUNTED = """\
import os

from dash import Dash, html
from flask import Flask

PREFIX = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")

server = Flask(__name__)


@server.route(f"{{PREFIX}}health")
def health():
    return "ok"


app = Dash(__name__, server=server, routes_pathname_prefix={prefix})
app.layout = html.Div("Mounted at /dash/")
"""


def edited(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


CASES = [
    # --- procfile ----------------------------------------------------------------------------
    Case(
        "procfile-unreadable",
        {**FLASK_PROJECT, "Procfile": 'web: gunicorn "app:server --workers 2\n'},
        {"Procfile": 'web: gunicorn "app:server" --workers 2\n'},
        file="Procfile",
    ),
    Case(
        "procfile-missing",
        {"app.py": FLASK, "requirements.txt": FLASK_REQUIREMENTS},
        {"Procfile": FLASK_PROCFILE},
        target="enterprise",
        file="Procfile",
    ),
    Case(
        "procfile-no-web",
        {**FLASK_PROJECT, "Procfile": "release: python migrate.py\n", "migrate.py": "print('migrated')\n"},
        {"Procfile": "release: python migrate.py\n" + FLASK_PROCFILE},
        file="Procfile",
    ),
    Case(
        "procfile-unknown-server",
        {**FLASK_PROJECT, "Procfile": "web: bash start.sh\n", "start.sh": "echo starting\nexec ./serve\n"},
        {"start.sh": "echo starting\nexec gunicorn app:server --workers ${WEB_CONCURRENCY:-2}\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-dev-server",
        {**FLASK_PROJECT, "app.py": FLASK + RUN_ON_EVERY_INTERFACE, "Procfile": "web: python app.py\n"},
        {"Procfile": FLASK_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-dev-server-on-loopback",
        {**FLASK_PROJECT, "app.py": FLASK + RUN_IN_MAIN, "Procfile": "web: python app.py\n"},
        {"Procfile": FLASK_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-wsgi-server-for-asgi",
        {**FASTAPI_PROJECT, "Procfile": "web: gunicorn app:server --workers 2\n"},
        {"Procfile": FASTAPI_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-asgi-server-for-wsgi",
        {**FLASK_PROJECT, "Procfile": "web: uvicorn app:server --host 0.0.0.0 --port 8000\n"},
        {"Procfile": FLASK_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-module-not-importable",
        {"my.app.py": FLASK, "Procfile": "web: gunicorn my.app:server\n", "requirements.txt": FLASK_REQUIREMENTS},
        {"my.app.py": None, "my_app.py": FLASK, "Procfile": "web: gunicorn my_app:server\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-app-incomplete",
        {
            "server.py": LAYOUTLESS_SERVER,
            "index.py": layout_index(),
            "Procfile": "web: gunicorn server:server --workers 2\n",
            "requirements.txt": FLASK_REQUIREMENTS,
        },
        {"Procfile": "web: gunicorn index:server --workers 2\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-module-missing",
        {**FLASK_PROJECT, "Procfile": "web: gunicorn application:server --workers 2\n"},
        {"Procfile": "web: gunicorn app:server --workers 2\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-dash-object",
        {**FASTAPI_PROJECT, "Procfile": f"web: {UVICORN.replace('app:server', 'app:app')}\n"},
        {"Procfile": FASTAPI_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-variable-missing",
        {**FLASK_PROJECT, "Procfile": "web: gunicorn app:application --workers 2\n"},
        {"Procfile": "web: gunicorn app:server --workers 2\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-factory-not-called",
        {
            "app.py": (APPS / "factory_call" / "app.py").read_text(),
            "requirements.txt": "dash>=4.2.0\ngunicorn>=23.0\n",
            "Procfile": "web: gunicorn app:create_app --workers 2\n",
        },
        {"Procfile": "web: gunicorn 'app:create_app()' --workers 2\n"},
        file="Procfile",
        line=1,
    ),
    Case(
        "procfile-lifespan-off",
        {**FASTAPI_PROJECT, "Procfile": f"web: {UVICORN} --lifespan off\n"},
        {"Procfile": FASTAPI_PROCFILE},
        file="Procfile",
        line=1,
    ),
    Case(
        "server-variable-missing",
        {"app.py": edited(FASTAPI, "server = app.server\n", ""), "requirements.txt": FASTAPI_REQUIREMENTS},
        {"app.py": FASTAPI},
        target="enterprise",
        file="app.py",
        line='Dash(__name__, backend="fastapi")',
    ),
    # --- requirements ------------------------------------------------------------------------
    Case(
        "requirements-missing",
        {"app.py": FLASK, "Procfile": FLASK_PROCFILE},
        {"requirements.txt": FLASK_REQUIREMENTS},
        file="requirements.txt",
    ),
    Case(
        "requirements-no-dash",
        {**FLASK_PROJECT, "requirements.txt": "gunicorn>=23.0\n"},
        {"requirements.txt": FLASK_REQUIREMENTS},
        file="requirements.txt",
    ),
    Case(
        "requirements-missing-extra",
        {**FASTAPI_PROJECT, "requirements.txt": "dash>=4.2.0\nuvicorn[standard]>=0.30\n"},
        {"requirements.txt": FASTAPI_REQUIREMENTS},
        file="requirements.txt",
        line=1,
    ),
    Case(
        "requirements-dash-too-old",
        {**FASTAPI_PROJECT, "requirements.txt": "uvicorn[standard]>=0.30\ndash[fastapi]==2.18.2\n"},
        {"requirements.txt": "uvicorn[standard]>=0.30\ndash[fastapi]>=4.2.0\n"},
        file="requirements.txt",
        line=2,
    ),
    Case(
        "requirements-dash-unbounded",
        {**FASTAPI_PROJECT, "requirements.txt": "dash[fastapi]\nuvicorn[standard]>=0.30\n"},
        {"requirements.txt": FASTAPI_REQUIREMENTS},
        file="requirements.txt",
        line=1,
    ),
    Case(
        "requirements-missing-server",
        {**FLASK_PROJECT, "requirements.txt": "dash>=4.2.0\n"},
        {"requirements.txt": FLASK_REQUIREMENTS},
        file="requirements.txt",
    ),
    Case(
        "requirements-missing-framework",
        {"main.py": WRAPPED, "requirements.txt": "dash>=4.2.0\nuvicorn[standard]>=0.30\n"},
        {"requirements.txt": "dash>=4.2.0\nuvicorn[standard]>=0.30\nfastapi\n"},
        file="requirements.txt",
    ),
    Case(
        "environment-yml-ignored",
        {**FLASK_PROJECT, "environment.yml": "name: app\ndependencies:\n  - python=3.12\n  - pandas\n"},
        {"environment.yml": None, "requirements.txt": FLASK_REQUIREMENTS + "pandas\n"},
        file="environment.yml",
    ),
    # --- dependencies ------------------------------------------------------------------------
    Case(
        "import-not-installed",
        {**FLASK_PROJECT, "app.py": "import pandas as pd\n" + FLASK},
        {"requirements.txt": FLASK_REQUIREMENTS + "pandas\n"},
        file="app.py",
        line="import pandas",
    ),
    Case(
        "requirement-unused",
        {**FLASK_PROJECT, "requirements.txt": FLASK_REQUIREMENTS + "uvicorn>=0.30\n"},
        {"requirements.txt": FLASK_REQUIREMENTS},
        file="requirements.txt",
        line=3,
    ),
    # --- background --------------------------------------------------------------------------
    Case(
        "background-no-worker",
        {"app.py": CELERY, "Procfile": FLASK_PROCFILE, "requirements.txt": CELERY_REQUIREMENTS},
        {"Procfile": FLASK_PROCFILE + WORKER},
        file="Procfile",
    ),
    Case(
        "background-worker-target-missing",
        {
            "app.py": CELERY,
            "Procfile": FLASK_PROCFILE + WORKER.replace("app:celery_app", "tasks:celery_app"),
            "requirements.txt": CELERY_REQUIREMENTS,
        },
        {"Procfile": FLASK_PROCFILE + WORKER},
        file="Procfile",
        line=2,
    ),
    Case(
        "background-manager-not-installed",
        {"app.py": DISKCACHE, "Procfile": FLASK_PROCFILE, "requirements.txt": FLASK_REQUIREMENTS},
        {"requirements.txt": "dash[diskcache]>=4.2.0\ngunicorn>=23.0\n"},
        file="requirements.txt",
        line=1,
    ),
    Case(
        "background-diskcache-containers",
        {"app.py": DISKCACHE, "requirements.txt": "dash[diskcache]>=4.2.0\ngunicorn>=23.0\n"},
        {"app.py": CELERY, "requirements.txt": CELERY_REQUIREMENTS},
        target="docker",
        file="app.py",
        line="DiskcacheManager(cache)",
    ),
    # --- cloud -------------------------------------------------------------------------------
    Case(
        "cloud-entrypoint",
        {"dashboard.py": FLASK, "requirements.txt": "dash[cloud]>=4.2.0\n"},
        {"dashboard.py": None, "app.py": FLASK},
        target="cloud",
        file="dashboard.py",
    ),
    Case(
        "cloud-entrypoint-unverified",
        {
            "app.py": LAYOUTLESS_SERVER,
            "index.py": layout_index("app"),
            "requirements.txt": "dash[cloud]>=4.2.0\n",
            "plotly-cloud.toml": 'app_id = "a1b2c3"\n',
        },
        # With app.py renamed, the module the CLI detects first is index.py, which completes the app.
        {"app.py": None, "server.py": LAYOUTLESS_SERVER, "index.py": layout_index("server")},
        target="cloud",
        file="plotly-cloud.toml",
    ),
    Case(
        "cloud-upload-too-large",
        {**CLOUD_PROJECT, "data/archive.parquet": Sparse(201 * 1024 * 1024)},
        {".gitignore": "data/\n"},
        target="cloud",
        file=".gitignore",
    ),
    Case(
        "cloud-file-excluded",
        {**CLOUD_PROJECT, "app.py": OPENS_DATA, ".gitignore": "__pycache__/\ndata/\n", "data/prices.csv": "a,b\n1,2\n"},
        {".gitignore": "__pycache__/\n"},
        target="cloud",
        file="app.py",
        line='open("data/prices.csv"',
    ),
    Case(
        "cloud-env-not-uploaded",
        {**CLOUD_PROJECT, ".env": "SECRET_KEY=change-me\nexport API_TOKEN=abc123\n"},
        {".env": None},
        target="cloud",
        file=".env",
    ),
    # --- source ------------------------------------------------------------------------------
    Case(
        "app-no-layout",
        {**FLASK_PROJECT, "app.py": "from dash import Dash\n\napp = Dash(__name__)\nserver = app.server\n"},
        {"app.py": FLASK},
        file="app.py",
        line="app = Dash(__name__)",
    ),
    Case(
        "route-collides-with-dash",
        {**FLASK_PROJECT, "app.py": FLASK + '\n\n@server.route("/")\ndef index():\n    return "Hello Flask"\n'},
        {"app.py": FLASK + '\n\n@server.route("/hello")\ndef index():\n    return "Hello Flask"\n'},
        file="app.py",
        line='@server.route("/")',
    ),
    Case(
        "route-without-prefix",
        {**FASTAPI_PROJECT, "app.py": PREFIXED_ROUTE.format(path='"/api/health"')},
        {"app.py": PREFIXED_ROUTE.format(path='f"{PREFIX}api/health"')},
        file="app.py",
        line="@server.get(",
    ),
    Case(
        "url-base-with-prefix",
        {**FLASK_PROJECT, "app.py": edited(FLASK, "Dash(__name__)", 'Dash(__name__, url_base_pathname="/dash/")')},
        {"app.py": FLASK},
        target="enterprise",
        file="app.py",
        line="url_base_pathname",
    ),
    Case(
        "literal-requests-prefix",
        {
            **FLASK_PROJECT,
            "app.py": edited(FLASK, "Dash(__name__)", 'Dash(__name__, requests_pathname_prefix="/sales/")'),
        },
        {"app.py": FLASK},
        target="enterprise",
        file="app.py",
        line="requests_pathname_prefix",
    ),
    Case(
        "dash-mount-without-prefix",
        {**FLASK_PROJECT, "app.py": MOUNTED.format(prefix='"/dash/"')},
        {"app.py": MOUNTED.format(prefix='f"{PREFIX}dash/"')},
        file="app.py",
        line="routes_pathname_prefix=",
    ),
    Case(
        "run-at-import",
        {**FLASK_PROJECT, "app.py": FLASK + "\napp.run(debug=True)\n"},
        {"app.py": FLASK + RUN_IN_MAIN},
        file="app.py",
        line="app.run(debug=True)",
    ),
    Case(
        "run-server-removed",
        {**FLASK_PROJECT, "app.py": FLASK + RUN_SERVER_IN_MAIN, "Procfile": "web: python app.py\n"},
        {"app.py": FLASK + RUN_IN_MAIN},
        file="app.py",
        line="app.run_server(",
    ),
    Case(
        "run-server-in-main",
        {**FLASK_PROJECT, "app.py": FLASK + RUN_SERVER_IN_MAIN},
        {"app.py": FLASK + RUN_IN_MAIN},
        file="app.py",
        line="app.run_server(",
    ),
    Case(
        "legacy-component-import",
        {
            **FLASK_PROJECT,
            "app.py": edited(
                FLASK, "from dash import Dash, html\n", "import dash_html_components as html\nfrom dash import Dash\n"
            ),
        },
        {"app.py": FLASK},
        file="app.py",
        line="import dash_html_components",
    ),
    Case(
        "secret-in-source",
        {**FLASK_PROJECT, "app.py": FLASK + 'server.secret_key = "k3y-0f-th3-app"\n'},
        {"app.py": "import os\n\n" + FLASK + 'server.secret_key = os.environ["SECRET_KEY"]\n'},
        file="app.py",
        line="server.secret_key",
    ),
    Case(
        "setup-race",
        {
            "app.py": QUART,
            "Procfile": FASTAPI_PROCFILE,
            "requirements.txt": "dash[quart]>=4.2.0\nuvicorn[standard]>=0.30\n",
        },
        {"app.py": QUART + QUART_SETUP},
        file="app.py",
        line='Dash(__name__, backend="quart")',
    ),
    # --- websocket ---------------------------------------------------------------------------
    Case(
        "websocket-callbacks-on-flask",
        {
            **FLASK_PROJECT,
            "app.py": edited(fastapi_callback(WEBSOCKET_CALLBACK, GREET), ', backend="fastapi"', ""),
        },
        # Served with FastAPI: the backend, its server and its requirements.
        {
            "app.py": fastapi_callback(WEBSOCKET_CALLBACK, GREET),
            "Procfile": FASTAPI_PROCFILE,
            "requirements.txt": FASTAPI_REQUIREMENTS,
        },
        file="app.py",
        line="websocket=True",
    ),
    Case(
        "websocket-callbacks-global-with-cancel",
        {
            **FASTAPI_PROJECT,
            "app.py": CANCEL,
            "requirements.txt": "dash[fastapi,diskcache]>=4.2.0\nuvicorn[standard]>=0.30\n",
        },
        {"app.py": edited(CANCEL, "    websocket_callbacks=True,\n", "")},
        file="app.py",
        line="websocket_callbacks=True",
    ),
    Case(
        "websocket-callback-registered-globally",
        {
            **FASTAPI_PROJECT,
            "app.py": fastapi_callback(WEBSOCKET_CALLBACK.replace("@app.callback", "@callback"), GREET),
        },
        {"app.py": fastapi_callback(WEBSOCKET_CALLBACK, GREET)},
        file="app.py",
        line="@callback(",
    ),
    Case(
        "persistent-callback-not-async",
        {
            **FASTAPI_PROJECT,
            "app.py": fastapi_callback(
                WEBSOCKET_CALLBACK.replace("websocket=True", "websocket=True, persistent=True"), GREET
            ),
        },
        {
            "app.py": fastapi_callback(
                WEBSOCKET_CALLBACK.replace("websocket=True", "websocket=True, persistent=True"), ASYNC_GREET
            )
        },
        file="app.py",
        line="persistent=True",
    ),
    Case(
        "blocking-callback-on-event-loop",
        {
            **FASTAPI_PROJECT,
            "app.py": fastapi_callback(
                '@app.callback(Output("greeting", "children"), Input("name", "value"))',
                'def greet(name):\n    time.sleep(1)\n    return f"Hello, {name}"',
            ),
        },
        {
            "app.py": fastapi_callback(
                '@app.callback(Output("greeting", "children"), Input("name", "value"))',
                'async def greet(name):\n    await asyncio.to_thread(time.sleep, 1)\n    return f"Hello, {name}"',
            ),
        },
        file="app.py",
        line="time.sleep(1)",
    ),
    Case(
        "websocket-library-missing",
        {
            **FASTAPI_PROJECT,
            "app.py": fastapi_callback(WEBSOCKET_CALLBACK, ASYNC_GREET),
            "requirements.txt": "dash>=4.2.0\nfastapi>=0.115\nuvicorn>=0.30\n",
        },
        {"requirements.txt": "dash>=4.2.0\nfastapi>=0.115\nuvicorn[standard]>=0.30\n"},
        file="requirements.txt",
    ),
    # --- mcp ---------------------------------------------------------------------------------
    Case(
        "mcp-unguarded",
        {**FLASK_PROJECT, "Procfile": "web: DASH_MCP_ENABLED=true gunicorn app:server --workers 2\n"},
        {"app.py": FLASK + MCP_GUARD},
        file="Procfile",
        line=1,
    ),
    Case(
        "mcp-fastapi-default-path",
        {**FASTAPI_PROJECT, "app.py": edited(FASTAPI, '"fastapi")', '"fastapi", enable_mcp=True)') + MCP_MIDDLEWARE},
        {"app.py": edited(FASTAPI, '"fastapi")', '"fastapi", enable_mcp=True, mcp_path="_dash-mcp")') + MCP_MIDDLEWARE},
        file="app.py",
        line="enable_mcp=True",
    ),
    Case(
        "mcp-async-callback",
        {
            **FASTAPI_PROJECT,
            "app.py": edited(MCP_CALLBACK, "{definition}", ASYNC_GREET),
            "Dockerfile": "FROM python:3.12-slim\nENV DASH_MCP_ENABLED=true DASH_MCP_PATH=_dash-mcp\n",
        },
        {"app.py": edited(MCP_CALLBACK, "{definition}", GREET)},
        file="app.py",
        line="@app.callback",
    ),
    Case(
        "mcp-figure-without-kaleido",
        {**FLASK_PROJECT, "app.py": MCP_FIGURE, "app.json": '{"env": {"DASH_MCP_ENABLED": "true"}}\n'},
        {"requirements.txt": FLASK_REQUIREMENTS + "kaleido>=1.0\n"},
        file="app.py",
        line='Output("chart", "figure")',
    ),
    Case(
        "mcp-pages-router",
        {
            **PAGES,
            "requirements.txt": "dash[async]>=4.2.0\ngunicorn>=23.0\n",
            "app.json": '{"env": {"DASH_MCP_ENABLED": "true"}}\n',
        },
        {"app.py": PAGES_APP.replace("use_pages=True)", "use_pages=True, use_async=False)")},
        file="app.py",
        line="use_pages=True",
    ),
    # --- pages -------------------------------------------------------------------------------
    Case(
        "pages-folder-missing",
        {"app.py": PAGES_APP, "requirements.txt": FLASK_REQUIREMENTS},
        {"pages/home.py": page("/")},
        file="app.py",
        line="use_pages=True",
    ),
    Case(
        "pages-duplicate-path",
        {**PAGES, "pages/sales.py": page("/")},
        {"pages/sales.py": page("/sales")},
        file="pages/sales.py",
        line="register_page",
    ),
    Case(
        "pages-duplicate-id",
        {
            **PAGES,
            "pages/home.py": page("/", 'dcc.Graph(id="graph")'),
            "pages/sales.py": page("/sales", 'dcc.Graph(id="graph")'),
        },
        {"pages/sales.py": page("/sales", 'dcc.Graph(id="sales-graph")')},
        file="pages/sales.py",
        line='id="graph"',
    ),
]
REGISTRY = {each.code: each for each in rules.all_rules()}


def test_every_rule_has_a_case():
    assert len({case.code for case in CASES}) == len(CASES), "a code has two cases"
    assert {case.code for case in CASES} == set(REGISTRY)


@pytest.mark.parametrize("case", CASES, ids=[case.code for case in CASES])
def test_rule_fires_and_its_fix_turns_it_off(tmp_path, case):
    write(tmp_path, case.files)
    found = [finding for finding in check(tmp_path, case.target) if finding.code == case.code]
    assert found, f"{case.code} did not fire: {codes(check(tmp_path, case.target))}"
    finding = found[0]
    assert finding.severity == REGISTRY[case.code].severity
    assert finding.file == case.file
    line = case.line
    if isinstance(line, str):
        line = line_of((tmp_path / case.file).read_text(encoding="utf-8"), line)
    assert finding.line == line, finding
    assert finding.problem and finding.fix

    write(tmp_path, case.fixed)
    assert case.code not in codes(check(tmp_path, case.target))


# An app's own subclass of Dash's manager (as `dashgen new --background-callbacks` writes one)
# is that manager to every rule: `{classes}` defines it, `Jobs` is what the app constructs.
MANAGER_SUBCLASSES = {
    "direct": "class Jobs(CeleryManager):\n    pass\n",
    "mixin-first": "class Late:\n    pass\n\n\nclass Jobs(Late, CeleryManager):\n    pass\n",
    "of-a-subclass": "class Base(CeleryManager):\n    pass\n\n\nclass Jobs(Base):\n    pass\n",
    "dotted": "import dash\n\n\nclass Jobs(dash.CeleryManager):\n    pass\n",
}


@pytest.mark.parametrize("classes", list(MANAGER_SUBCLASSES.values()), ids=list(MANAGER_SUBCLASSES))
@pytest.mark.parametrize("kind", ["celery", "diskcache"])
def test_a_subclass_of_a_manager_is_that_manager(tmp_path, classes, kind):
    source, manager, code, target = {
        "celery": (CELERY, "CeleryManager", "background-no-worker", None),
        "diskcache": (DISKCACHE, "DiskcacheManager", "background-diskcache-containers", "docker"),
    }[kind]
    classes = classes.replace("CeleryManager", manager)
    made = "background_callback_manager = "
    app = source.replace(f"{made}{manager}(", f"{classes}\n\n{made}Jobs(")
    requirements = CELERY_REQUIREMENTS if kind == "celery" else "dash[diskcache]>=4.2.0\ngunicorn>=23.0\n"
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": requirements})
    assert code in codes(check(tmp_path, target))


def test_a_class_that_is_not_a_manager_is_not_read_as_one(tmp_path):
    app = CELERY.replace("background_callback_manager = CeleryManager(celery_app)\n", "")
    app = app.replace("\napp = Dash(", "\n\nclass Jobs:\n    pass\n\n\nmanager = Jobs(celery_app)\napp = Dash(")
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": CELERY_REQUIREMENTS})
    assert "background-no-worker" not in codes(check(tmp_path))


def test_rules_apply_only_to_their_targets(tmp_path):
    """A rule for one platform stays quiet when another is checked."""
    case = next(case for case in CASES if case.code == "cloud-env-not-uploaded")
    write(tmp_path, case.files)
    assert "cloud-env-not-uploaded" in codes(check(tmp_path, "cloud"))
    for target in (None, "enterprise", "docker"):
        assert "cloud-env-not-uploaded" not in codes(check(tmp_path, target))


def test_findings_by_feature_and_code(tmp_path):
    write(tmp_path, {**FLASK_PROJECT, "requirements.txt": "gunicorn>=23.0\n", "app.py": FLASK + "\napp.run()\n"})
    assert codes(check(tmp_path)) == {"requirements-no-dash", "run-at-import"}
    assert codes(check(tmp_path, features=["source"])) == {"run-at-import"}
    assert codes(check(tmp_path, codes={"requirements-no-dash"})) == {"requirements-no-dash"}


def test_the_secret_names_pattern_finds_what_its_alternation_alone_finds():
    """_SECRET_NAME's lookahead only skips positions: every character that starts a word of it,
    case-insensitively (ſ is an s, K a k, İ and ı i), in ASCII, Latin and the special folds."""
    import re

    from dashgen.rules.source import _SECRET_NAME

    alone = re.compile(_SECRET_NAME.pattern.removeprefix("(?=[stpac])"), re.I)
    words = ("ecret", "oken", "assword", "asswd", "rivate_key", "pikey", "ccess_key", "redential")
    characters = [*map(chr, range(0x250)), "\u0130", "\u0131", "\u017f", "\u212a", "\u212b"]
    for character in characters:
        for word in words:
            text = f"x {character}{word}"
            assert [m.span() for m in _SECRET_NAME.finditer(text)] == [m.span() for m in alone.finditer(text)]


# --- Ignores ---------------------------------------------------------------------------------


def split(root: Path, target: str | None = None, ignore: frozenset[str] = frozenset()):
    kept, by_code, by_comment = ignores.split(check(root, target), ignore, root)
    return kept, by_code + by_comment


def test_a_comment_on_the_line_turns_off_a_python_finding(tmp_path):
    app = FLASK + 'server.secret_key = "k3y-0f-th3-app"\n'
    write(tmp_path, {**FLASK_PROJECT, "app.py": app})
    kept, ignored = split(tmp_path)
    assert "secret-in-source" in codes(kept) and not ignored

    write(tmp_path, {"app.py": app.replace('app"\n', 'app"  # dashgen: ignore[secret-in-source]\n')})
    kept, ignored = split(tmp_path)
    assert "secret-in-source" not in codes(kept)
    assert codes(ignored) == {"secret-in-source"}


def test_a_comment_names_several_codes_and_only_those(tmp_path):
    app = FLASK + 'server.secret_key = "k3y-0f-th3-app"  # dashgen: ignore[run-at-import, app-no-layout]\n'
    write(tmp_path, {**FLASK_PROJECT, "app.py": app})
    kept, ignored = split(tmp_path)
    assert "secret-in-source" in codes(kept) and not ignored


def test_a_comment_above_a_procfile_line_turns_off_its_finding(tmp_path):
    write(tmp_path, {**FLASK_PROJECT, "Procfile": "# dashgen: ignore[procfile-dev-server]\nweb: python app.py\n"})
    (tmp_path / "app.py").write_text(FLASK + RUN_ON_EVERY_INTERFACE)
    kept, ignored = split(tmp_path)
    assert "procfile-dev-server" not in codes(kept)
    assert codes(ignored) == {"procfile-dev-server"}
    assert ignored[0].line == 2


def test_a_comment_at_the_end_of_the_web_line_does_not(tmp_path):
    # bash would read it as part of the command; dashgen reads only a comment line above.
    write(tmp_path, {**FLASK_PROJECT, "Procfile": "web: python app.py  # dashgen: ignore[procfile-dev-server]\n"})
    (tmp_path / "app.py").write_text(FLASK + RUN_ON_EVERY_INTERFACE)
    kept, ignored = split(tmp_path)
    assert "procfile-dev-server" in codes(kept) and not ignored


def test_a_comment_on_the_first_line_turns_off_a_finding_about_the_whole_file(tmp_path):
    write(
        tmp_path, {**FLASK_PROJECT, "requirements.txt": "# dashgen: ignore[requirements-missing-server]\ndash>=4.2.0\n"}
    )
    kept, ignored = split(tmp_path)
    assert "requirements-missing-server" not in codes(kept)
    assert codes(ignored) == {"requirements-missing-server"}


def test_a_comment_at_the_end_of_the_first_procfile_line_does_not_turn_off_a_whole_file_finding(tmp_path):
    celery_app = FLASK.replace(
        "from dash import Dash, html", "from celery import Celery\nfrom dash import CeleryManager, Dash, html"
    )
    celery_app = celery_app.replace(
        "app = Dash(__name__)",
        "manager = CeleryManager(Celery(__name__))\napp = Dash(__name__, background_callback_manager=manager)",
    )
    procfile = "web: gunicorn app:server  # dashgen: ignore[background-no-worker]\n"
    write(tmp_path, {**FLASK_PROJECT, "app.py": celery_app, "Procfile": procfile})
    kept, ignored = split(tmp_path)
    assert "background-no-worker" in codes(kept) and not ignored
    (tmp_path / "Procfile").write_text("# dashgen: ignore[background-no-worker]\n" + procfile)
    kept, ignored = split(tmp_path)
    assert codes(ignored) == {"background-no-worker"}


def test_sarif_says_how_each_finding_was_ignored(tmp_path):
    app = FLASK + '\napp.run()\nserver.secret_key = "k3y-0f-th3-app"  # dashgen: ignore[secret-in-source]\n'
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": "dash>=4.2.0\n"})
    found = checked(tmp_path, "enterprise", ignore=frozenset({"run-at-import"}))
    results = json.loads(report.as_sarif(found, rules.all_rules()))["runs"][0]["results"]
    kinds = {result["ruleId"]: result.get("suppressions") for result in results}
    assert kinds["secret-in-source"] == [{"kind": "inSource"}]
    assert kinds["run-at-import"] == [{"kind": "external"}]
    assert kinds["requirements-missing-server"] is None


def test_ignore_by_code(tmp_path):
    write(tmp_path, {**FLASK_PROJECT, "app.py": FLASK + "\napp.run()\n"})
    kept, ignored = split(tmp_path, ignore=ignores.codes("run-at-import", "--ignore"))
    assert codes(kept) == set() and codes(ignored) == {"run-at-import"}


@pytest.mark.parametrize(
    "settings",
    [
        '[tool.dashgen]\nignore = ["run-at-import"]\n',
        '[tool . "dashgen"]\nignore = [\n  "run-at-import",\n]\n',
        '[tool]\ndashgen.ignore = ["run-at-import"]\n',
        '[tool]\ndashgen = { ignore = ["run-at-import"] }\n',
    ],
    ids=["table", "quoted-key", "dotted-key", "inline-table"],
)
def test_pyproject_ignores(tmp_path, settings):
    write(tmp_path, {**FLASK_PROJECT, "app.py": FLASK + "\napp.run()\n"})
    assert ignores.configured(tmp_path) == frozenset()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "sales"\ndescription = "Checked by dashgen."\n\n' + settings
    )
    configured = ignores.configured(tmp_path)
    assert configured == {"run-at-import"}
    kept, ignored = split(tmp_path, ignore=configured)
    assert "run-at-import" not in codes(kept) and codes(ignored) == {"run-at-import"}


def test_unknown_code_on_the_command_line_is_invalid_input():
    assert ignores.codes(None, "--ignore") is None
    assert ignores.codes("setup-race, run-at-import", "--ignore") == {"setup-race", "run-at-import"}
    with pytest.raises(InvalidInput) as raised:
        ignores.codes("setup-race,no-such-rule", "--ignore")
    assert raised.value.exit_code == 2
    assert "no-such-rule" in raised.value.message and "--ignore" in raised.value.message


def test_a_pyproject_that_names_dashgen_only_in_a_value_has_no_settings(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sales"\ndescription = "Made with dashgen."\n')
    assert ignores.configured(tmp_path) == frozenset()


@pytest.mark.parametrize(
    "text",
    [
        '[tool.dashgen]\nignore = ["no-such-rule"]\n',
        '[tool.dashgen]\nignore = "setup-race"\n',
        "[tool.dashgen\nignore = []\n",
    ],
    ids=["unknown-code", "not-a-list", "not-toml"],
)
def test_bad_pyproject_ignores_are_refused(tmp_path, text):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(Refused) as raised:
        ignores.configured(tmp_path)
    assert raised.value.exit_code == 1
    assert "pyproject.toml" in raised.value.message


# --- Reports ---------------------------------------------------------------------------------


def checked(root: Path, target: str | None = None, ignore: frozenset[str] = frozenset()) -> report.Report:
    source = find_app(root)
    kept, by_code, by_comment = ignores.split(rules.findings(Project(source, target)), ignore, root)
    return report.Report(
        source.path.name, source.backend, source.server_expression, target, kept, by_code + by_comment, by_comment
    )


@pytest.fixture
def reported(tmp_path) -> report.Report:
    """Findings with and without a line, and one ignored by a comment."""
    app = FLASK + '\napp.run()\nserver.secret_key = "k3y-0f-th3-app"  # dashgen: ignore[secret-in-source]\n'
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": "dash>=4.2.0\n"})
    found = checked(tmp_path, "enterprise")
    assert codes(found.findings) == {"requirements-missing-server", "run-at-import"}
    assert codes(found.ignored) == {"secret-in-source"}
    return found


def test_sarif(reported):
    catalogue = rules.all_rules()
    sarif = json.loads(report.as_sarif(reported, catalogue))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-2.1.0.json")
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dashgen"
    assert [each["id"] for each in driver["rules"]] == [each.code for each in catalogue]
    for each in driver["rules"]:
        assert each["shortDescription"]["text"] and each["defaultConfiguration"]["level"] in ("error", "warning")
    results = run["results"]
    assert len(results) == len(reported.findings) + len(reported.ignored)
    everything = {finding.code: finding for finding in reported.findings + reported.ignored}
    for result in results:
        finding = everything[result["ruleId"]]
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == finding.severity
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == finding.file
        if finding.line:
            assert location["region"]["startLine"] == finding.line
        else:
            assert "region" not in location
        suppressed = result.get("suppressions")
        assert suppressed == ([{"kind": "inSource"}] if finding in reported.ignored else None)
    assert any("region" in result["locations"][0]["physicalLocation"] for result in results)
    assert any("region" not in result["locations"][0]["physicalLocation"] for result in results)


def test_sarif_uses_the_paths_from_the_current_folder(reported):
    reported.paths = {"app.py": "project/app.py"}
    results = json.loads(report.as_sarif(reported, rules.all_rules()))["runs"][0]["results"]
    uris = {
        result["ruleId"]: result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in results
    }
    assert uris["run-at-import"] == "project/app.py"
    assert uris["requirements-missing-server"] == "requirements.txt"


def test_github_annotations_escape_data_and_properties():
    finding = Finding("error", "run-at-import", "a,b:c.py", 3, "100% broken\nreally,", "Fix: it\r\nnow")
    text = report.as_github(report.Report("a,b:c.py", "flask", "app.server", None, [finding]))
    first, notice = text.splitlines()
    assert first == (
        "::error file=a%2Cb%3Ac.py,line=3,title=dashgen run-at-import::100%25 broken%0Areally, Fix: Fix: it%0D%0Anow"
    )
    assert notice == "::notice title=dashgen::1 error, 0 warnings."


def test_github_annotation_of_a_whole_file_has_no_line(reported):
    lines = report.as_github(reported).splitlines()
    requirements = next(line for line in lines if "requirements-missing-server" in line)
    assert requirements.startswith("::error file=requirements.txt,title=dashgen requirements-missing-server::")
    run = next(line for line in lines if "run-at-import" in line)
    line = next(finding.line for finding in reported.findings if finding.code == "run-at-import")
    assert run.startswith(f"::error file=app.py,line={line},title=dashgen run-at-import::")
    assert lines[-1] == "::notice title=dashgen::2 errors, 0 warnings (1 ignored)."


def test_json(reported):
    data = json.loads(report.as_json(reported))
    assert data["schema_version"] == report.SCHEMA_VERSION
    assert data["target"] == "enterprise" and data["app"] == "app.py" and data["backend"] == "flask"
    assert data["errors"] == 2 and data["warnings"] == 0 and data["ignored"] == 1
    assert {finding["code"] for finding in data["findings"]} == {"requirements-missing-server", "run-at-import"}
    assert [finding["code"] for finding in data["ignored_findings"]] == ["secret-in-source"]
    assert set(data["findings"][0]) == {"severity", "code", "file", "line", "problem", "fix", "command"}
