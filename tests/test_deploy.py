"""`dashgen deploy-files` for every topology `new` makes and for hand-written apps: the files
come out right, requirements.txt installs into a fresh venv, and the Procfile's command (or the
Dockerfile's CMD) as written serves the app below DASH_ROUTES_PATHNAME_PREFIX."""

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    boot,
    docker_cmd,
    drive_dash,
    generate,
    procfile_command,
    request,
    run_dashgen,
    snapshot,
    venv_for,
)

from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"


@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_generated_projects_need_nothing_for_enterprise_and_cloud(tmp_path, backend, topology):
    project = generate(tmp_path, backend, topology)
    before = snapshot(project)
    for target in ("enterprise", "cloud"):
        result = run_dashgen("deploy-files", "--target", target, cwd=project)
        assert result.returncode == 0, result.stderr
        assert "identical  Procfile" in result.stdout or target == "cloud"
        assert "warning" not in result.stderr, result.stderr
    assert snapshot(project) == before


@pytest.mark.server
@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_docker_cmd_of_generated_projects_serves_the_app(tmp_path, venv_cache, backend, topology):
    project = generate(tmp_path, backend, topology)
    result = run_dashgen("deploy-files", "--target", "docker", "--python", "3.12", cwd=project)
    assert result.returncode == 0, result.stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.startswith("# Built by") and "FROM python:3.12-slim" in dockerfile
    assert dockerfile.index("COPY requirements.txt") < dockerfile.index("COPY --chown")  # deps layer first
    assert "USER dash" in dockerfile and "EXPOSE 8000" in dockerfile
    page = f"/{DASH_PATH.get(topology, '')}"
    assert f"urlopen('http://127.0.0.1:8000{page}'" in dockerfile
    assert ".venv/" in (project / ".dockerignore").read_text()

    command = docker_cmd(project)
    assert command.startswith(procfile_command(project))  # the Procfile's command, bound for a container
    bin_dir = venv_for(project / "requirements.txt", venv_cache)
    with boot(project, f"{bin_dir}/{command}", prefix="/p/") as server:
        seen = drive_dash(f"{server.base}/p/{DASH_PATH.get(topology, '')}")
        assert seen["responses"]
        assert request(f"{server.base}/p/api/hello").json()["route"] == "/api/hello"
        # The health check's own URL answers with the page when no prefix is set.
    with boot(project, f"{bin_dir}/{command}") as server:
        health = request(f"{server.base}{page}")
        assert health.status == 200 and "_dash-config" in health.text


PINNED = """\
# Our pins -- keep them.
Dash==4.4.1  # tested with this one
six>=1.16 ; python_version >= "3.10"
-r extra-requirements.txt
"""
EXTRA = "packaging>=23\n"


def hand_written(tmp_path: Path, name: str) -> Path:
    shutil.copy(APPS / f"{name}.py", tmp_path / "app.py")
    return tmp_path


