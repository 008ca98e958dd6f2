"""`dashgen add-route` on generated projects and on hand-written apps in the reference's styles:
the routes answer below DASH_ROUTES_PATHNAME_PREFIX on the real server, websockets echo, SSE
streams, every old line survives, re-runs are identical, and refusals change nothing."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    boot,
    drive_dash,
    generate,
    procfile_command,
    request,
    run_dashgen,
    snapshot,
)
from websockets.sync.client import connect

from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"
# Each hand-written app: its backend, where Dash answers below /p/, and the server expression.
HAND_WRITTEN = {
    "flask_import_dash": ("flask", "", "app.server"),
    "flask_server_var": ("flask", "", "server"),
    "flask_mounted": ("flask", None, "server"),  # Dash at a literal /dash/, deaf to the prefix
    "fastapi_backend": ("fastapi", "", "app.server"),
    "fastapi_own_alias": ("fastapi", "", "api"),
    "fastapi_module_attr": ("fastapi", "", "app.server"),
    "fastapi_mixing": ("fastapi", None, "server"),
    "quart_own": ("quart", "", "server"),
    "quart_backend_crlf": ("quart", "", "app.server"),
}


def add_routes(project: Path, backend: str, *extra: str) -> None:
    """The routes of the issue: a GET, a POST with a typed parameter, SSE, and a websocket."""
    commands = [
        ["/api/added"],
        ["/api/items/{item_id:int}", "--method", "POST"],
        ["/events", "--kind", "sse"],
    ]
    if BACKENDS[backend].websocket_routes:
        commands.append(["/ws/echo", "--kind", "websocket"])
    for arguments in commands:
        result = run_dashgen("add-route", *arguments, *extra, cwd=project)
        assert result.returncode == 0, result.stderr
        assert "insert" in result.stdout


def check_routes(base: str, backend: str) -> None:
    added = request(f"{base}/p/api/added")
    assert added.status == 200 and added.json() == {"route": "/api/added", "method": "GET"}
    assert '"route"' not in request(f"{base}/api/added").text  # not outside the prefix

    item = request(f"{base}/p/api/items/42", {"note": "posted"})
    assert item.json() == {"route": "/api/items/{item_id}", "method": "POST", "item_id": 42}

    started = time.monotonic()
    with urllib.request.urlopen(f"{base}/p/events", timeout=20) as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        body = stream.read().decode()
    events = [line for line in body.splitlines() if line.startswith("data:")]
    assert events == [f"data: event {n} of 3 from /events" for n in (1, 2, 3)]
    assert time.monotonic() - started >= 0.9  # streamed over time, not sent at once

    if BACKENDS[backend].websocket_routes:
        with connect(f"ws{base.removeprefix('http')}/p/ws/echo", open_timeout=10) as socket:
            for message in ("hello", "dash"):
                socket.send(message)
                assert socket.recv(timeout=10) == message


def lines_survive(before: str, after: str) -> bool:
    """Every line of `before`, in order and byte for byte (line endings included), is in `after`."""
    remaining = iter(after.splitlines(keepends=True))
    return all(any(line == candidate for candidate in remaining) for line in before.splitlines(keepends=True))


@pytest.mark.server
@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_routes_added_to_generated_projects_answer_below_the_prefix(tmp_path, backend, topology):
    project = generate(tmp_path, backend, topology)
    before = (project / "app.py").read_bytes()
    add_routes(project, backend)
    after = (project / "app.py").read_bytes()
    assert lines_survive(before.decode(), after.decode())

    with boot(project, procfile_command(project), prefix="/p/") as server:
        check_routes(server.base, backend)
        seen = drive_dash(f"{server.base}/p/{DASH_PATH.get(topology, '')}")
        assert seen["responses"]
    # The generated project's own lint settings still pass with the new code in it.
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "app.py"], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout


@pytest.mark.server
@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_routes_added_to_hand_written_apps(tmp_path, name):
    backend, dash_path, server_expression = HAND_WRITTEN[name]
    shutil.copy(APPS / f"{name}.py", tmp_path)
    original = (tmp_path / f"{name}.py").read_bytes()

    found = run_dashgen("add-route", "/api/added", "--dry-run", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert f"{name}.py: {BACKENDS[backend].label}" in found.stdout
    assert f"server `{server_expression}`" in found.stdout
    assert (tmp_path / f"{name}.py").read_bytes() == original

    add_routes(tmp_path, backend)
    text = (tmp_path / f"{name}.py").read_bytes()
    assert lines_survive(original.decode(), text.decode())
    if b"\r\n" in original:
        assert text.count(b"\n") == text.count(b"\r\n"), "line endings changed"

    # gunicorn cannot load an attribute chain (module:app.server), so a Flask app without a
    # server variable is served through a one-line module that names it.
    target = f"{name}:{server_expression}"
    if "." in server_expression and backend == "flask":
        (tmp_path / "wsgi.py").write_text(f"from {name} import app\n\nserver = app.server\n")
        target = "wsgi:server"
    with boot(tmp_path, BACKENDS[backend].command(target), prefix="/p/") as server:
        check_routes(server.base, backend)
        if dash_path is not None:
            assert drive_dash(f"{server.base}/p/{dash_path}")["responses"]


@pytest.mark.parametrize("name", list(HAND_WRITTEN))
def test_a_second_run_is_identical_and_writes_nothing(tmp_path, name):
    shutil.copy(APPS / f"{name}.py", tmp_path)
    assert run_dashgen("add-route", "/api/items/{item_id}", "--method", "PUT", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    again = run_dashgen("add-route", "/api/items/{item_id}", "--method", "PUT", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "identical" in again.stdout
    assert snapshot(tmp_path) == before


def test_generated_hello_route_is_what_add_route_writes(tmp_path):
    for backend in BACKENDS:
        (tmp_path / backend).mkdir()
        project = generate(tmp_path / backend, backend, "default")
        result = run_dashgen("add-route", "/api/hello", cwd=project)
        assert result.returncode == 0 and "identical" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("app", "args", "status", "message"),
    [
        ("fastapi_backend", ["/api/status"], 1, "fastapi_backend.py:6 already has GET /api/status"),
        ("fastapi_own_alias", ["/api/data"], 1, "fastapi_own_alias.py:11 already has GET /api/data"),
        ("quart_own", ["/api/hello"], 1, "quart_own.py:7 already has GET /api/hello"),
        ("flask_server_var", ["/_dash-layout"], 2, "collides with Dash's own routes"),
        ("flask_server_var", ["/assets/app.css"], 2, "collides with Dash's own routes"),
        ("flask_server_var", ["/"], 2, "collides with Dash's page"),
        ("flask_mounted", ["/dash/report"], 2, "collides with Dash's own routes"),
        ("fastapi_mixing", ["/dashboard/"], 2, "collides with Dash's page"),
        ("flask_server_var", ["/api/a b"], 2, "contains spaces"),
        ("flask_server_var", ["/api/../etc"], 2, "segment"),
        ("flask_server_var", ["/api/{}"], 2, "invalid parameter name"),
        ("flask_server_var", ["/api/{1x}"], 2, "invalid parameter name"),
        ("flask_server_var", ["/api/{id:uuid4}"], 2, "unknown converter"),
        ("flask_server_var", ["/api/x?y=1"], 2, "query string"),
        ("flask_server_var", ["/api/x", "--method", "FETCH"], 2, "Unknown method"),
        ("flask_server_var", ["/api/x", "--kind", "grpc"], 2, "Unknown kind"),
        ("flask_server_var", ["/api/x", "--name", "class"], 2, "not a Python function name"),
        ("flask_server_var", ["/api/x", "--name", "squares"], 1, "already defines 'squares'"),
        ("flask_server_var", ["/ws", "--kind", "websocket"], 1, "--backend fastapi"),
        ("flask_server_var", ["/api/x", "--app", "missing.py"], 1, "does not exist"),
    ],
)
def test_refusals_leave_the_file_unchanged(tmp_path, app, args, status, message):
    shutil.copy(APPS / f"{app}.py", tmp_path)
    before = snapshot(tmp_path)
    result = run_dashgen("add-route", *args, cwd=tmp_path)
    assert result.returncode == status, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(tmp_path) == before


def test_route_added_by_dashgen_with_other_code_is_refused(tmp_path):
    shutil.copy(APPS / "quart_own.py", tmp_path)
    assert run_dashgen("add-route", "/api/report", cwd=tmp_path).returncode == 0
    path = tmp_path / "quart_own.py"
    path.write_text(path.read_text().replace('"method": "GET"}', '"method": "GET", "rows": 3}'))
    before = snapshot(tmp_path)
    result = run_dashgen("add-route", "/api/report", cwd=tmp_path)
    assert result.returncode == 1 and "already has GET /api/report" in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("def broken(:\n", "is not valid Python"),
        ("print('no dash here')\n", "does not create a Dash app"),
    ],
)
def test_unusable_app_is_refused_with_exit_1(tmp_path, content, message):
    (tmp_path / "app.py").write_text(content)
    before = snapshot(tmp_path)
    result = run_dashgen("add-route", "/api/x", "--app", "app.py", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr
    assert snapshot(tmp_path) == before


def test_no_app_in_the_folder_is_refused(tmp_path):
    result = run_dashgen("add-route", "/api/x", cwd=tmp_path)
    assert result.returncode == 1 and "No module" in result.stderr


def test_several_apps_need_app_option(tmp_path):
    shutil.copy(APPS / "quart_own.py", tmp_path)
    shutil.copy(APPS / "flask_mounted.py", tmp_path)
    result = run_dashgen("add-route", "/api/x", cwd=tmp_path)
    assert result.returncode == 1 and "--app" in result.stderr
    chosen = run_dashgen("add-route", "/api/x", "--app", "quart_own.py", cwd=tmp_path)
    assert chosen.returncode == 0 and "quart_own.py" in chosen.stdout


def test_default_name_clash_is_resolved_without_shadowing(tmp_path):
    shutil.copy(APPS / "quart_own.py", tmp_path)
    # `count` is the app's callback; a route /count must not replace it.
    result = run_dashgen("add-route", "/count", cwd=tmp_path)
    assert result.returncode == 0
    text = (tmp_path / "quart_own.py").read_text()
    assert "async def count(opts):" in text and "async def count_2():" in text


def test_dry_run_prints_the_diff_and_writes_nothing(tmp_path):
    shutil.copy(APPS / "flask_server_var.py", tmp_path)
    before = snapshot(tmp_path)
    result = run_dashgen("add-route", "/api/report", "--dry-run", cwd=tmp_path)
    assert result.returncode == 0
    assert '+@server.route(f"{PREFIX}api/report", methods=["GET"])' in result.stdout
    assert "+import os" in result.stdout
    assert snapshot(tmp_path) == before


def test_a_path_without_its_leading_slash_is_fixed_silently(tmp_path):
    shutil.copy(APPS / "flask_server_var.py", tmp_path)
    result = run_dashgen("add-route", "api/plain", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '@server.route(f"{PREFIX}api/plain", methods=["GET"])' in (tmp_path / "flask_server_var.py").read_text()


def _answers(project: Path, path: str, prefix: str | None) -> int:
    """The status of GET `path` on the app's Flask server, imported with or without the prefix,
    through Flask's own test client."""
    env = {key: value for key, value in os.environ.items() if key != "DASH_ROUTES_PATHNAME_PREFIX"}
    if prefix is not None:
        env["DASH_ROUTES_PATHNAME_PREFIX"] = prefix
    probe = f"import app; print(app.app.server.test_client().get({path!r}).status_code)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=project, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


