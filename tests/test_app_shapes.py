"""Shapes of real apps dashgen refused (issue 20): a subclass of Dash (dash-extensions'
DashProxy, a company's own Dash class: "No module creates a Dash app") and a server made in a
sibling module (`from server import api`, `Dash(server=api)`: "Cannot tell which server"). Each
is found, given a Procfile and a route, and served below the prefix."""

import json
import shutil
from pathlib import Path

import pytest
from helpers import boot, drive_dash, procfile_command, request, run_dashgen, snapshot

APPS = Path(__file__).parent / "apps"


def _serves(project: Path, *, route: bool = True) -> None:
    """Booted from its Procfile, at the root and below the prefix: the page, its layout and every
    callback answer, and so does the /api/health route add-route wrote (when `route`)."""
    for prefix in (None, "/p/"):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            base = f"{server.base}{prefix or '/'}"
            drive_dash(base)
            if route:
                assert request(f"{base}api/health").status == 200


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
    assert procfile_command(project).startswith(server)
    _serves(project)


@pytest.mark.server
@pytest.mark.parametrize("where", ["the root", "the package", "--app"])
def test_an_app_in_a_package_it_imports_absolutely_is_served_from_above_the_package(tmp_path, where):
    """`sales/app.py` does `from sales.figures import greeting` and `sales/requirements.txt` is
    the project's: the platform runs it from the folder above (issue 20: dashgen wrote
    `sales/Procfile` with `gunicorn app:server`, and `import sales` failed)."""
    project = tmp_path / "shop"
    shutil.copytree(APPS / "package_absolute", project)
    cwd, options = {
        "the root": (project, []),
        "the package": (project / "sales", []),
        "--app": (project, ["--app", "sales/app.py"]),
    }[where]
    deployed = run_dashgen("deploy-files", "--target", "enterprise", *options, cwd=cwd)
    assert deployed.returncode == 0, deployed.stderr
    assert not (project / "sales" / "Procfile").exists()
    assert procfile_command(project).startswith("gunicorn sales.app:server")
    assert (project / "requirements.txt").read_text().startswith("-r sales/requirements.txt\n")
    assert run_dashgen("add-route", "/api/health", *options, cwd=cwd).returncode == 0
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
    _serves(project)


@pytest.mark.server
def test_a_project_that_declares_its_dependencies_in_pyproject_gets_them_in_requirements(tmp_path):
    """issue 20: without requirements.txt, deploy-files wrote one with Dash and the server alone,
    and the deployed app failed at `import httpx`."""
    project = tmp_path / "rates"
    shutil.copytree(APPS / "pyproject_deps", project)
    deployed = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deployed.returncode == 0, deployed.stderr
    assert "requirements.txt: pyproject.toml's [project] dependencies" in deployed.stdout
    requirements = (project / "requirements.txt").read_text().splitlines()
    assert requirements[:3] == ["# pyproject.toml [project] dependencies", "dash>=4.2.0", "httpx>=0.27"]
    assert "gunicorn>=23.0" in requirements
    assert run_dashgen("add-route", "/api/health", cwd=project).returncode == 0
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
    _serves(project)


@pytest.mark.server
@pytest.mark.parametrize(
    ("shape", "server", "routes"),
    [
        # The app exists only inside create_app(): the server calls it, and add-route refuses.
        ("factory_call", "gunicorn 'app:create_app()'", False),
        ("factory_fastapi", "uvicorn --factory app:create_app", False),
        # create_app() makes the Flask server and init_dashboard(server) puts the Dash app on it.
        ("factory_server", "gunicorn 'shop:create_app()'", False),
        # Dash(server=False) in the factory, then init_app(flask_app); a package's __init__.py served.
        ("factory_init_app", "gunicorn 'portal:create_app()'", False),
        # `server = create_app()` at module level: that server is served, and routes go on it.
        ("factory_module_server", "gunicorn app:server", True),
        # `app = create_dash_app()` with the factory imported from another module.
        ("factory_imported", "gunicorn app:server", True),
    ],
)
def test_an_app_built_by_a_factory_deploys_and_serves(tmp_path, shape, server, routes):
    """issue 20: "not a Dash app" for apps made in create_app() (served as `gunicorn
    'pkg:create_app()'` or `uvicorn --factory`) and for `app = create_dash_app()` imported."""
    project = tmp_path / shape
    shutil.copytree(APPS / shape, project)
    deployed = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deployed.returncode == 0, deployed.stderr
    assert procfile_command(project).startswith(server)
    before = snapshot(project)
    added = run_dashgen("add-route", "/api/health", cwd=project)
    if routes:
        assert added.returncode == 0, added.stderr
    else:
        assert added.returncode == 1
        assert "builds its Dash app inside create_app()" in added.stderr
        assert "Traceback" not in added.stderr
        assert snapshot(project) == before
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
    _serves(project, route=routes)


@pytest.mark.server
@pytest.mark.parametrize(
    ("shape", "procfile", "code"),
    [
        ("factory_call", "web: gunicorn app:create_app", "procfile-factory-not-called"),
        ("factory_fastapi_returns_dash", "web: uvicorn --factory app:create_app --port 8000", "procfile-dash-object"),
    ],
)
def test_a_factory_served_wrongly_is_an_error_its_boot_proves(tmp_path, shape, procfile, code):
    """What check calls an error answers 500 when booted; the command check gives serves."""
    project = tmp_path / shape
    if shape == "factory_fastapi_returns_dash":
        shutil.copytree(APPS / "factory_fastapi", project)
        app = project / "app.py"
        app.write_text(app.read_text().replace("    return app.server\n", "    return app\n"))
    else:
        shutil.copytree(APPS / shape, project)
    (project / "Procfile").write_text(procfile + "\n")
    checked = run_dashgen("check", "--target", "enterprise", "--format", "json", cwd=project)
    assert checked.returncode == 1
    findings = [finding for finding in json.loads(checked.stdout)["findings"] if finding["severity"] == "error"]
    assert [finding["code"] for finding in findings] == [code]
    with boot(project, procfile_command(project)) as booted:
        assert request(f"{booted.base}/").status == 500
    if code == "procfile-factory-not-called":
        fixed = findings[0]["fix"].removeprefix("Point it at the factory: web: ")
        (project / "Procfile").write_text(f"web: {fixed}\n")
        assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
        with boot(project, fixed) as booted:
            drive_dash(f"{booted.base}/")