@pytest.mark.server
@pytest.mark.parametrize(
    ("name", "procfile"),
    [
        ("flask_import_dash", None),  # no server variable at all
        ("flask_server_var", None),
        ("fastapi_backend", "web: gunicorn app:server --workers 4\n"),  # the wrong server for ASGI
        ("fastapi_own_alias", None),
        ("quart_own", "web: uvicorn app:app --host 0.0.0.0 --port 8000\n"),  # the Dash object, not the server
    ],
)
def test_hand_written_apps_deploy_and_serve(tmp_path, venv_cache, name, procfile):
    project = hand_written(tmp_path, name)
    (project / "requirements.txt").write_text(PINNED)
    (project / "extra-requirements.txt").write_text(EXTRA)
    if procfile:
        (project / "Procfile").write_text(procfile)
        before = snapshot(project)
        refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
        assert refused.returncode == 1
        assert "Procfile differs and is wrong" in refused.stderr and "--force" in refused.stderr
        assert "+web: " in refused.stderr  # the diff is shown
        assert snapshot(project) == before
        result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    else:
        result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr

    app_text = (project / "app.py").read_text()
    original = (APPS / f"{name}.py").read_text()
    assert all(line in app_text.splitlines() for line in original.splitlines())
    assert re.search(r"^server = app\.server$", app_text, re.M) or "server = " in original or "api = " in original

    requirements = (project / "requirements.txt").read_text()
    backend = BACKENDS[_backend_of(name)]
    for line in PINNED.splitlines()[2:]:
        assert line in requirements.splitlines()  # every user line survives as written
    assert requirements.startswith("# Our pins -- keep them.\n")
    expected_dash = "Dash==4.4.1" if backend.name == "flask" else f"Dash[{backend.name}]==4.4.1"
    assert f"{expected_dash}  # tested with this one" in requirements
    assert "# added by dashgen" in requirements and backend.server_requirement in requirements

    bin_dir = venv_for(project / "requirements.txt", venv_cache)
    with boot(project, f"{bin_dir}/{procfile_command(project)}", prefix="/p/") as server:
        seen = drive_dash(f"{server.base}/p/")
        assert seen["responses"]

    again = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert again.returncode == 0 and "insert" not in again.stdout and "update" not in again.stdout


def _backend_of(name: str) -> str:
    return name.split("_", 1)[0]


def test_requirements_merge_adds_extras_and_keeps_everything(tmp_path):
    project = hand_written(tmp_path, "quart_own")
    original = "-e git+https://example.invalid/lib.git#egg=lib\ndash >=4.3, <5  # ours\r\nrequests\n"
    (project / "requirements.txt").write_bytes(original.replace("\r\n", "\n").encode())
    assert run_dashgen("deploy-files", "--target", "cloud", cwd=project).returncode == 0
    lines = (project / "requirements.txt").read_text().splitlines()
    assert lines[:3] == ["-e git+https://example.invalid/lib.git#egg=lib", "dash[quart] >=4.3, <5  # ours", "requests"]
    assert lines[3:] == ["", "# added by dashgen", "uvicorn[standard]>=0.30"]
    assert not (project / "Procfile").exists()  # cloud: requirements only


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_requirements_with_nothing_missing_are_not_touched(tmp_path, encoding):
    """Not even to end the last line: CRLF, no final newline, UTF-16 as PowerShell writes it."""
    project = hand_written(tmp_path, "flask_import_dash")
    original = "dash\r\npandas\r\ngunicorn".encode(encoding)
    (project / "requirements.txt").write_bytes(original)
    result = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "identical  requirements.txt" in result.stdout
    assert (project / "requirements.txt").read_bytes() == original


def test_flask_async_callbacks_get_dash_async(tmp_path):
    project = tmp_path
    (project / "app.py").write_text(
        "from dash import Dash, Input, Output, html\n\napp = Dash()\nserver = app.server\n"
        'app.layout = html.Div(id="x")\n\n\n@app.callback(Output("x", "children"), Input("x", "id"))\n'
        "async def show(value):\n    return value\n"
    )
    (project / "requirements.txt").write_text("dash==4.4.1\n")
    assert run_dashgen("deploy-files", "--target", "enterprise", cwd=project).returncode == 0
    assert "dash[async]==4.4.1" in (project / "requirements.txt").read_text()


def test_a_pin_without_backends_is_reported_not_changed(tmp_path):
    # A FastAPI app needs Dash's server backends; a plain Flask app does not (next test).
    project = hand_written(tmp_path, "fastapi_backend")
    (project / "requirements.txt").write_text("dash==2.18.2\n")
    result = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert result.returncode == 0
    assert "rules out every Dash with server backends" in result.stderr
    assert (project / "requirements.txt").read_text().splitlines()[0] == "dash[fastapi]==2.18.2"