# Characters str.splitlines() ends a line on and Python does not: inside a string or comment.
NOT_LINE_ENDS = ["\u2028", "\u2029", "\x0c", "\x1c", "\x85", "\x0b"]


@pytest.mark.parametrize("character", NOT_LINE_ENDS, ids=lambda c: f"U+{ord(c):04X}")
def test_routes_land_where_python_counts_lines(tmp_path, character):
    (tmp_path / "app.py").write_text(
        '"""Notes.\n'
        f"A docstring{character}with a separator.\n"
        '"""\n'
        "import os\n\n"
        "from dash import Dash, html\n\n"
        f'NOTE = "one{character}two{character}three"  # and a comment{character}too\n'
        'PREFIX = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")\n\n'
        "app = Dash(__name__)\n"
        "server = app.server\n"
        'app.layout = html.Div("hello")\n',
        encoding="utf-8",
    )
    result = run_dashgen("add-route", "/api/health", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    assert text.index("server = app.server") < text.index("@server.route")
    line = text.count("\n", 0, text.index("@server.route")) + 1
    assert f"insert  app.py:{line}" in result.stdout
    assert _answers(tmp_path, "/api/health", None) == 200
    assert _answers(tmp_path, "/p/api/health", "/p/") == 200


PREFIX_SHAPES = {
    # Read inside Dash(...): no variable to reuse (today it made f"{app}api/health").
    "inside-dash": (
        'app = Dash(__name__, routes_pathname_prefix=os.getenv("DASH_ROUTES_PATHNAME_PREFIX"))\n',
        "PREFIX",
    ),
    # Without slashes or None: a route built on it would not be where Dash serves.
    "stripped": (
        'PREFIX = (os.getenv("DASH_ROUTES_PATHNAME_PREFIX") or "").strip("/")\napp = Dash(__name__)\n',
        "ROUTES_PREFIX",
    ),
    "no-default": ('BASE = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX")\napp = Dash(__name__)\n', "PREFIX"),
    "getenv": ('BASE = os.getenv("DASH_ROUTES_PATHNAME_PREFIX", "/")\napp = Dash(__name__)\n', "BASE"),
    "environ-imported": (
        'from os import environ\n\nBASE = environ.get("DASH_ROUTES_PATHNAME_PREFIX", default="/")\n'
        "app = Dash(__name__)\n",
        "BASE",
    ),
}


@pytest.mark.parametrize("shape", list(PREFIX_SHAPES))
def test_a_prefix_variable_is_reused_only_when_it_is_the_prefix_with_dashs_default(tmp_path, shape):
    creation, variable = PREFIX_SHAPES[shape]
    (tmp_path / "app.py").write_text(
        "import os\n\nfrom dash import Dash, html\n\n" + creation + 'app.layout = html.Div("hello")\n'
    )
    result = run_dashgen("add-route", "/api/health", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f'@app.server.route(f"{{{variable}}}api/health", methods=["GET"])' in (tmp_path / "app.py").read_text()
    assert _answers(tmp_path, "/api/health", None) == 200
    assert _answers(tmp_path, "/p/api/health", "/p/") == 200
    assert run_dashgen("add-route", "/api/health", cwd=tmp_path).stdout.count("identical") == 1


@pytest.mark.parametrize("path", ["/login", "/login/", "/", "/report/none"])
def test_a_path_a_dash_page_serves_is_refused(tmp_path, path):
    shutil.copytree(APPS / "pages_app", tmp_path / "app")
    before = snapshot(tmp_path / "app")
    result = run_dashgen("add-route", path, cwd=tmp_path / "app")
    assert result.returncode == 2
    assert "Dash" in result.stderr and "choose another path" in result.stderr
    assert snapshot(tmp_path / "app") == before


def test_routes_beside_dash_pages_leave_the_pages_served(tmp_path):
    project = tmp_path / "app"
    shutil.copytree(APPS / "pages_app", project)
    result = run_dashgen("add-route", "/api/health", cwd=project)
    assert result.returncode == 0, result.stderr
    probe = (
        "import app\nclient = app.server.test_client()\n"
        "print(client.get('/api/health').status_code, '_dash-config' in client.get('/login').get_data(as_text=True))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DASH_ROUTES_PATHNAME_PREFIX"}
    ran = subprocess.run([sys.executable, "-c", probe], cwd=project, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split()[-2:] == ["200", "True"]
