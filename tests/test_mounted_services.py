"""A FastAPI service that mounts a Dash app imported as a module (`import dashapp`, then
`app.mount("/real", WSGIMiddleware(dashapp.app.server))`) is one app: the ASGI app the platform
serves. dashgen serves it as itself, keeps a gunicorn-managed uvicorn Procfile, and never
inserts a line above what it uses (issue 20: `server = app.server` on line 1 stopped `import main`)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import boot, procfile_command, request, run_dashgen, snapshot

APPS = Path(__file__).parent / "apps"


@pytest.fixture
def service(tmp_path) -> Path:
    project = tmp_path / "service"
    shutil.copytree(APPS / "fastapi_mounts_module", project)
    return project


def check(project: Path, *args: str) -> dict:
    return json.loads(run_dashgen("check", "--json", *args, cwd=project).stdout)


def imports(project: Path, module: str) -> subprocess.CompletedProcess:
    """`import module` in the test environment, which has the app's dependencies."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], cwd=project, capture_output=True, text=True)


def test_the_service_is_what_deploy_files_serves(service):
    before = (service / "main.py").read_text()
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=service)
    assert result.returncode == 0, result.stderr
    assert "The platform serves main (its ASGI app mounts Dash's server)." in result.stdout
    assert procfile_command(service).startswith("uvicorn main:app ")
    assert (service / "main.py").read_text() == before  # the service is its own server: nothing to add
    assert imports(service, "main").returncode == 0


@pytest.mark.server
def test_the_service_boots_from_its_procfile_and_serves_dash_where_it_is_mounted(service):
    run_dashgen("deploy-files", "--target", "enterprise", cwd=service)
    assert imports(service, "main").returncode == 0
    with boot(service, procfile_command(service)) as server:
        assert request(f"{server.base}/api/status").json() == {"ok": True}
        assert request(f"{server.base}/real/").status == 200
        assert request(f"{server.base}/real/_dash-layout").status == 200


def test_add_route_refuses_what_would_answer_below_the_mount(service):
    """A route on Dash's Flask server would answer at /real/api/health, not /api/health."""
    before = snapshot(service)
    result = run_dashgen("add-route", "/api/health", cwd=service)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "The platform serves main.py's FastAPI app `app`, which mounts Dash's server" in result.stderr
    assert snapshot(service) == before


@pytest.mark.server
def test_under_dash_enterprise_the_literal_requests_prefix_is_the_error_check_reports(service):
    """The prefix is an error only where it is set, and there the mounted page cannot load."""
    run_dashgen("deploy-files", "--target", "enterprise", cwd=service)
    findings = check(service, "--target", "enterprise")["findings"]
    assert ("literal-requests-prefix", "dashapp.py", 3) in {(f["code"], f["file"], f["line"]) for f in findings}
    with boot(service, procfile_command(service), prefix="/p/") as server:
        page = request(f"{server.base}/real/")
        # Dash serves its routes below /p/ inside the mount, while the page asks below /real/.
        assert page.status != 200 or request(f"{server.base}/real/_dash-layout").status != 200


@pytest.mark.server
def test_gunicorn_managing_uvicorn_workers_is_a_correct_procfile(service):
    (service / "Procfile").write_text("web: gunicorn -k uvicorn.workers.UvicornWorker main:app\n")
    (service / "requirements.txt").write_text("dash>=4.2.0\nfastapi\nuvicorn[standard]\ngunicorn\n")
    report = check(service)
    assert [f for f in report["findings"] if f["file"] == "Procfile"] == [], report["findings"]
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=service)
    assert result.returncode == 0 and "Procfile kept" in result.stdout, result.stdout + result.stderr
    with boot(service, procfile_command(service)) as server:
        assert request(f"{server.base}/real/_dash-layout").status == 200


def test_a_server_variable_is_never_inserted_above_what_binds_the_app(service):
    """`from dashapp import *` binds `app`, but not where dashgen can tell: refused, not guessed."""
    (service / "main.py").write_text("from dashapp import *  # noqa: F403\n")
    (service / "Procfile").write_text("web: gunicorn main:server\n")
    before = snapshot(service)
    result = run_dashgen("deploy-files", "--target", "docker", cwd=service)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "cannot add `server = app.server` there" in result.stderr
    assert snapshot(service) == before