def test_a_dash_2_pin_on_a_plain_flask_app_is_not_reported(tmp_path):
    project = hand_written(tmp_path, "flask_server_var")
    (project / "requirements.txt").write_text("dash==2.18.2\n")
    result = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert result.returncode == 0
    assert "rules out" not in result.stderr
    assert (project / "requirements.txt").read_text().splitlines()[0] == "dash==2.18.2"


@pytest.mark.parametrize(
    ("procfile", "problem"),
    [
        ("web: gunicorn app:server\n", "gunicorn serves this FastAPI (ASGI) app as WSGI"),
        ("web: uvicorn app:server --host 0.0.0.0 --port 8000\n", "defines no 'server'"),
        ("web: uvicorn main:server\n", "the module 'main', which does not exist"),
        ("worker: python jobs.py\n", "has no web: command"),
    ],
)
def test_wrong_procfile_is_named_in_the_refusal(tmp_path, procfile, problem):
    project = hand_written(tmp_path, "fastapi_own_alias")
    (project / "Procfile").write_text(procfile)
    before = snapshot(project)
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 1 and problem in result.stderr, result.stderr
    assert snapshot(project) == before


def test_flask_app_on_uvicorn_is_named_in_the_refusal(tmp_path):
    project = hand_written(tmp_path, "flask_server_var")
    (project / "Procfile").write_text("web: uvicorn app:server --host 0.0.0.0 --port 8000\n")
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 1 and "uvicorn serves this Flask (WSGI) app" in result.stderr


def test_lifespan_off_on_gunicorn_is_said_as_gunicorn_and_dropped_for_dashs_reason(tmp_path):
    project = hand_written(tmp_path, "fastapi_own_alias")
    (project / "Procfile").write_text("web: gunicorn app:api --lifespan off\n")
    report = json.loads(run_dashgen("check", "--json", cwd=project).stdout)
    procfile_codes = {finding["code"] for finding in report["findings"] if finding["file"] == "Procfile"}
    assert procfile_codes == {"procfile-wsgi-server-for-asgi"}  # not "runs uvicorn with --lifespan off"

    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "dropped `--lifespan off`: Dash adds its catch-all route at lifespan start-up" in result.stdout
    assert "no such option" not in result.stdout
    assert "--lifespan" not in (project / "Procfile").read_text()


def test_dockerfile_conflict_is_refused_and_forced(tmp_path):
    project = hand_written(tmp_path, "quart_own")
    (project / "Dockerfile").write_text("FROM python:3.9\n")
    before = snapshot(project)
    refused = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert refused.returncode == 1 and "Dockerfile differs" in refused.stderr
    assert snapshot(project) == before
    assert run_dashgen("deploy-files", "--target", "docker", "--force", cwd=project).returncode == 0
    assert "FROM python:" in (project / "Dockerfile").read_text()


def test_warnings_that_help(tmp_path):
    project = tmp_path
    shutil.copy(APPS / "flask_mounted.py", project / "app.py")
    with (project / "app.py").open("a") as handle:
        handle.write("\napp.run(debug=True)\n")
    (project / "requirements.txt").write_text("dash\n")
    (project / "environment.yml").write_text("name: x\n")
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "registers GET / without DASH_ROUTES_PATHNAME_PREFIX" in result.stderr
    assert "Dash is mounted at the literal /dash/" in result.stderr
    assert "at import time with debug=True" in result.stderr
    assert "environment.yml is beside requirements.txt" in result.stderr


def test_dry_run_shows_diffs_and_writes_nothing(tmp_path):
    project = hand_written(tmp_path, "fastapi_backend")
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    before = snapshot(project)
    result = run_dashgen("deploy-files", "--target", "enterprise", "--dry-run", cwd=project)
    assert result.returncode == 0
    assert "conflict  Procfile" in result.stdout and "+server = app.server" in result.stdout
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "heroku"], "Unknown target"),
        (["--target", "docker", "--python", "three"], "is not a Python version"),
    ],
)
def test_invalid_options_exit_2(tmp_path, args, message):
    hand_written(tmp_path, "quart_own")
    result = run_dashgen("deploy-files", *args, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr
