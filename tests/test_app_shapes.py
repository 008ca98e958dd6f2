"""Shapes of real apps dashgen refused (issue 20): a subclass of Dash (dash-extensions'
DashProxy, a company's own Dash class: "No module creates a Dash app") and a server made in a
sibling module (`from server import api`, `Dash(server=api)`: "Cannot tell which server"). Each
is found, given a Procfile and a route, and served below the prefix."""

import shutil
from pathlib import Path

import pytest
from helpers import boot, drive_dash, procfile_command, request, run_dashgen

APPS = Path(__file__).parent / "apps"


@pytest.mark.server
@pytest.mark.parametrize(
    ("shape", "server"),
    [
        ("dash_proxy", "gunicorn app:server"),
        ("dash_subclass", "gunicorn app:server"),
        ("sibling_server", "uvicorn app:api"),
    ],
)
def test_the_app_deploys_and_serves(tmp_path, shape, server):
    project = tmp_path / shape
    shutil.copytree(APPS / shape, project)
    deployed = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deployed.returncode == 0, deployed.stderr
    assert "Found the Dash app in app.py" in deployed.stdout
    assert run_dashgen("add-route", "/api/health", cwd=project).returncode == 0
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
    command = procfile_command(project)
    assert command.startswith(server)
    for prefix in (None, "/p/"):
        with boot(project, command, prefix=prefix) as server:
            base = f"{server.base}{prefix or '/'}"
            drive_dash(base)  # the page, its layout and every callback answer
            assert request(f"{base}api/health").status == 200
