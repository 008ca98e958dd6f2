"""`dashgen convert --backend quart` on the apps in tests/apps/convert_*: what it writes, what it
refuses (changing nothing), and — booted from their Procfiles — the original on gunicorn and the
conversion on uvicorn answering the same requests alike."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import boot, callback_requests, docker_cmd, edit, procfile_command, request, run_dashgen, snapshot

from dashgen.backends import BACKENDS
from dashgen.convert.extensions import login_module_text

APPS = Path(__file__).parent / "apps"
CONVERTED = [
    "convert_plain",
    "convert_own_server",
    "convert_routes",
    "convert_multi_module",
    "convert_old_components",
    "convert_caching",
    "convert_cache_factory",
    "convert_pages",
    "convert_wsgi_entry",
    "convert_pages_helper",
    "convert_basic_auth",
    "convert_compress",
    "convert_login_session",
]
# Booted with their own requests below: every request without credentials answers 401; the
# compressing conversion needs quart-compress, which the test venv leaves out (_with_quart_compress);
# the login's original needs Flask-Login, which it leaves out too (_with_flask_login).
OWN_BOOT = {"convert_basic_auth", "convert_compress", "convert_login_session"}
# The custom routes of each app, requested on both sides: (method, path, JSON body or None).
ROUTES = {
    "convert_own_server": [
        ("GET", "/whoami?tag=first", None),
        ("GET", "/whoami", None),
        ("GET", "/api/no-such-route", None),
    ],
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


def _refused_on_fastapi(project: Path, file: Path, original: str, edits: tuple) -> None:
    """Each (old, new, blocker) of `edits` on its own: with `file` written as `original` where
    old reads new, `convert --backend fastapi` is refused, names `blocker` and writes nothing."""
    for old, new, blocker in edits:
        file.write_text(original.replace(old, new))
        before = snapshot(project)
        refused = _convert(project, backend="fastapi")
        assert refused.returncode == 1 and snapshot(project) == before, refused.stdout
        assert blocker in refused.stderr, refused.stderr


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


DOCKER_CMDS = {
    "exec": 'CMD ["gunicorn", "app:server", "-b", ":8000", "--timeout", "120"]',
    "shell": "CMD gunicorn app:server --workers 3 --bind 0.0.0.0:8000",
    # continued over several lines, as long CMDs are written: rewritten on one line
    "exec-continued": 'CMD ["gunicorn", "app:server", \\\r\n    "-b", ":8000", "--timeout", "120"]',
    "shell-continued": "CMD gunicorn app:server \\\r\n    --workers 3 \\\r\n    --bind 0.0.0.0:8000",
}


@pytest.mark.parametrize("form", list(DOCKER_CMDS))
def test_a_dockerfile_cmd_running_gunicorn_runs_uvicorn(tmp_path, form):
    project = _copy(tmp_path, "convert_plain")
    (project / "Procfile").unlink()
    (project / "Dockerfile").write_text(f"FROM python:3.12\r\nCOPY . .\r\n{DOCKER_CMDS[form]}\r\nEXPOSE 8000\r\n")
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    lines = (project / "Dockerfile").read_bytes().decode().split("\r\n")
    assert lines[:2] == ["FROM python:3.12", "COPY . ."] and lines[3:] == ["EXPOSE 8000", ""]
    if form.startswith("exec"):
        assert json.loads(lines[2].removeprefix("CMD ")) == [
            "sh", "-c", "exec uvicorn app:server --workers ${WEB_CONCURRENCY:-2} --no-access-log"
            " --host 0.0.0.0 --port 8000"
        ]  # fmt: skip
        assert "Dockerfile:3: dropped `--timeout 120`" in result.stdout
    else:
        assert lines[2] == "CMD uvicorn app:server --no-access-log --workers 3 --host 0.0.0.0 --port 8000"
    assert "Dockerfile:3: gunicorn is replaced by uvicorn" in result.stdout
    assert "gunicorn" not in (project / "requirements.txt").read_text()


@pytest.mark.server
def test_the_rewritten_dockerfile_cmd_serves_the_converted_app(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    (project / "Dockerfile").write_text(f"FROM python:3.12\nCOPY . .\n{DOCKER_CMDS['exec']}\n")
    assert _convert(project).returncode == 0
    for prefix in (None, "/p/"):
        with boot(project, docker_cmd(project), prefix=prefix) as server:
            page = request(f"{server.base}{prefix or '/'}")
            assert page.status == 200 and "_dash-config" in page.text


def test_an_entry_module_gets_the_worker_start_up_through_the_module_creating_the_app(tmp_path):
    project = _copy(tmp_path, "convert_wsgi_entry")
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert procfile_command(project).startswith("uvicorn wsgi:application ")
    assert "identical  wsgi.py" in result.stdout and "setup-race" not in result.stderr
    assert "@server.before_serving\nasync def finish_dash_setup():" in (project / "app.py").read_text()
    check = run_dashgen("check", cwd=project)
    assert "before_serving" not in check.stdout + check.stderr


def test_a_dockerfile_cmd_dashgen_cannot_rewrite_blocks(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    for cmd in (
        'CMD ["gunicorn", \\\n# a comment Docker drops\n  "app:server"]',
        "CMD ./start.sh",
        "CMD cd src && gunicorn app:server",
    ):
        (project / "Dockerfile").write_text(f"FROM python:3.12\nCOPY . .\n{cmd}\n")
        (project / "start.sh").write_text("#!/bin/sh\nexec gunicorn app:server\n")
        before = snapshot(project)
        result = _convert(project)
        assert result.returncode == 1 and snapshot(project) == before, cmd
        assert "Dockerfile:3: CMD runs " in result.stderr, result.stderr


def test_gunicorn_is_kept_while_something_else_runs_it(tmp_path):
    project = _copy(tmp_path, "convert_plain")
    (project / "Procfile").write_text("web: gunicorn app:server\nadmin: gunicorn app:server --bind :9000\n")
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "gunicorn==23.0.0" in (project / "requirements.txt").read_text()
    assert "admin: gunicorn app:server --bind :9000" in (project / "Procfile").read_text()


def _errors(project: Path) -> set[str]:
    result = run_dashgen("check", "--target", "enterprise", "--format", "json", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return {finding["code"] for finding in json.loads(result.stdout)["findings"] if finding["severity"] == "error"}


@pytest.mark.parametrize("backend", ["quart", "fastapi"])
@pytest.mark.parametrize("name", CONVERTED)
def test_check_finds_no_error_the_original_did_not_have(tmp_path, name, backend):
    project = _copy(tmp_path, name)
    before, files = _errors(project), snapshot(project)
    result = _convert(project, backend=backend)
    if result.returncode == 1:  # refused (FastAPI takes fewer apps): every file as it was
        assert snapshot(project) == files and "nothing was changed" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert _errors(project) <= before


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


def test_a_module_beside_the_app_that_uses_flask_and_that_the_app_does_not_import_blocks(tmp_path):
    # The package's entry module imports the app (`from src.app import app`), not the other way
    # round: the app's imports never lead to it, and left on Flask it would answer 500.
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "__init__.py").write_text("")
    (project / "src" / "app.py").write_text("from dash import Dash\n\napp = Dash(__name__)\nserver = app.server\n")
    (project / "src" / "index.py").write_text(
        "import flask\n\nfrom src.app import app\n\n\ndef visitor():\n    return flask.request.cookies.get('v')\n"
    )
    (project / "requirements.txt").write_text("dash>=4.2.0\ngunicorn\n")
    (project / "Procfile").write_text("web: gunicorn src.app:server\n")
    before = snapshot(project)
    result = _convert(project)
    assert result.returncode == 1 and snapshot(project) == before
    assert "src/index.py:1: an import of flask in a module the app does not import" in result.stderr


@pytest.mark.parametrize("backend", ["flask", "django"])
def test_a_backend_convert_cannot_move_onto_is_invalid_input(tmp_path, backend):
    project = _copy(tmp_path, "convert_plain")
    result = run_dashgen("convert", "--backend", backend, cwd=project)
    assert result.returncode == 2
    assert "is not a backend convert moves an app onto" in result.stderr


@pytest.mark.parametrize("name", CONVERTED)
def test_converted_modules_import_and_pass_ruff(tmp_path, venv_cache, name):
    project = _copy(tmp_path, name)
    ruff = [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", "--isolated", "--select", "E9,F", "."]
    was_clean = subprocess.run(ruff, cwd=project, capture_output=True).returncode == 0
    assert _convert(project).returncode == 0
    if was_clean:
        checked = subprocess.run(ruff, cwd=project, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout
    module, _, variable = procfile_command(project).split()[1].partition(":")
    imported = subprocess.run(
        [sys.executable, "-c", f"import {module}, quart; assert isinstance({module}.{variable}, quart.Quart)"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **(_with_quart_compress(venv_cache) if name == "convert_compress" else {})},
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
@pytest.mark.parametrize("name", [name for name in CONVERTED if name != NO_ORIGINAL and name not in OWN_BOOT])
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
        for side in (flask, quart):  # a miss would have counted one more run
            first, second = [body for what, (_, _, body) in side if what.startswith("GET")]
            assert first == second and first["key"] == "a"
    if name == "convert_pages_helper":  # both callbacks got the helper's first run: a hit
        replies = [str(body) for what, (_, _, body) in quart if what.endswith(".children")]
        assert len(replies) == 2 and all("run 1" in reply for reply in replies), replies
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
                "app.py:4: flask.g",
                "app.py:9: server.config, Flask's config — FastAPI has no config: move it to settings or app.state",
                "app.py:10: server.config, Flask's config — FastAPI has no config",  # a session setting
                "app.py:16: request.user_agent.string, a read of the request",
                "app.py:28: not_found, the errorhandler hook",
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
    "convert_compress": [],
    "convert_caching": ROUTES["convert_caching"],
    "convert_routes": ROUTES["convert_routes"],
    "convert_cache_factory": [],
    "convert_fastapi_cache_own_server": [],
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
        "body = request.files",
        "app.py:20: request.files, a read of the request",
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
        'return send_file("report.csv", download_name="r.csv")',
        "app.py:77: download, send_file(...) with options",
    ),
    (
        "convert_fastapi_api",
        'return f"you chose {fruit}"',
        'return f"you chose {fruit} at {request.path}"',
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
        tolerated = _tolerated((*before, {}), (*after, {}))  # an error page's body: see _tolerated
        assert before == after or tolerated, f"{what} differs: {before!r:.300} vs {after!r:.300}"
    if name == "convert_caching":
        for side in answers:  # the second answer is the first run's number again on both: a hit
            first, second = [body for what, (_, _, body) in side if what.startswith("GET")]
            assert first == second and first["key"] == "a"


# --- Flask extensions: dash_auth, compress, Flask-Caching, flask_login ----------------------------


def _fetch(url: str, headers: dict | None = None, body: dict | None = None):
    """(status, headers, raw body): what a client receives, Content-Encoding not undone."""
    import urllib.error
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    sent = {**(headers or {}), **({"Content-Type": "application/json"} if body is not None else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=sent), timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def _decoded(headers, raw: bytes) -> bytes:
    import gzip

    import brotli  # Flask-Compress's own dependency

    encoding = headers.get("Content-Encoding")
    return gzip.decompress(raw) if encoding == "gzip" else brotli.decompress(raw) if encoding == "br" else raw


def _bundle(page_html: str) -> str:
    """The path of dash_renderer's bundle, as the page links it."""
    return re.search(r'src="([^"]*dash_renderer[^"]*\.min\.js[^"]*)"', page_html).group(1)


def _basic(user: str, password: str) -> dict:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


_CALLBACK = {
    "output": "greeting.children",
    "outputs": {"id": "greeting", "property": "children"},
    "inputs": [{"id": "name", "property": "value", "value": "ada"}],
    "changedPropIds": [],
    "state": [],
}


def _auth_answers(base: str, root: str) -> list:
    right = _basic("ada", "lovelace")
    status, _, page = _fetch(base, right)
    assert status == 200
    seen = []
    for credentials in ({}, _basic("ada", "babbage"), {"Authorization": "Bearer x"}, right):
        for what, url, body in (
            ("page", base, None),
            ("layout", f"{base}_dash-layout", None),
            ("callback", f"{base}_dash-update-component", _CALLBACK),
            ("bundle", f"{root}{_bundle(page.decode())}", None),
        ):
            if what == "page" and credentials is right:
                continue  # compared below, normalised
            if credentials.get("Authorization", "").startswith("Bearer") and what != "page":
                continue
            status, headers, raw = _fetch(url, credentials, body)
            reply = raw.decode() if status != 200 or what != "bundle" else len(raw)
            if status == 200 and what in ("layout", "callback"):
                reply = json.loads(reply)
            kind = (headers.get("Content-Type") or "").split(";")[0] if status == 401 else ""
            seen.append(
                (what, credentials.get("Authorization", "")[:6], status, headers.get("WWW-Authenticate"), kind, reply)
            )
    seen.append(("page", "right", 200, None, "", _normal_page(page.decode())))
    return seen


# --- FastAPI: Flask's routes, request, responses and hooks ------------------------------------
# Requested without following redirects, with the headers and raw bodies a client sends:
# (method, path, body bytes or None, request headers, response headers compared).
JSON = {"Content-Type": "application/json"}


def _callback_body(output: str) -> bytes:
    """The body of the callback of convert_fastapi_callback_request whose output is `output`."""
    return json.dumps(
        {
            "output": f"{output}.children",
            "outputs": {"id": output, "property": "children"},
            "inputs": [{"id": "name", "property": "value", "value": "ada"}],
            "changedPropIds": [],
            "state": [],
        }
    ).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MULTIPART = b'--b0\r\nContent-Disposition: form-data; name="name"\r\n\r\nbo\r\n--b0--\r\n'
