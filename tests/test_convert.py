"""`dashgen convert --backend quart` on the apps in tests/apps/convert_*: what it writes, what it
refuses (changing nothing), and — booted from their Procfiles — the original on gunicorn and the
conversion on uvicorn answering the same requests alike."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import boot, callback_requests, procfile_command, request, run_dashgen, snapshot

APPS = Path(__file__).parent / "apps"
CONVERTED = [
    "convert_plain",
    "convert_own_server",
    "convert_routes",
    "convert_multi_module",
    "convert_old_components",
    "convert_caching",
    "convert_pages",
]
# The custom routes of each app, requested on both sides: (method, path, JSON body or None).
ROUTES = {
    "convert_own_server": [("GET", "/whoami", None), ("GET", "/api/no-such-route", None)],
    "convert_routes": [
        ("GET", "/api/items/21", None),
        ("POST", "/api/echo", {"b": 2, "a": 1}),
        ("GET", "/api/search?q=dash&page=3", None),
        ("GET", "/files/readme.txt", None),
        ("GET", "/files/missing.txt", None),
        ("GET", "/health", None),
    ],
    "convert_multi_module": [("GET", "/api/status", None)],
    # Twice: the second answer is the first run's number again only when the cache hit.
    "convert_caching": [("GET", "/api/computed/a", None), ("GET", "/api/computed/a", None)],
}


def _copy(tmp_path: Path, name: str) -> Path:
    project = tmp_path / name
    shutil.copytree(APPS / name, project, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def _convert(project: Path, *options: str, backend: str = "quart") -> subprocess.CompletedProcess:
    return run_dashgen("convert", "--backend", backend, *options, cwd=project)


@pytest.mark.parametrize("name", CONVERTED)
def test_converts_and_a_second_run_has_nothing_to_do(tmp_path, name):
    project = _copy(tmp_path, name)
    first = _convert(project)
    assert first.returncode == 0, first.stderr
    assert "update" in first.stdout
    assert "gunicorn" not in procfile_command(project)
    assert "dash[quart]" in (project / "requirements.txt").read_text()
    after = snapshot(project)
    second = _convert(project)
    assert second.returncode == 0, second.stderr
    assert "Nothing to convert: the app runs on Quart already." in second.stdout
    assert "update" not in second.stdout
    assert snapshot(project) == after


def test_user_lines_are_kept_and_what_goes_is_said(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    result = _convert(project)
    requirements = (project / "requirements.txt").read_text()
    assert requirements.splitlines()[:2] == ["dash[quart]==4.4.1", "pandas  # the data"]
    assert "uvicorn[standard]" in requirements
    assert not re.search(r"(?im)^(flask|gunicorn)\b", requirements)
    assert "removed flask: no module imports it any more" in result.stdout
    assert "removed gunicorn" in result.stdout
    # The user's workers, bind and log level carried over; the timeout, which uvicorn lacks, said.
    command = procfile_command(project)
    assert command.startswith("uvicorn app:server")
    assert "--workers 4" in command and "--host 0.0.0.0 --port $PORT" in command and "--log-level info" in command
    assert "dropped `--timeout 120`" in result.stdout


def test_routes_are_async_and_quarts_coroutines_awaited(tmp_path):
    project = _copy(tmp_path, "convert_routes")
    assert _convert(project).returncode == 0
    text = (project / "app.py").read_text()
    assert "from quart import jsonify, request, send_from_directory" in text
    assert "body = await request.get_json(silent=True) or {}" in text
    assert "return await send_from_directory(FILES, name)" in text
    # Four routes, the add_url_rule view and the worker start-up (two workers); the callback stays.
    assert text.count("async def ") == 6
    assert "def out(clicks):" in text and "async def out" not in text


def test_a_sync_callback_that_blocks_is_kept_and_said(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    app = project / "app.py"
    app.write_text(app.read_text().replace("def greet(name):\n", "def greet(name):\n    time.sleep(0.1)\n"))
    app.write_text("import time\n" + app.read_text())
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "def greet(name):" in app.read_text()
    assert "greet is a plain def on Quart" in result.stderr and "asyncio.to_thread(time.sleep" in result.stderr


def test_pages_are_converted_and_a_module_the_app_does_not_reach_blocks(tmp_path):
    project = _copy(tmp_path, "convert_pages")
    (project / "jobs.py").write_text("from flask import request\n")
    before = snapshot(project)
    refused = _convert(project)
    assert refused.returncode == 1 and snapshot(project) == before
    assert "jobs.py:1: an import of flask in a module the app does not import" in refused.stderr
    (project / "jobs.py").unlink()
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "from quart import request" in (project / "pages" / "home.py").read_text()


def test_import_flask_as_a_module_and_a_project_given_as_an_argument(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    (project / "app.py").write_text(
        "import flask\nfrom dash import Dash, html\n\nserver = flask.Flask(__name__)\n"
        "app = Dash(__name__, server=server)\napp.layout = html.Div('x')\n\n\n"
        "@server.route('/hello', methods=['POST'])\ndef hello():\n"
        "    return flask.jsonify(name=flask.request.form.get('name'), json=flask.request.get_json(silent=True))\n"
    )
    result = run_dashgen("convert", "--backend", "quart", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (project / "app.py").read_text().splitlines()[3:11] == [
        "server = quart.Quart(__name__)",
        "app = Dash(__name__, server=server)",
        "app.layout = html.Div('x')",
        "",
        "",
        "@server.route('/hello', methods=['POST'])",
        "async def hello():",
        "    return quart.jsonify(name=(await quart.request.form).get('name'), "
        "json=await quart.request.get_json(silent=True))",
    ]
    assert (project / "app.py").read_text().startswith("import quart\n")


def test_several_workers_get_the_worker_start_up_a_generated_quart_app_has(tmp_path):
    several, one = _copy(tmp_path, "convert_routes"), _copy(tmp_path, "convert_caching")
    for project in (several, one):
        assert _convert(project).returncode == 0
    text = (several / "app.py").read_text()
    assert text.endswith(
        "@server.before_serving\nasync def finish_dash_setup():\n"
        "    await server.test_client().get(app.config.routes_pathname_prefix)\n"
    )
    assert "before_serving" not in (one / "app.py").read_text()  # one worker: no race
    checked = run_dashgen("check", "--target", "enterprise", cwd=several)
    assert "setup-race" not in checked.stdout


def test_crlf_and_non_ascii_lines_are_spliced_byte_exact(tmp_path):
    project = _copy(tmp_path, "convert_routes")
    app = project / "app.py"
    text = app.read_text().replace("app = Dash(__name__)", 'app = Dash(__name__, title="Größen – ü")')
    text = text.replace("    body = request.get_json", "    ärger = 1  # «é»\n    body = request.get_json")
    app.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert _convert(project).returncode == 0
    converted = app.read_bytes().decode("utf-8")
    assert "\n" not in converted.replace("\r\n", "")
    assert 'app = Dash(__name__, title="Größen – ü", backend="quart")\r\n' in converted
    assert "    ärger = 1  # «é»\r\n    body = await request.get_json(silent=True) or {}\r\n" in converted


def test_a_dockerfile_running_gunicorn_blocks(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    (project / "Dockerfile").write_text('FROM python:3.12\nCOPY . .\nCMD ["gunicorn", "app:server", "-b", ":8000"]\n')
    before = snapshot(project)
    result = _convert(project)
    assert result.returncode == 1 and snapshot(project) == before
    assert "Dockerfile:3: CMD runs gunicorn, which cannot serve a Quart app — " in result.stderr


def test_gunicorn_is_kept_while_something_else_runs_it(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    (project / "Procfile").write_text("web: gunicorn app:server\nadmin: gunicorn app:server --bind :9000\n")
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "gunicorn==23.0.0" in (project / "requirements.txt").read_text()
    assert "admin: gunicorn app:server --bind :9000" in (project / "Procfile").read_text()


def test_a_dry_run_writes_nothing(tmp_path):
    project = _copy(tmp_path, "convert_routes")
    before = snapshot(project)
    result = _convert(project, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "+async def echo():" in result.stdout and "Dry run: nothing was written." in result.stdout
    assert snapshot(project) == before


def test_a_refusal_lists_every_blocker_and_changes_no_byte(tmp_path):
    project = _copy(tmp_path, "convert_refused")
    before = snapshot(project)
    result = _convert(project)
    assert result.returncode == 1
    assert snapshot(project) == before
    for blocker in (
        "app.py:3: flask.Blueprint — ",
        "app.py:3: flask.g — ",
        "app.py:4: import of flask_login — ",
        "app.py:6: Dash(compress=...), Flask-Compress — ",
        "app.py:8: LoginManager(server): the server handed to other code — ",
        "app.py:15: request.environ — ",
        "app.py:19: request.get_json, a coroutine on Quart, in body, which is not a route — ",
        "app.py:22: server.test_client — ",
        "app.py:28: response.get_data, a response's body — ",
    ):
        assert blocker in result.stderr, result.stderr
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr


def test_flask_caching_view_decorators_are_refused(tmp_path):
    project = _copy(tmp_path, "convert_caching")
    app = project / "app.py"
    app.write_text(
        app.read_text().replace(
            '@server.route("/api/computed/<key>")', '@server.route("/api/computed/<key>")\n@cache.cached(timeout=60)'
        )
    )
    before = snapshot(project)
    result = _convert(project)
    assert result.returncode == 1
    assert "app.py:21: @cache.cached(timeout=60) on computed_route — Flask-Caching's decorators" in result.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("backend", ["flask", "django"])
def test_a_backend_convert_cannot_move_onto_is_invalid_input(tmp_path, backend):
    project = _copy(tmp_path, "convert_plain")
    result = run_dashgen("convert", "--backend", backend, cwd=project)
    assert result.returncode == 2
    assert "is not a backend convert moves an app onto" in result.stderr


@pytest.mark.parametrize("name", CONVERTED)
def test_converted_modules_import_and_pass_ruff(tmp_path, name):
    project = _copy(tmp_path, name)
    ruff = [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", "--isolated", "--select", "E9,F", "."]
    was_clean = subprocess.run(ruff, cwd=project, capture_output=True).returncode == 0
    assert _convert(project).returncode == 0
    if was_clean:
        checked = subprocess.run(ruff, cwd=project, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
    module = procfile_command(project).split()[1].split(":")[0]
    imported = subprocess.run(
        [sys.executable, "-c", f"import {module}, quart; assert isinstance({module}.server, quart.Quart)"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr


# --- the differential test -----------------------------------------------------------------------
# What legitimately differs between the Flask original and its Quart conversion, and nothing else:
# - `_dash-config`'s `end_id`: Dash 4.4 draws a fresh one on every page load, on every backend;
# - `_dash-config`'s `websocket` key: ASGI backends announce their WebSocket callback endpoint;
# - `?m=` in asset URLs: the modification times of two copies of the same files;
# - `127.0.0.1:<port>` in Pages' meta tags: the two servers listen on different free ports;
# - Content-Type parameters (`; charset=utf-8`): the two frameworks spell them differently;
# - a callback reply without Content-Type counts as JSON: FastAPI's carry none (the body is JSON).


def _normal_page(html: str) -> str:
    def config(match: re.Match) -> str:
        import json

        data = json.loads(match.group(2))
        data.pop("websocket", None)
        data.pop("end_id", None)
        return match.group(1) + json.dumps(data, sort_keys=True) + match.group(3)

    html = re.sub(r'(<script id="_dash-config" type="application/json">)(.*?)(</script>)', config, html, flags=re.S)
    html = re.sub(r"127\.0\.0\.1:\d+", "HOST", html)
    return re.sub(r"([?&])m=[\d.]+", r"\1m=M", html)


def _normal(reply, *, callback: bool = False):
    content_type = (reply.content_type or "").split(";")[0].strip() or ("application/json" if callback else "")
    body = _normal_page(reply.text) if content_type == "text/html" else reply.text
    try:
        import json

        body = json.loads(body)
    except ValueError:
        pass
    return reply.status, content_type, body


def _at_page(body: dict, base: str) -> None:
    """A dcc.Location's properties as the browser fills them on the app's page (the layout has none)."""
    path = "/" + base.split("://", 1)[1].partition("/")[2]
    known = {"pathname": path, "href": base, "search": "", "hash": ""}
    for item in body["inputs"] + body["state"]:
        if item["value"] is None and item["property"] in known:
            item["value"] = known[item["property"]]


def _answers(base: str, root: str, routes) -> list:
    """What the app answers, in order: page, layout, dependencies, each callback with its
    initial inputs, each custom route (never prefixed: they are registered on the server)."""
    page = request(base)
    layout = request(f"{base}_dash-layout")
    dependencies = request(f"{base}_dash-dependencies")
    seen = [("page", _normal(page)), ("layout", _normal(layout)), ("deps", _normal(dependencies))]
    assert page.status == 200 and layout.status == 200 and dependencies.status == 200
    on_server = [callback for callback in dependencies.json() if callback.get("clientside_function") is None]
    for body in callback_requests(layout.json(), on_server):
        _at_page(body, base)
        reply = request(f"{base}_dash-update-component", body)
        assert reply.status == 200, reply.text[:300]
        seen.append((body["output"], _normal(reply, callback=True)))
    for method, path, body in routes:
        reply = request(f"{root}{path}", body) if method == "POST" else request(f"{root}{path}")
        seen.append((f"{method} {path}", _normal(reply)))
    return seen


# Its original imports dash_core_components, which does not install beside Dash 4 (the reason
# convert modernises it): there is nothing to boot it with, so only its conversion is booted.
NO_ORIGINAL = "convert_old_components"


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
@pytest.mark.parametrize("name", [name for name in CONVERTED if name != NO_ORIGINAL])
def test_the_conversion_answers_as_the_original(tmp_path, name, prefix):
    original = _copy(tmp_path / "original", name)
    converted = _copy(tmp_path / "converted", name)
    assert _convert(converted).returncode == 0
    assert procfile_command(original).startswith("gunicorn")
    assert procfile_command(converted).startswith("uvicorn")
    routes = ROUTES.get(name, [])
    answers = []
    for project in (original, converted):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            answers.append(_answers(f"{server.base}{prefix or '/'}", server.base, routes))
    flask, quart = answers
    assert len(flask) == len(quart) >= 4
    for (what, before), (_, after) in zip(flask, quart, strict=True):
        assert before == after, f"{what} differs: {before!r:.300} vs {after!r:.300}"
    if name == "convert_caching":
        first, second = [body for what, (_, _, body) in quart if what.startswith("GET")]
        assert first == second and first["key"] == "a"  # a miss would have counted one more run
    if routes:  # each route answered itself, not Dash's catch-all page
        assert all(
            "_dash-config" not in str(body)
            for what, (_, _, body) in flask
            if what.startswith(("GET", "POST")) and "no-such" not in what
        )


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
def test_the_modernised_app_serves_its_callbacks(tmp_path, prefix):
    project = _copy(tmp_path, NO_ORIGINAL)
    assert _convert(project).returncode == 0
    with boot(project, procfile_command(project), prefix=prefix) as server:
        answers = dict(_answers(f"{server.base}{prefix or '/'}", server.base, []))
    assert answers["table.data"][2]["response"] == {"table": {"data": [{"n": 0}, {"n": 1}]}}


# --- FastAPI: apps without Flask code ----------------------------------------------------------


@pytest.mark.parametrize("name", ["convert_plain", "convert_old_components"])
def test_an_app_without_flask_code_moves_onto_fastapi(tmp_path, name):
    project = _copy(tmp_path, name)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    assert 'backend="fastapi"' in (project / "app.py").read_text()
    assert "dash[fastapi]" in (project / "requirements.txt").read_text()
    assert procfile_command(project).startswith("uvicorn app:server")
    again = _convert(project, backend="fastapi")
    assert "Nothing to convert: the app runs on FastAPI already." in again.stdout
    onto_quart = _convert(project)
    assert onto_quart.returncode == 1 and "convert moves Flask-backed Dash apps only" in onto_quart.stderr


@pytest.mark.parametrize(
    ("name", "blockers"),
    [
        (
            "convert_own_server",
            [
                "app.py:4: flask.session",
                "app.py:9: server.config, Flask's config — FastAPI has no config: move it to settings or app.state",
                "app.py:11: server.secret_key, Flask's config — FastAPI has no config",
                "app.py:16: request.user_agent.string, a read of the request",
                "app.py:26: not_found, the errorhandler hook",
            ],
        ),
    ],
)
def test_flask_code_is_refused_on_fastapi_and_nothing_changes(tmp_path, name, blockers):
    project = _copy(tmp_path, name)
    before = snapshot(project)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 1
    for blocker in blockers:
        assert blocker in result.stderr, result.stderr
    assert "Quart has no" not in result.stderr
    assert snapshot(project) == before


UNROUTED = "/api/items/abc"
FASTAPI_ROUTES = {
    "convert_plain": [],
    "convert_fastapi_routes": [
        ("GET", "/api/items/21", None),
        ("GET", UNROUTED, None),  # not an int: no route matches, on both
        ("GET", "/api/planets/venus", None),
        ("GET", "/api/planets/pluto", None),
        ("GET", "/api/planets", None),
    ],
}


def test_plain_get_routes_move_onto_fastapi(tmp_path):
    project = _copy(tmp_path, "convert_fastapi_routes")
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = (project / "app.py").read_text()
    assert "flask" not in text
    get = 'methods=["GET", "HEAD"])'  # Flask answers HEAD wherever it answers GET
    assert f'@server.api_route("/api/items/{{item_id:int}}", {get}\ndef item(item_id: int):' in text
    assert f'@server.api_route("/api/planets/{{name}}", {get}\ndef planet(name):' in text
    assert "    return dict(name=name, order=PLANETS[name])" in text
    assert f'@app.server.api_route("/api/planets", {get}' in text
    after = snapshot(project)
    assert "Nothing to convert" in _convert(project, backend="fastapi").stdout
    assert snapshot(project) == after


# Each a one-line change of a test app into what stays on Flask, and the blocker it gets.
FASTAPI_REFUSALS = [
    ("convert_fastapi_routes", "<int:item_id>", "<float:item_id>", "app.py:12: item, a route whose parameters"),
    (
        "convert_fastapi_routes",
        "/api/planets/<name>",
        "/api/planets/<any(a, b):name>",
        "app.py:17: planet, a route whose",
    ),
    (
        "convert_fastapi_routes",
        "def planets():",
        "def planets(page=1):",
        "app.py:24: planets, a route whose parameters",
    ),
    (
        "convert_fastapi_routes",
        '"/api/planets")',
        '"/api/planets/")',
        "app.py:24: planets, a route ending in / — Flask",
    ),
    (
        "convert_fastapi_routes",
        'return {"planets": sorted(PLANETS)}',
        "return sorted(PLANETS)",
        "app.py:25: planets, a return dashgen cannot type (sorted(PLANETS)) — return jsonify(...), a dict or list",
    ),
    (
        "convert_fastapi_routes",
        "PLANETS = {",
        "SHOWN = jsonify\nPLANETS = {",
        "app.py:8: flask's jsonify used where dashgen cannot map it — FastAPI has no equal dashgen has proved",
    ),
    (
        "convert_fastapi_api",
        'q = request.args.get("q", "")',
        'q = request.args["q"]',
        "app.py:13: request.args['q'], a read of the request — FastAPI's Request gets only",
    ),
    (
        "convert_fastapi_api",
        "body = request.get_json()",
        "body = request.form",
        "app.py:20: request.form, a read of the request",
    ),
    (
        "convert_fastapi_api",
        'return jsonify({"added": body["name"]}), 201',
        'return jsonify({"added": body["name"]}), CREATED',
        "app.py:23: add_item, a returned status dashgen cannot read",
    ),
    (
        "convert_fastapi_api",
        'return send_file("report.csv")',
        'return send_file("report.csv", as_attachment=True)',
        "app.py:77: download, send_file(...) with options",
    ),
    (
        "convert_fastapi_api",
        'return f"you chose {fruit}"',
        'return f"you chose {fruit} from {request.remote_addr}"',
        "app.py:100: flask's request used where dashgen cannot map it",  # in a callback, not a view
    ),
    (
        "convert_fastapi_server",
        "server = Flask(__name__)",
        'server = Flask(__name__, static_folder="assets")',
        "app.py:6: Flask(__name__, static_folder='assets'), Flask's arguments — FastAPI() takes none of Flask's",
    ),
    (
        "convert_fastapi_server",
        "server = Flask(__name__)",
        'server = Flask(__name__)\nserver.config["SECRET_KEY"] = "x"',
        "app.py:7: server.config, Flask's config — FastAPI has no config: move it to settings or app.state",
    ),
    (
        "convert_fastapi_server",
        '@server.route("/api/status")',
        '@server.before_request\ndef again():\n    return None\n\n\n@server.route("/api/status")',
        "a second before_request hook — several hooks run in Flask's order, not a middleware stack's",
    ),
    (
        "convert_fastapi_server",
        ['return jsonify(error="forbidden"), 403', "jsonify, request"],
        ["abort(403)", "abort, jsonify, request"],
        "app.py:13: abort(...) in the guard hook — an HTTPException raised in a middleware is a 500 on FastAPI",
    ),
    (
        "convert_fastapi_server",
        'response.headers["X-Frame-Options"] = "DENY"',
        'response.headers["X-Size"] = str(len(response.get_data()))',
        "app.py:19: secure: response.get_data — an after_request hook moves only when it sets headers",
    ),
    (
        "convert_fastapi_server",
        '@server.route("/admin/stats")',
        "@server.errorhandler(404)\ndef missing(error):\n    return 'no', 404\n\n\n@server.route(\"/admin/stats\")",
        "missing, the errorhandler hook — only a plain before_request() and after_request(response) become",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "blocker"), FASTAPI_REFUSALS)
def test_flask_code_fastapi_has_no_exact_equal_for_is_refused(tmp_path, name, old, new, blocker):
    project = _copy(tmp_path, name)
    app = project / "app.py"
    pairs = zip(old, new, strict=True) if isinstance(old, list) else [(old, new)]
    for before_text, after_text in pairs:
        assert before_text in app.read_text()
        app.write_text(app.read_text().replace(before_text, after_text, 1))
    before = snapshot(project)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 1
    assert blocker in result.stderr, result.stderr
    assert snapshot(project) == before


def test_import_flask_unused_goes_and_flask_flask_becomes_fastapi(tmp_path):
    project = _copy(tmp_path, "convert_fastapi_server")
    app = project / "app.py"
    text = app.read_text().replace("server = Flask(__name__)", "server = flask.Flask(__name__)")
    app.write_text(
        text.replace("from flask import Flask, jsonify, request", "import flask\nfrom flask import jsonify, request")
    )
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    converted = app.read_text()
    assert "import flask" not in converted and "flask." not in converted and "from flask" not in converted
    assert "from fastapi import FastAPI, HTTPException, Request\n" in converted and "server = FastAPI()\n" in converted
    plain = _copy(tmp_path, "convert_fastapi_routes")
    (plain / "app.py").write_text("import flask\n" + (plain / "app.py").read_text())
    assert _convert(plain, backend="fastapi").returncode == 0
    assert "import flask" not in (plain / "app.py").read_text()


def test_converted_fastapi_modules_import_pass_ruff_and_a_second_run_has_nothing_to_do(tmp_path):
    for name in FASTAPI_FLASK_CODE:
        project = _copy(tmp_path, name)
        assert _convert(project, backend="fastapi").returncode == 0
        after = snapshot(project)
        assert "Nothing to convert" in _convert(project, backend="fastapi").stdout
        assert snapshot(project) == after
        imported = subprocess.run(
            [sys.executable, "-c", "import app, fastapi; assert isinstance(app.server, fastapi.FastAPI)"],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert imported.returncode == 0, imported.stderr
        ruff = [Path(sys.executable).parent / "ruff", "check", "--no-cache", "--select", "F,E9", "app.py"]
        ruff = subprocess.run(ruff, cwd=project, capture_output=True, text=True)
        assert ruff.returncode == 0, ruff.stdout


def test_an_after_hook_above_the_before_hook_is_refused(tmp_path):
    """Flask runs after_request on what before_request answered; a middleware registered first
    is the inner one and would not: the after hook must be below."""
    project = _copy(tmp_path, "convert_fastapi_server")
    app = project / "app.py"
    text = app.read_text()
    before_hook = text[text.index("@server.before_request") : text.index("@server.after_request")]
    after_hook = text[text.index("@server.after_request") : text.index('@server.route("/api/status")')]
    app.write_text(text.replace(before_hook + after_hook, after_hook + before_hook))
    result = _convert(project, backend="fastapi")
    assert result.returncode == 1
    assert "guard, a before_request hook below the after_request hook" in result.stderr, result.stderr


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
@pytest.mark.parametrize("name", sorted(FASTAPI_ROUTES))
def test_the_fastapi_conversion_answers_as_the_original(tmp_path, prefix, name):
    original = _copy(tmp_path / "original", name)
    converted = _copy(tmp_path / "converted", name)
    assert _convert(converted, backend="fastapi").returncode == 0
    answers = []
    for project in (original, converted):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            answers.append(_answers(f"{server.base}{prefix or '/'}", server.base, FASTAPI_ROUTES[name]))
    assert len(answers[0]) == len(answers[1]) >= 4
    for (what, before), (_, after) in zip(*answers, strict=True):
        if prefix and what == f"GET {UNROUTED}":
            # The one difference, the backend's and not the conversion's (docs/convert.md): Dash
            # 4.4 registers FastAPI's catch-all without the prefix, so a path outside it that no
            # route has gets Dash's page where Flask, whose catch-all is below the prefix, says 404.
            assert before[0] == 404 and after[0] == 200 and "_dash-config" in after[2]
            continue
        assert before == after, f"{what} differs: {before!r:.300} vs {after!r:.300}"


# --- FastAPI: Flask's routes, request, responses and hooks ------------------------------------
# Requested without following redirects, with the headers and raw bodies a client sends:
# (method, path, body bytes or None, request headers, response headers compared).
JSON = {"Content-Type": "application/json"}
FASTAPI_FLASK_CODE = {
    "convert_fastapi_api": [
        ("GET", "/api/search?q=dash&tag=a&tag=b&page=2", None, {}, ()),
        ("GET", "/api/search", None, {}, ()),
        ("POST", "/api/items", b'{"name": "kiwi"}', JSON, ()),
        ("POST", "/api/items", b'{"x": 1}', JSON, ()),
        ("POST", "/api/items", b"", {}, ()),  # no JSON body: 415 on Flask
        ("POST", "/api/items", b"{not json", JSON, ()),  # 400 on Flask
        ("GET", "/api/echo", None, {}, ()),
        ("POST", "/api/echo", b'{"a": [1, 2]}', JSON, ()),
        ("POST", "/api/echo", b"{bad", JSON, ()),  # silent: None
        ("GET", "/api/items/1", None, {}, ()),
        ("GET", "/api/items/9", None, {}, ()),  # abort(404)
        ("GET", "/api/items/2/label", None, {}, ()),
        ("GET", "/api/list", None, {}, ()),
        ("HEAD", "/api/list", None, {}, ()),
        ("POST", "/api/list", None, {}, ()),  # 405: GET and HEAD only
        ("GET", "/hello/ann", None, {}, ("X-Greeting",)),
        ("GET", "/old-page", None, {}, ("Location",)),
        ("GET", "/moved", None, {}, ("Location",)),
        ("GET", "/whoami", None, {"User-Agent": "probe/1", "Cookie": "theme=dark"}, ()),
        ("GET", "/report.csv", None, {}, ()),
        ("GET", "/download", None, {}, ()),
        ("GET", "/files/readme.txt", None, {}, ()),
        ("GET", "/files/missing.txt", None, {}, ()),
        ("GET", "/files/..", None, {}, ()),  # outside the folder: 404 (werkzeug's safe_join)
        ("GET", "/docs/readme.txt", None, {}, ()),
        ("GET", "/docs/sub/note.txt", None, {}, ()),
        ("GET", "/docs/sub/../readme.txt", None, {}, ()),
        ("GET", "/docs/../app.py", None, {}, ()),
        ("GET", "/docs/", None, {}, ()),  # <path:> never matches the empty string: no route
        ("GET", "/download-missing", None, {}, ()),  # a 500 on both
    ],
    "convert_fastapi_server": [
        ("GET", "/api/status", None, {}, ("X-Frame-Options", "X-Served-By")),
        ("GET", "/admin/stats", None, {}, ("X-Frame-Options", "X-Served-By")),
        ("GET", "/admin/stats", None, {"X-Token": "secret"}, ("X-Frame-Options", "X-Served-By")),
        ("POST", "/api/submit", b'{"n": 2}', JSON, ("X-Frame-Options",)),
        ("DELETE", "/api/submit", None, {}, ()),
        ("GET", "/_dash-layout", None, {}, ("X-Frame-Options", "X-Served-By")),
    ],
}


def _raw(base: str, method: str, path: str, body: bytes | None, headers: dict, compared: tuple):
    """One request as a client sends it (no redirect followed): its status, Content-Type without
    parameters, body (parsed when JSON) and the response headers named."""
    import http.client
    import json
    from urllib.parse import urlsplit

    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=20)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    content_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
    if content_type == "text/html":
        text = _normal_page(text)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = text
    return response.status, content_type, parsed, {name: response.getheader(name) for name in compared}


def _tolerated(before, after) -> bool:
    """The differences between Flask's answer and FastAPI's that are the frameworks' and not the
    conversion's: an error page's body (Flask's HTML, FastAPI's {"detail": ...}, same status) and
    a redirect's body (Flask's "Redirecting..." page, Starlette's empty one; same status and
    Location)."""
    status, kind, _, headers = before
    if status >= 500:  # Flask's HTML page, Starlette's plain "Internal Server Error"
        return status == after[0]
    if status >= 400 and kind == "text/html" and after[1] == "application/json" and "detail" in after[2]:
        return (status, headers) == (after[0], after[3])
    if 300 <= status < 400:
        return (status, headers) == (after[0], after[3])
    return False


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
@pytest.mark.parametrize("name", sorted(FASTAPI_FLASK_CODE))
def test_flask_routes_and_hooks_on_fastapi_answer_as_the_original(tmp_path, prefix, name):
    original = _copy(tmp_path / "original", name)
    converted = _copy(tmp_path / "converted", name)
    result = _convert(converted, backend="fastapi")
    assert result.returncode == 0, result.stderr
    assert procfile_command(converted).startswith("uvicorn")
    answers = []
    for project in (original, converted):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            seen = _answers(f"{server.base}{prefix or '/'}", server.base, [])
            for method, path, body, headers, compared in FASTAPI_FLASK_CODE[name]:
                path = (prefix or "/") + path[1:] if path.startswith("/_dash") else path
                seen.append((f"{method} {path} {headers}", _raw(server.base, method, path, body, headers, compared)))
            answers.append(seen)
    assert len(answers[0]) == len(answers[1]) >= 4
    for (what, before), (_, after) in zip(*answers, strict=True):
        if prefix and what.startswith("GET /docs/ "):
            # No route has it, and it is outside the prefix: Dash's difference (above), not the conversion's.
            assert before[0] == 404 and after[0] == 200 and "_dash-config" in after[2]
            continue
        assert before == after or _tolerated(before, after), f"{what} differs: {before!r:.400} vs {after!r:.400}"
    routes = [reply for what, reply in answers[0] if what.startswith(("GET /", "POST /", "DELETE /"))]
    assert all("_dash-config" not in str(reply[2]) for reply in routes if "_dash" not in str(reply))