# Dash's own paths, below DASH_ROUTES_PATHNAME_PREFIX: its callbacks and a Pages page.
DASH_PATHS = ("/_dash", "/report")
# Dash Pages' own callback, as the browser sends it for /report?team=ann: the page's layout runs in it.
PAGES_BODY = json.dumps(
    {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/report"},
            {"id": "_pages_location", "property": "search", "value": "?team=ann"},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
).encode()

FASTAPI_FLASK_CODE = {
    "convert_fastapi_api": [
        ("GET", "/api/search?q=dash&tag=a&tag=b&page=2", None, {}, ()),
        ("GET", "/api/search?q=dash&q=flask&page=2&page=3", None, {}, ()),  # Werkzeug: the first of each
        ("GET", "/api/maybe?yes=1", None, {}, ()),
        ("GET", "/api/maybe", None, {}, ()),  # the view ends without returning: 500 on Flask
        ("POST", "/api/signup", b"name=ann&tag=a&tag=b&team=x&team=y", FORM, ()),
        ("POST", "/api/signup", b"tag=a", FORM, ()),  # request.form["name"] missing: 400 on Flask
        ("POST", "/api/signup", b"", {}, ()),  # no form: empty
        ("POST", "/api/signup", b'{"name": "ann"}', JSON, ()),  # a JSON body is no form
        ("POST", "/api/signup", MULTIPART, {"Content-Type": "multipart/form-data; boundary=b0"}, ()),
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
        ("GET", "/whoami", None, {"Cookie": "theme=dark; theme=light"}, ()),  # Werkzeug: the first of a name sent twice
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
    "convert_fastapi_cwd_files": [
        ("GET", "/downloads/readme.txt", None, {}, ()),
        ("GET", "/downloads/missing.txt", None, {}, ()),
        ("GET", "/downloads/../app.py", None, {}, ()),
        ("GET", "/attachments/readme.txt", None, {}, ("Content-Disposition",)),
        ("GET", "/attachments/my%20report.csv", None, {}, ("Content-Disposition",)),
        ("GET", "/attachments/r%C3%A9sum%C3%A9.txt", None, {}, ("Content-Disposition",)),
        ("GET", "/attachments/missing.txt", None, {}, ()),
        ("GET", "/downloads/data.csv.gz", None, {}, ("Content-Encoding",)),
        ("GET", "/attachments/data.csv.gz", None, {}, ("Content-Encoding", "Content-Disposition")),
    ],
    "convert_fastapi_static": [
        ("GET", "/static/css/site.css", None, {}, ("Content-Length",)),
        ("HEAD", "/static/css/site.css", None, {}, ("Content-Length",)),
        ("GET", "/static/robots.txt", None, {}, ()),
        ("GET", "/static/missing.css", None, {}, ()),  # Flask's static route: 404, never the view
        ("GET", "/static/css/../robots.txt", None, {}, ()),
        ("GET", "/static/../app.py", None, {}, ()),
        ("POST", "/static/robots.txt", None, {}, ()),  # 405: GET and HEAD only
    ],
    "convert_fastapi_pages_request": [
        ("GET", "/report?team=ann&team=bo%20b", None, {}, ()),  # the description: Werkzeug's MultiDict, the raw query
        ("GET", "/report", None, {}, ()),
        ("POST", "/_dash-update-component", PAGES_BODY, JSON, ()),
        ("POST", "/_dash-update-component?team=cy&team=di", PAGES_BODY, JSON, ()),
    ],
    "convert_fastapi_callback_request": [
        ("GET", "/api/ping", None, {}, ()),
        (
            "POST",
            "/_dash-update-component?page=3&page=4&tag=a&tag=b",
            _callback_body("seen"),
            {**JSON, "Cookie": "theme=dark; theme=light"},  # a name of two paths: Werkzeug reads the first
            (),
        ),
        ("POST", "/_dash-update-component", _callback_body("client"), {**JSON, "User-Agent": "probe/2"}, ()),
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
    conversion's: an error page's body (Flask's HTML, FastAPI's {"detail": ...}, same status)."""
    status, kind, _, headers = before
    if status >= 500:  # Flask's HTML page, Starlette's plain "Internal Server Error"
        return status == after[0]
    if status >= 400 and kind == "text/html" and after[1] == "application/json" and "detail" in after[2]:
        return (status, headers) == (after[0], after[3])
    return False


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
@pytest.mark.parametrize("backend", ["quart", "fastapi"])
def test_dash_auth_becomes_a_guard_answering_as_basic_auth(tmp_path, backend, prefix):
    original = _copy(tmp_path / "original", "convert_basic_auth")
    converted = _copy(tmp_path / "converted", "convert_basic_auth")
    assert _convert(converted, backend=backend).returncode == 0
    assert "import dash_auth" not in (converted / "app.py").read_text()
    answers = []
    for project in (original, converted):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            answers.append(_auth_answers(f"{server.base}{prefix or '/'}", server.base))
    flask, after = answers
    assert [row[2] for row in flask] == [401] * 8 + [500] + [200] * 4
    for before, now in zip(flask, after, strict=True):
        if before[1] == "Bearer":
            # dash_auth reads any header as Basic and fails (500); the guard says 401, as to no credentials.
            assert before[2] == 500 and now[2:] == (
                401,
                'Basic realm="User Visible Realm"',
                "text/html",
                "Login Required",
            )
            continue
        assert before == now, f"{before!r:.300} vs {now!r:.300}"
    assert flask[0][2:] == (401, 'Basic realm="User Visible Realm"', "text/html", "Login Required")


def test_dash_auth_forms_convert_and_what_it_cannot_map_is_refused(tmp_path):
    project = _copy(tmp_path, "convert_basic_auth")
    app = project / "app.py"
    original = app.read_text()
    app.write_text(
        original.replace("import dash_auth\n", "from dash_auth import BasicAuth\n")
        .replace('USERS = {"ada": "lovelace", "grace": "hopper"}\n', "")
        .replace("dash_auth.BasicAuth(app, USERS)", 'BasicAuth(app, [("ada", "lovelace")])')
    )
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    text = app.read_text()
    assert 'BASIC_AUTH_USERS = dict([("ada", "lovelace")])' in text and "BasicAuth" not in text.split('"""')[2]
    assert "removed dash-auth" in result.stdout
    app.write_text(original.replace("auth = dash_auth.BasicAuth", "dash_auth.BasicAuth"))  # the bare statement
    assert _convert(project).returncode == 0 and "BasicAuth" not in app.read_text().split('"""')[2]
    for old, new, blocker in (
        ("BasicAuth(app, USERS)", "BasicAuth(app, USERS, public_routes=[])", "app.py:9: BasicAuth(public_routes=...)"),
        ("BasicAuth(app, USERS)", "BasicAuth(app, auth_func=len)", "app.py:9: BasicAuth(auth_func=...)"),
        ("auth = dash_auth.BasicAuth(app, USERS)", "print(dash_auth.BasicAuth(app, USERS))",
         "not as a statement of its own"),
        ("auth = dash_auth", "auth.x = auth = dash_auth", "a BasicAuth object the app reads"),
        ("server = app.server\n", 'server = app.server\nserver.config["SECRET_KEY"] = "dev"\n',
         "app.py:10: dash_auth.BasicAuth on a server given a secret key (app.py:9)"),
        ("# as Dash's docs write it", "\nprint(auth)",
         "app.py:9: auth = dash_auth.BasicAuth(app, USERS), a BasicAuth object the app reads"),
        ("dash_auth.BasicAuth(app, USERS)", "dash_auth.BasicAuth(app, USERS)\ndash_auth.protected(1)",
         "app.py:10: dash_auth.protected, a use of dash_auth"),
    ):  # fmt: skip
        app.write_text(original.replace(old, new))
        before = snapshot(project)
        refused = _convert(project)
        assert refused.returncode == 1 and snapshot(project) == before
        assert blocker in refused.stderr and "guard the app by hand" in refused.stderr


def _with_quart_compress(cache: Path) -> dict:
    """The environment that adds quart-compress to the test venv. It is not among the test
    dependencies: it ships a top-level `tests` package, which would shadow this suite's."""
    import tempfile

    target = cache / "quart-compress"
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cache))
        install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(building)]
        subprocess.run([*install, "quart-compress==0.2.1"], check=True, capture_output=True)
        shutil.rmtree(building / "tests", ignore_errors=True)
        try:
            building.rename(target)
        except OSError:  # another worker was first
            shutil.rmtree(building, ignore_errors=True)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}


def _compress_answers(base: str, root: str, accept: str) -> list:
    layout = request(f"{base}_dash-layout").json()
    dependencies = request(f"{base}_dash-dependencies").json()
    (callback,) = callback_requests(layout, dependencies)
    status, _, page = _fetch(base)
    seen = []
    for what, url, body in (
        ("page", base, None),
        ("bundle", f"{root}{_bundle(page.decode())}", None),
        ("callback", f"{base}_dash-update-component", callback),
    ):
        status, headers, raw = _fetch(url, {"Accept-Encoding": accept}, body)
        decoded = _decoded(headers, raw)
        assert status == 200 and (what != "callback" or len(decoded) > 500)
        reply = _normal_page(decoded.decode()) if what == "page" else decoded
        seen.append((what, headers.get("Content-Encoding"), reply))
    return seen


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
@pytest.mark.parametrize("backend", ["quart", "fastapi"])
def test_compress_true_compresses_as_flask_compress(tmp_path, venv_cache, backend, prefix):
    original = _copy(tmp_path / "original", "convert_compress")
    converted = _copy(tmp_path / "converted", "convert_compress")
    assert _convert(converted, backend=backend).returncode == 0
    if backend == "quart":
        assert "quart-compress" in (converted / "requirements.txt").read_text()
    assert "flask-compress" not in (converted / "requirements.txt").read_text()
    answers = []
    env = _with_quart_compress(venv_cache) if backend == "quart" else None
    for project, environment in ((original, None), (converted, env)):
        with boot(project, procfile_command(project), prefix=prefix, env=environment) as server:
            base = f"{server.base}{prefix or '/'}"
            answers.append([_compress_answers(base, server.base, accept) for accept in ("gzip", "gzip, deflate, br")])
    (flask_gzip, flask_br), (gzip_only, offered_br) = answers
    assert [encoding for _, encoding, _ in flask_gzip] == ["gzip"] * 3
    assert flask_gzip == gzip_only
    # The one difference: offered br, Flask-Compress answers br, quart-compress and Starlette gzip.
    assert [encoding for _, encoding, _ in flask_br] == ["br"] * 3
    assert [encoding for _, encoding, _ in offered_br] == ["gzip"] * 3
    assert [reply for *_, reply in flask_br] == [reply for *_, reply in offered_br]


def test_flask_login_on_fastapi_converts_every_use_of_convert_login(tmp_path):
    """Every use of flask_login in convert_login is one fastapi_login.py has, and its login
    route's request.form is Werkzeug's form on FastAPI too."""
    project = _copy(tmp_path, "convert_login")
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    assert (project / "fastapi_login.py").read_text() == login_module_text(BACKENDS["fastapi"])
    text = (project / "app.py").read_text()
    assert "from fastapi_login import LoginManager" in text and '(await _flask_form(request))["name"]' in text


@pytest.mark.parametrize("backend", ["quart", "fastapi"])
def test_the_dash_app_handed_to_a_package_is_refused(tmp_path, backend):
    project = _copy(tmp_path, "convert_app_handed")
    before = snapshot(project)
    result = _convert(project, backend=backend)
    assert result.returncode == 1 and snapshot(project) == before
    assert (
        "app.py:7: du.configure_upload(app, '/tmp/uploads'): the Dash app handed to dash_uploader — " in result.stderr
    )


def test_a_module_only_a_page_imports_is_converted_and_checked(tmp_path):
    project = _copy(tmp_path, "convert_pages_helper")
    before = snapshot(project)
    refused = _convert(project, backend="fastapi")
    assert refused.returncode == 1 and snapshot(project) == before
    assert "cache_object.py:19: flask's request used where dashgen cannot map it" in refused.stderr
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "from quart import request" in (project / "cache_object.py").read_text()


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
                path = (prefix or "/") + path[1:] if path.startswith(DASH_PATHS) else path
                seen.append((f"{method} {path} {headers}", _raw(server.base, method, path, body, headers, compared)))
            answers.append(seen)
    assert len(answers[0]) == len(answers[1]) >= 4
    for (what, before), (_, after) in zip(*answers, strict=True):
        if prefix and what.startswith("GET /docs/ "):
            # No route has it, and it is outside the prefix: Dash's difference (above), not the conversion's.
            assert before[0] == 404 and after[0] == 200 and "_dash-config" in after[2]
            continue
        if "_dash-update-component" in what and (before[1], after[1]) == ("application/json", ""):
            after = (after[0], before[1], *after[2:])  # Dash's FastAPI callback replies carry no Content-Type
        assert before == after or _tolerated(before, after), f"{what} differs: {before!r:.400} vs {after!r:.400}"
    routes = [reply for what, reply in answers[0] if what.startswith(("GET /", "POST /", "DELETE /"))]
    assert all("_dash-config" not in str(reply[2]) for reply in routes if "_dash" not in str(reply))


@pytest.mark.parametrize("backend", ["quart", "fastapi"])
def test_a_function_given_the_app_is_read_as_the_app(tmp_path, backend):
    """`init_cache(app)`, `register_routes(app)`: inside the function its parameter is the app,
    so `app.server` there is the server, converted or refused as at module level."""
    project = _copy(tmp_path, "convert_cache_factory")
    (project / "cache_setup.py").write_text(
        (project / "cache_setup.py").read_text()
        + '\n\ndef register_routes(app):\n    @app.server.route("/api/runs")\n    def runs_route():\n'
        + '        return {"next": next(runs)}\n'
    )
    app = project / "app.py"
    app.write_text(app.read_text().replace("init_cache(app)\n", "init_cache(app)\nregister_routes(app)\n")
                   .replace("import init_cache, total", "import init_cache, register_routes, total"))  # fmt: skip
    before = snapshot(project)
    result = _convert(project, backend=backend)
    assert result.returncode == 1 and snapshot(project) == before
    assert "cache_setup.py:22: runs_route, a view defined inside another block" in result.stderr


def test_flask_request_in_a_callback_reads_callback_context_on_fastapi_or_is_refused(tmp_path):
    project = _copy(tmp_path, "convert_fastapi_callback_request")
    app = project / "app.py"
    original = app.read_text()
    # `from flask import request` and no `import dash`: callback_context is imported from dash.
    app.write_text(
        original.replace("import dash\nimport flask\n", "from flask import jsonify, request\n")
        .replace("from dash import Input", "from dash import Dash, Input")
        .replace("dash.Dash(", "Dash(")
        .replace("flask.", "")
    )
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = app.read_text()
    assert "from dash import callback_context\n" in text and 'callback_context.headers.get("user-agent"' in text
    assert not re.search(r"\bflask\b", text.split('"""', 2)[2].replace("Flask's", ""))  # the helpers say "Flask's"
    assert '_flask_arg(callback_context.args, "page", "1")' in text  # Werkzeug's first value of a repeated key
    refusals = (
        ('flask.request.cookies.get("theme", "light")', "flask.request.form['theme']", "app.py:15:"),
        ('flask.request.headers.get("User-Agent", "")', 'flask.request.headers["User-Agent"]', "app.py:22:"),
        ("flask.request.remote_addr", "flask.request.path", "app.py:23:"),
        ('@app.callback(Output("seen", "children"), Input("name", "value"))',
         '@app.callback(Output("seen", "children"), Input("name", "value"), background=True)', "app.py:14:"),
        ("def client(name):", "def client(name, request=None):", "app.py:22:"),  # its own request
        ("return flask.jsonify(ok=True)", "return flask.g.get('x')", "app.py:28: flask.g"),
    )  # fmt: skip
    _refused_on_fastapi(project, app, original, refusals)


def test_a_relative_file_or_a_static_route_off_the_app_s_root_is_refused_on_fastapi(tmp_path):
    """A folder found through a name bound twice could resolve otherwise on FastAPI; and a rule
    under /static/ other than Flask's own is weighed against Flask's static route by Werkzeug,
    where Starlette takes the first match."""
    project = _copy(tmp_path, "convert_fastapi_cwd_files")
    app = project / "app.py"
    original = app.read_text()
    refusals = (
        ('os.path.join(root_dir, "downloads")', '"downloads"', "app.py:17: download, send_from_directory(...)"),
        ("root_dir = os.getcwd()", "root_dir = os.getcwd()\n    root_dir = 'x'", "app.py:18: download, send_from"),
        ("/downloads/<path:path>", "/static/files/<path:path>", "app.py:15: download, a route under /static/ — "),
    )
    _refused_on_fastapi(project, app, original, refusals)


def test_a_secret_key_nothing_signs_with_is_dropped_on_fastapi(tmp_path):
    project = _copy(tmp_path, "convert_fastapi_callback_request")
    app = project / "app.py"
    original = app.read_text().replace("server = app.server\n", 'server = app.server\nserver.secret_key = "dev"\n')
    app.write_text(original)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    assert "secret_key" not in app.read_text()
    assert 'app.py:8: removed `server.secret_key = "dev"`: nothing here signs a Flask session' in result.stdout
    # A module that could sign with it otherwise than through Flask's session keeps it, and the
    # conversion is refused; with the session, the key goes where fastapi_session.py reads it.
    app.write_text("import itsdangerous\n" + original)
    before = snapshot(project)
    refused = _convert(project, backend="fastapi")
    assert refused.returncode == 1 and snapshot(project) == before
    assert "app.py:9: server.secret_key, Flask's config" in refused.stderr
    app.write_text("from flask import session\n" + original)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    assert 'server.state.secret_key = "dev"' in app.read_text()


# --- flask_login on Quart: quart_login.py -----------------------------------------------------


def _with_flask_login(cache: Path) -> dict:
    """The environment that adds Flask-Login (the original's requirement) to the test venv, from
    a folder of its own: the conversion must boot without it."""
    import tempfile

    target = cache / "flask-login"
    if not target.is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=cache))
        install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(building)]
        subprocess.run([*install, "Flask-Login==0.6.3"], check=True, capture_output=True)
        try:
            building.rename(target)
        except OSError:  # another worker was first
            shutil.rmtree(building, ignore_errors=True)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(target), os.environ.get("PYTHONPATH")]))}


def _session_payload(value: str):
    """What a signed session cookie holds (Flask's and Quart's are the same format): the signature
    and its timestamp left out, so that two servers' cookies compare."""
    import base64
    import zlib

    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(data) if compressed else data)


class _Browser:
    """One client's session against one server: cookies kept, no redirect followed; each answer as
    (what, status, Location, body, the cookies set: each one's payload and flags, or None, Vary)."""

    def __init__(self, base: str, prefix: str) -> None:
        self.base, self.prefix, self.cookies = base, prefix, {}

    def send(self, what: str, path: str, body: dict | str | None = None, headers: dict | None = None):
        import http.client
        from urllib.parse import urlsplit

        where = urlsplit(self.base)
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=20)
        headers = {**(headers or {}), "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        sent = body if isinstance(body, str) or body is None else json.dumps(body)
        if isinstance(body, str):  # a form's fields
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            headers.update(JSON)
        connection.request("GET" if body is None else "POST", path, body=sent, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        connection.close()
        cookies = []
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value, _, flags = rest.partition(";")
            # A cookie's expiry is the second it was set: the two servers' differ by the seconds between.
            flags = re.sub(r"Expires=(?!Thu, 01 Jan 1970)[^;]+", "Expires=<in a year>", flags.strip())
            if "Expires=Thu, 01 Jan 1970" in flags or not value:
                self.cookies.pop(name, None)
                cookies.append((name, None, flags))
            else:
                self.cookies[name] = value
                cookies.append((name, _session_payload(value) if name == "session" else value, flags))
        cookie = tuple(sorted(cookies)) or None
        if response.getheader("Content-Type", "").startswith("application/json"):
            text = json.loads(text)
            text = text.get("response", text)  # a callback's answer
        return what, response.status, response.getheader("Location"), text, cookie, response.getheader("Vary")

    def callback(self, what: str, output: str, inputs: list, state: list = ()):
        component, prop = output.split(".")
        body = {
            "output": output,
            "outputs": {"id": component, "property": prop},
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "changedPropIds": [f"{i}.{p}" for i, p, _ in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        }
        return self.send(what, f"{self.prefix}_dash-update-component", body)


def _secret_after_moving(flask_base: str, converted_base: str, prefix: str) -> tuple:
    """/secret on the converted server, asked with the session of a log-in on the Flask app."""
    moving = _Browser(flask_base, prefix)
    grace = [("username", "value", "grace"), ("password", "value", "hopper"), ("remember", "value", [])]
    moving.callback("log in", "login-result.children", [("login", "n_clicks", 1)], grace)
    moving.base = converted_base
    return moving.send("secret", "/secret")


def _assert_alike(before: list, after: list) -> None:
    """The converted server's answers, step by step, are the original's."""
    for was, now in zip(before, after, strict=True):
        assert was == now, f"{was!r:.600} vs {now!r:.600}"


def _by_step(answers: list) -> dict[str, list]:
    """The answers of each step, in order, by the step's name (an answer's first item)."""
    seen = {}
    for what, *answer in answers:
        seen.setdefault(what, []).append(answer)
    return seen


def _login_answers(browser: _Browser, form=lambda fields: "&".join(f"{k}={v}" for k, v in fields.items())) -> list:
    """Not logged in, a wrong password, logged in, logged out (by the callback, then the route),
    logged in by a form (its fields as `form` sends them), remembered once the session cookie is gone."""
    p = browser.prefix

    def log_in(password, remember=()):
        return browser.callback(
            f"log in with {password}{' remembered' if remember else ''}", "login-result.children",
            [("login", "n_clicks", 1)],
            [("username", "value", "ada"), ("password", "value", password), ("remember", "value", list(remember))],
        )  # fmt: skip

    def forget_session(what):
        browser.cookies.pop("session")
        return what, "the browser closed"

    def page():
        return browser.callback("page", "page.children", [("url", "pathname", f"{p}page")])

    return [
        browser.send("secret", "/secret?x=1"),
        browser.send("report", "/reports/q1"),
        browser.send("layout", f"{p}_dash-layout"),
        page(),
        log_in("babbage"),
        log_in("lovelace"),
        page(),
        browser.send("secret", "/secret"),
        # From another browser: not fresh any more ("basic" session protection), still logged in.
        browser.send("secret elsewhere", "/secret", headers={"User-Agent": "elsewhere/1"}),
        browser.send("layout", f"{p}_dash-layout"),
        browser.callback("log out", "logout-result.children", [("logout", "n_clicks", 1)]),
        browser.send("secret", "/secret"),
        page(),
        log_in("lovelace"),
        browser.send("logout route", "/logout"),
        browser.send("secret", "/secret"),
        browser.send("login form", "/login?next=/reports/q2", form({"username": "grace", "password": "babbage"})),
        browser.send("login form", "/login?next=/reports/q2", form({"username": "grace", "password": "hopper"})),
        browser.send("report", "/reports/q2"),
        browser.send("secret", "/secret"),
        browser.send("admin", "/admin"),
        browser.callback("log out", "logout-result.children", [("logout", "n_clicks", 1)]),
        log_in("lovelace", ["remember me"]),
        forget_session("closed"),
        browser.send("secret remembered", "/secret"),
        page(),
        browser.callback("log out", "logout-result.children", [("logout", "n_clicks", 1)]),
        browser.send("secret", "/secret"),
    ]


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
def test_flask_login_on_quart_logs_in_and_out_as_on_flask(tmp_path, venv_cache, prefix):
    original = _copy(tmp_path / "original", "convert_login_session")
    converted = _copy(tmp_path / "converted", "convert_login_session")
    result = _convert(converted)
    assert result.returncode == 0, result.stderr
    assert "from quart_login import" in (converted / "app.py").read_text()
    assert "Flask-Login" not in (converted / "requirements.txt").read_text()
    assert (converted / "quart_login.py").is_file()
    with (
        boot(original, procfile_command(original), prefix=prefix, env=_with_flask_login(venv_cache)) as flask,
        boot(converted, procfile_command(converted), prefix=prefix) as quart,
    ):
        before = _login_answers(_Browser(flask.base, prefix or "/"))
        after = _login_answers(_Browser(quart.base, prefix or "/"))
        # A session the Flask app signed logs in on the conversion: its users stay logged in.
        carried = _secret_after_moving(flask.base, quart.base, prefix or "/")
    _assert_alike(before, after)
    seen = _by_step(before)
    assert seen["secret"][0][:2] == [302, "/login?next=%2Fsecret%3Fx%3D1"]
    flash = {"_flashes": [{" t": ["message", "Please log in to access this page."]}]}
    assert seen["secret"][0][3] == (("session", flash, "HttpOnly; Path=/"),)
    assert seen["report"][0][0:3:2] == [403, "Log in first"]
    assert seen["log in with lovelace"][0][2] == {"login-result": {"children": "Logged in as ada"}}
    assert seen["log in with lovelace"][0][3][0][1]["_user_id"] == "ada"
    assert seen["secret"][1] == [200, None, "secret for ada", None, "Cookie"]
    assert seen["secret elsewhere"][0][:2] == [200, None] and seen["secret elsewhere"][0][3][0][1]["_fresh"] is False
    assert seen["secret"][2][0] == 302 and seen["logout route"][0][:2] == [302, "/"]
    assert [answer[:2] for answer in seen["login form"]] == [[403, None], [302, "/reports/q2"]]
    assert {answer[4] for answers in seen.values() for answer in answers if len(answer) > 4} == {"Cookie"}
    assert seen["report"][1][0:3:2] == [200, "q2 for grace"] and seen["secret"][4][2] == "secret for grace"
    assert seen["admin"][0][:2] == [302, "/login?next=%2Fadmin"]  # grace is no admin
    remember, session = seen["log in with lovelace remembered"][0][3]  # sorted by name
    assert remember[0] == "remember_token" and remember[1].startswith("ada|")
    assert remember[2] == "Expires=<in a year>; HttpOnly; Path=/"
    assert session[0] == "session" and session[1]["_user_id"] == "ada" and "_remember" not in session[1]
    assert seen["secret remembered"][0][:3] == [200, None, "secret for ada"]
    assert seen["secret remembered"][0][3][0][1] == {"_fresh": False, "_user_id": "ada"}
    forgotten = seen["log out"][-1][3]
    # Both cookies deleted: the remember-me one, and the session, empty now.
    assert [name for name, value, _ in forgotten if value is None] == ["remember_token", "session"]
    assert seen["secret"][-1][0] == 302
    assert carried[1:4] == (200, None, "secret for grace")


def test_flask_login_converts_onto_quart_in_each_spelling(tmp_path):
    project = _copy(tmp_path, "convert_login")
    app = project / "app.py"
    original = app.read_text()
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "from quart_login import LoginManager, UserMixin, current_user" in app.read_text()
    written = (project / "quart_login.py").read_text()
    assert written == login_module_text(BACKENDS["quart"])
    assert "removed flask-login: no module imports it any more" in result.stdout
    # `import flask_login as fl`, `fl.LoginManager(server)`, the login view and message set.
    names = r"\b(LoginManager|UserMixin|current_user|login_required|login_user|logout_user)\b"
    head, _, body = original.partition("from flask_login import")
    body = re.sub(names, r"fl.\1", body.partition("\n")[2]).replace(
        "fl.LoginManager()\nlogin_manager.init_app(server)",
        'fl.LoginManager(server)\nlogin_manager.login_view = "/login"\nlogin_manager.login_message = None',
    )
    app.write_text(f"{head}import flask_login as fl\n{body}")
    (project / "quart_login.py").unlink()
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    text = app.read_text()
    assert "import quart_login as fl\n" in text and "login_manager = fl.LoginManager(server)\n" in text
    assert (project / "quart_login.py").read_text() == written
    # A module of the project's own by that name is never overwritten.
    (project / "quart_login.py").write_text("MINE = 1\n")
    app.write_text(f"{head}import flask_login as fl\n{body}")
    before = snapshot(project)
    refused = _convert(project)
    assert refused.returncode == 1 and snapshot(project) == before
    assert "quart_login.py:1: quart_login.py, a module of the project's own — " in refused.stderr


# What quart_login.py has not, each written into convert_login: (old, new, the blocker named).
LOGIN_REFUSED = [
    ('login_user(User(request.form["name"]))', 'login_user(User(request.form["name"]), remember_me=True)',
     "app.py:25: login_user(..., remember_me=...), flask_login — login_user given more than flask_login takes"),
    ('login_user(User(request.form["name"]))', "login_user(*users)",
     "app.py:25: login_user, flask_login — login_user not called with the user and its own arguments"),
    ("logout_user\n", "logout_user, login_url\n", "app.py:4: login_url, flask_login — quart_login.py has no login_url"),
    ("login_manager.init_app(server)", 'login_manager.init_app(server); login_manager.session_protection = "strong"',
     "app.py:10: login_manager.session_protection, flask_login — quart_login.py's LoginManager has no"),
    ("login_manager.init_app(server)", 'login_manager.init_app(server); login_manager.login_view = "login"',
     "app.py:10: login_manager.login_view = 'login', flask_login — a login view that is not a path"),
    ("@login_manager.user_loader", "@login_manager.request_loader",
     "app.py:18: login_manager.request_loader, flask_login — quart_login.py's LoginManager has no request_loader"),
    ("    logout_user()\n", "    logout_user()\n    login_manager.unauthorized(1)\n",
     "app.py:32: login_manager.unauthorized, flask_login — unauthorized not called as unauthorized()"),
    ("@login_manager.user_loader", "@login_manager.unauthorized_handler",
     "app.py:18: login_manager.unauthorized_handler, flask_login — quart_login.py's LoginManager has no"),
    ('server.secret_key = "not-a-secret"', 'server.config["SESSION_PROTECTION"] = "strong"',
     "app.py:8: SESSION_PROTECTION, a setting of Flask-Login's — quart_login.py has no SESSION_PROTECTION"),
    ('server.secret_key = "not-a-secret"', 'server.config.update(REMEMBER_COOKIE_DURATION=60)',
     "app.py:8: REMEMBER_COOKIE_DURATION, a setting of Flask-Login's — "),
    ("def who(word):", "@login_required\ndef who(word):",
     "app.py:45: login_required, flask_login — login_required elsewhere than as a decorator of a route"),
    ("login_manager = LoginManager()", "login_manager = LoginManager(add_context_processor=False)",
     "app.py:9: LoginManager(add_context_processor=False), flask_login — LoginManager given more than the server"),
    ("login_manager.init_app(server)", "login_manager.init_app(app)",
     "app.py:10: login_manager.init_app(app), flask_login — init_app given something else than the server alone"),
    ("    logout_user()\n", "    logout_user()\n    checks = [login_user]\n",
     "app.py:32: login_user, flask_login — login_user not called with the user and its own arguments"),
    ("from flask_login import", "from flask_login.utils import", "app.py:4: import of flask_login.utils, a module of"),
    ("import LoginManager, UserMixin,", "import *\nfrom flask_login import UserMixin,",
     "app.py:4: `from flask_login import *` — name what the module uses from flask_login"),
]  # fmt: skip


@pytest.mark.parametrize("backend", ["quart", "fastapi"])
@pytest.mark.parametrize(("old", "new", "blocker"), LOGIN_REFUSED)
def test_each_use_of_flask_login_the_login_module_has_not_is_named(tmp_path, old, new, blocker, backend):
    project = _copy(tmp_path, "convert_login")
    app = project / "app.py"
    assert old in app.read_text()
    app.write_text(app.read_text().replace(old, new, 1))
    before = snapshot(project)
    result = _convert(project, backend=backend)
    assert result.returncode == 1 and snapshot(project) == before
    assert blocker.replace("quart_login.py", f"{backend}_login.py") in result.stderr, result.stderr
    label = {"quart": "Quart", "fastapi": "FastAPI"}[backend]
    assert f"dashgen maps onto {label}'s session only LoginManager()" in result.stderr or "import *" in blocker
    assert "import of flask_login —" not in result.stderr  # the uses are named, not the import


def test_quart_login_answers_401_without_a_login_view_and_fails_on_what_it_has_not(tmp_path, monkeypatch):
    import asyncio
    import importlib

    import quart

    (tmp_path / "quart_login.py").write_text(login_module_text(BACKENDS["quart"]))
    monkeypatch.syspath_prepend(str(tmp_path))
    quart_login = importlib.import_module("quart_login")

    server = quart.Quart(__name__)
    server.secret_key = "not-a-secret"
    manager = quart_login.LoginManager(server)
    manager.user_loader(lambda user_id: None)

    @server.route("/secret")
    @quart_login.login_required
    async def secret():
        return "secret"

    async def answers():
        client = server.test_client()
        first = await client.get("/secret")
        server.config["SESSION_PROTECTION"] = "strong"
        second = await client.get("/secret")
        return first.status_code, "Unauthorized" in await first.get_data(as_text=True), second.status_code

    assert asyncio.run(answers()) == (401, True, 500)  # Flask-Login's abort(401); an unmapped setting fails
    with pytest.raises(AttributeError):
        manager.session_protection = "strong"  # a setting quart_login.py has not is no silent no-op
    assert quart_login.AnonymousUserMixin().get_id() is None and not quart_login.current_user


def test_flask_login_in_a_page_module_imports_quart_login_written_beside_the_app(tmp_path):
    project = tmp_path / "pages_login"
    (project / "pages").mkdir(parents=True)
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    (project / "requirements.txt").write_text("dash==4.4.1\nFlask-Login==0.6.3\ngunicorn\n")
    (project / "app.py").write_text(
        "import dash\nfrom flask_login import LoginManager\n\n"
        "app = dash.Dash(__name__, use_pages=True)\nserver = app.server\nserver.secret_key = 'not-a-secret'\n"
        "login_manager = LoginManager(server)\nlogin_manager.user_loader(str)\n"
        "app.layout = dash.html.Div(dash.page_container)\n"
    )  # login_manager.user_loader(str) is refused: a plain function with @ is what maps
    (project / "pages" / "home.py").write_text(
        "import dash\nfrom flask_login import current_user, logout_user\n\ndash.register_page(__name__, path='/')\n\n\n"
        "def layout(**kwargs):\n    if current_user.is_authenticated:\n        logout_user()\n"
        "    return dash.html.Div(str(current_user.get_id()))\n"
    )
    before = snapshot(project)
    refused = _convert(project)
    assert refused.returncode == 1 and snapshot(project) == before
    assert "app.py:8: login_manager.user_loader, flask_login — a user loader not set with @" in refused.stderr
    app = project / "app.py"
    app.write_text(app.read_text().replace("login_manager.user_loader(str)\n", "\n\n@login_manager.user_loader\n"
                                           "def load_user(user_id):\n    return None\n\n\n"))  # fmt: skip
    result = _convert(project)
    assert result.returncode == 0, result.stderr
    assert "from quart_login import current_user, logout_user\n" in (project / "pages" / "home.py").read_text()
    assert (project / "quart_login.py").is_file() and not (project / "pages" / "quart_login.py").exists()
    imported = subprocess.run(
        [sys.executable, "-c", "import app, pages.home, quart; assert isinstance(app.server, quart.Quart)"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    after = snapshot(project)
    second = _convert(project)
    assert second.returncode == 0 and "Nothing to convert" in second.stdout and snapshot(project) == after


@pytest.mark.server
def test_an_answer_that_reads_the_session_says_vary_cookie_as_on_flask(tmp_path):
    """Flask counts a read of its session as a use and answers `Vary: Cookie`; Quart counts only
    writes, so the conversion reads it through _flask_session()."""
    answers = []
    for side in ("original", "converted"):
        project = _copy(tmp_path / side, "convert_own_server")
        app = project / "app.py"
        app.write_text(app.read_text().replace('    session["agent"] = request.user_agent.string[:20]\n', ""))
        if side == "converted":
            assert _convert(project).returncode == 0
        with boot(project, procfile_command(project)) as server:
            answers.append([_fetch(f"{server.base}{path}")[1].get("Vary") for path in ("/whoami", "/_dash-layout")])
    assert answers[0] == answers[1] == ["Cookie", None]


def test_flask_session_as_a_module_attribute_reads_through_flask_session_on_quart(tmp_path):
    project = _copy(tmp_path, "convert_own_server")
    app = project / "app.py"
    text = app.read_text().replace("from flask import Flask, g, request, session\n", "import flask\n")
    for name in ("Flask", "g", "request", "session"):
        text = re.sub(rf"(?<![\w.\"']){name}(?=[.\[(])", f"flask.{name}", text)
    app.write_text(text)
    assert _convert(project).returncode == 0
    converted = app.read_text()
    assert '_flask_session()["agent"] = quart.request.user_agent' in converted
    assert re.search(r"\bflask\b", converted.split('"""')[2]) is None
    assert "LocalProxy" not in converted
    ruff = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F,E9,E3", str(app)], capture_output=True, text=True
    )
    assert ruff.returncode == 0, ruff.stdout


@pytest.mark.parametrize("name", sorted({*FASTAPI_ROUTES, *FASTAPI_FLASK_CODE}))
def test_onto_fastapi_a_second_run_has_nothing_to_do_and_the_app_imports(tmp_path, name):
    project = _copy(tmp_path, name)
    assert _convert(project, backend="fastapi").returncode == 0
    after = snapshot(project)
    second = _convert(project, backend="fastapi")
    assert second.returncode == 0 and "Nothing to convert: the app runs on FastAPI already." in second.stdout
    assert snapshot(project) == after
    imported = subprocess.run([sys.executable, "-c", "import app"], cwd=project, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr[-2000:]


def test_the_development_run_and_an_unused_flask_name_move_onto_fastapi(tmp_path):
    """`server.run(...)` under `if __name__ == "__main__":` is the development server: Dash's
    app.run serves the FastAPI app there; a flask name imported and never used goes."""
    project = _copy(tmp_path, "convert_fastapi_server")
    app = project / "app.py"
    original = app.read_text().replace("from flask import ", "from flask import render_template, ", 1)
    app.write_text(original + '\n\nif __name__ == "__main__":\n    server.run(debug=True, port=8050)\n')
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = app.read_text()
    assert text.endswith('if __name__ == "__main__":\n    app.run(debug=True, port=8050)\n')
    assert "render_template" not in text
    app.write_text(original + "\n\nserver.run(debug=True)\n")  # at import: every server would run it
    refused = _convert(project, backend="fastapi")
    assert refused.returncode == 1 and "server.run, Flask's server API" in refused.stderr


def test_a_static_folder_beside_an_app_without_flask_code_is_served_on_fastapi(tmp_path):
    """Dash's Flask server serves static/ at /static/ even where the app has no Flask code: the
    conversion writes Flask's static route and imports what it needs; what is above stays."""
    project = _copy(tmp_path, "convert_plain")
    (project / "static").mkdir()
    (project / "static" / "note.txt").write_text("kept\n")
    result = _convert(project, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = (project / "app.py").read_text()
    assert 'app = Dash(__name__, backend="fastapi")\n\n\n@app.server.api_route("/static/{filename:flaskpath}"' in text
    assert "from fastapi import HTTPException\n" in text and "from fastapi.responses import FileResponse\n" in text
    served = subprocess.run(
        [sys.executable, "-c", "from fastapi.testclient import TestClient; import app\n"
         "with TestClient(app.server) as c: print(c.get('/static/note.txt').text, "
         "c.get('/static/gone.txt').status_code, c.get('/static/').headers['content-type'])"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    assert served.stdout.split() == ["kept", "404", "text/html;", "charset=utf-8"], served.stderr
    after = snapshot(project)
    assert "Nothing to convert" in _convert(project, backend="fastapi").stdout
    assert snapshot(project) == after


def test_flask_request_in_a_plain_function_reads_dash_s_request_or_is_refused(tmp_path):
    """A Pages description or layout function reads the request Dash is answering: args and
    query_string convert (booted above), any other read is refused."""
    project = _copy(tmp_path, "convert_fastapi_pages_request")
    page = project / "pages" / "report.py"
    original = page.read_text()
    refusals = (
        ('flask.request.args.getlist("team")', "flask.request.path", "pages/report.py:14: flask's request used"),
        ("def layout(**query):", "@functools.cache\ndef layout(**query):", "pages/report.py:15: flask's request used"),
    )
    _refused_on_fastapi(project, page, original, refusals)


# --- Flask's session on FastAPI ---------------------------------------------------------------


def _normal_answer(answer: tuple) -> tuple:
    """A _Browser answer with the body as its JSON where it is JSON: FastAPI's callback replies
    come without Content-Type; a 500's body is each framework's own page."""
    if len(answer) != 6:  # a step of the browser's own (its session cookie forgotten)
        return answer
    what, status, location, text, cookies, vary = answer
    if isinstance(text, str):
        try:
            text = json.loads(text)
            text = text.get("response", text) if isinstance(text, dict) else text
        except ValueError:
            pass
    if status == 500:
        text = None
    return what, status, location, text, cookies, vary


def _session_answers(browser: _Browser) -> list:
    """A note written and read back by a callback, visits counted by the hook, a route that never
    touches the session, the session emptied, a cookie not signed here."""
    p = browser.prefix

    def note(value):
        return browser.callback(f"note {value!r}", "saved.children", [("note", "value", value)])

    answers = [
        browser.send("plain", "/plain"),
        browser.send("layout", f"{p}_dash-layout"),
        note("first"),
        note(""),
        browser.send("session", "/api/session"),
        browser.send("plain", "/plain"),
        browser.send("session", "/api/session"),
        browser.send("forget", "/api/forget"),
        browser.send("session", "/api/session"),
    ]
    browser.cookies["session"] = "eyJub3RlIjoiZm9yZ2VkIn0.forged.signature"
    answers.append(browser.send("session forged", "/api/session"))
    return [_normal_answer(answer) for answer in answers]


@pytest.mark.server
@pytest.mark.parametrize("keyed", [True, False], ids=["secret-key", "no-secret-key"])
@pytest.mark.parametrize("prefix", [None, "/p/"])
def test_flask_session_on_fastapi_answers_as_on_flask(tmp_path, prefix, keyed):
    original = _copy(tmp_path / "original", "convert_fastapi_session")
    converted = _copy(tmp_path / "converted", "convert_fastapi_session")
    if not keyed:  # reading an empty session works, writing it raises (the request answers 500)
        for project in (original, converted):
            edit(project / "app.py", 'server.config["SECRET_KEY"] = "not-a-secret"\n', "")
    result = _convert(converted, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = (converted / "app.py").read_text()
    assert "from fastapi_session import session" in text and "fastapi_session.serve(server)" in text
    assert ('server.state.secret_key = "not-a-secret"' in text) is keyed
    assert (converted / "fastapi_session.py").is_file()
    with (
        boot(original, procfile_command(original), prefix=prefix) as flask,
        boot(converted, procfile_command(converted), prefix=prefix) as fastapi,
    ):
        before = _session_answers(_Browser(flask.base, prefix or "/"))
        after = _session_answers(_Browser(fastapi.base, prefix or "/"))
        # A session the Flask app signed is read on the conversion: nobody loses theirs.
        moving = _Browser(flask.base, prefix or "/")
        moving.callback("note", "saved.children", [("note", "value", "carried")])
        moving.base = fastapi.base
        carried = _normal_answer(moving.send("session", "/api/session"))
    _assert_alike(before, after)
    seen = _by_step(before)
    if keyed:
        assert seen["plain"] == [[200, None, "nothing of the session here", None, None]] * 2
        assert seen["note 'first'"][0][3] == (("session", {"note": "first"}, "HttpOnly; Path=/"),)
        assert seen["note ''"][0][2] == {"saved": {"children": "note: first"}} and seen["note ''"][0][3] is None
        assert seen["session"][0][2] == {"note": "first", "visits": 1} and seen["session"][0][4] == "Cookie"
        assert seen["forget"][0][3] == (("session", None, "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                                         "HttpOnly; Path=/"),)  # fmt: skip
        assert seen["session"][2][2] == {"note": None, "visits": 1}
        assert seen["session forged"][0][2] == {"note": None, "visits": 1}
        assert carried[3] == {"note": "carried", "visits": 1}
    else:
        assert seen["note 'first'"][0][0] == 500
        assert seen["note ''"][0][:3] == [200, None, {"saved": {"children": "note: None"}}]
        assert [answer[0] for answer in seen["session"]] == [500] * 3
        assert seen["plain"][0][:2] == [200, None]


@pytest.mark.parametrize(
    "old, new, blocker",
    [
        (
            'app.layout = html.Div([dcc.Input(id="note", value=""), html.Div(id="saved")])\n',
            'def serve_layout():\n    return html.Div([dcc.Input(id="note", value=session.get("note")), '
            'html.Div(id="saved")])\n\n\napp.layout = serve_layout\n',
            "app.py:13: Flask's session in serve_layout, the app's layout function — Dash calls the layout "
            "function once more",
        ),
        (
            "from flask import Flask, jsonify, request, session\n",
            "from flask import Flask, jsonify, request, session as flask_session\nsession = flask_session\n",
            "app.py:1: Flask's session imported as flask_session",
        ),
    ],
    ids=["layout-function", "renamed"],
)
def test_each_use_of_flask_session_fastapi_cannot_keep_is_named(tmp_path, old, new, blocker):
    project = _copy(tmp_path, "convert_fastapi_session")
    edit(project / "app.py", old, new)
    before = snapshot(project)
    result = _convert(project, backend="fastapi")
    assert result.returncode == 1
    assert blocker in result.stderr, result.stderr
    assert snapshot(project) == before


# --- flask_login on FastAPI: fastapi_login.py -------------------------------------------------

# FastAPI gets no form fields from this version: the login form POSTs JSON, on both sides.
_JSON_FORM = (
    '    username = request.form.get("username", "")\n    if USERS.get(username) != request.form.get("password"):\n',
    '    form = request.get_json()\n    username = form.get("username", "")\n'
    '    if USERS.get(username) != form.get("password"):\n',
)


@pytest.mark.server
@pytest.mark.parametrize("prefix", [None, "/p/"])
def test_flask_login_on_fastapi_logs_in_and_out_as_on_flask(tmp_path, venv_cache, prefix):
    original = _copy(tmp_path / "original", "convert_login_session")
    converted = _copy(tmp_path / "converted", "convert_login_session")
    for project in (original, converted):
        edit(project / "app.py", *_JSON_FORM)
    result = _convert(converted, backend="fastapi")
    assert result.returncode == 0, result.stderr
    text = (converted / "app.py").read_text()
    assert "from fastapi_login import" in text and "fastapi_session.serve(app.server)" in text
    assert "@login_required\ndef secret():" in text and "return login_manager.unauthorized()" in text
    assert "Flask-Login" not in (converted / "requirements.txt").read_text()
    assert (converted / "fastapi_login.py").is_file() and (converted / "fastapi_session.py").is_file()
    with (
        boot(original, procfile_command(original), prefix=prefix, env=_with_flask_login(venv_cache)) as flask,
        boot(converted, procfile_command(converted), prefix=prefix) as fastapi,
    ):
        flask_answers = _login_answers(_Browser(flask.base, prefix or "/"), dict)
        fastapi_answers = _login_answers(_Browser(fastapi.base, prefix or "/"), dict)
        before = [_normal_answer(answer) for answer in flask_answers]
        after = [_normal_answer(answer) for answer in fastapi_answers]
        # A session the Flask app signed logs in on the conversion: its users stay logged in.
        carried = _secret_after_moving(flask.base, fastapi.base, prefix or "/")
    _assert_alike(before, after)
    # What fastapi_login.py answers itself (login_required, unauthorized()) is Flask's to the byte.
    for was, now in zip(flask_answers, fastapi_answers, strict=True):
        if was[0] in ("secret", "admin"):
            assert was == now, f"{was!r:.600} vs {now!r:.600}"
    seen = _by_step(before)
    assert seen["secret"][0][:2] == [302, "/login?next=%2Fsecret%3Fx%3D1"]
    assert seen["log in with lovelace"][0][2] == {"login-result": {"children": "Logged in as ada"}}
    assert seen["secret"][1] == [200, None, "secret for ada", None, "Cookie"]
    assert seen["secret elsewhere"][0][3][0][1]["_fresh"] is False
    assert [answer[:2] for answer in seen["login form"]] == [[403, None], [302, "/reports/q2"]]
    assert {answer[4] for answers in seen.values() for answer in answers if len(answer) > 4} == {"Cookie"}
    assert seen["admin"][0][:2] == [302, "/login?next=%2Fadmin"]
    remember, session = seen["log in with lovelace remembered"][0][3]
    assert remember[0] == "remember_token" and remember[2] == "Expires=<in a year>; HttpOnly; Path=/"
    assert seen["secret remembered"][0][:3] == [200, None, "secret for ada"]
    assert [name for name, value, _ in seen["log out"][-1][3] if value is None] == ["remember_token", "session"]
    assert carried[1:4] == (200, None, "secret for grace")


@pytest.mark.server
def test_fastapi_login_answers_flask_login_s_401_without_a_login_view(tmp_path, venv_cache):
    original = _copy(tmp_path / "original", "convert_login_session")
    converted = _copy(tmp_path / "converted", "convert_login_session")
    for project in (original, converted):
        edit(project / "app.py", *_JSON_FORM)
        edit(project / "app.py", 'login_manager.login_view = "/login"\n', "")
    assert _convert(converted, backend="fastapi").returncode == 0
    answers = []
    for project, env in ((original, _with_flask_login(venv_cache)), (converted, None)):
        with boot(project, procfile_command(project), env=env) as server:
            browser = _Browser(server.base, "/")
            answers.append([browser.send("secret", "/secret"), browser.send("admin", "/admin")])
    assert answers[0] == answers[1]
    assert answers[0][0][1] == 401 and "<title>401 Unauthorized</title>" in answers[0][0][3]
