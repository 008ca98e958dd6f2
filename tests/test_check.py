"""`dashgen check`: clean on everything dashgen makes, and every error it reports shown real —
the misconfigured app, started as its Procfile says, does not serve; after the fix dashgen
names, `check` is clean and the app serves."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from helpers import (
    BIN,
    TOPOLOGIES,
    boot,
    drive_dash,
    free_port,
    generate,
    procfile_command,
    request,
    run_dashgen,
    venv_for,
)

from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"
HAND_WRITTEN = sorted(path.stem for path in APPS.glob("*.py"))


def check(project: Path, *args: str) -> dict:
    result = run_dashgen("check", "--json", *args, cwd=project)
    report = json.loads(result.stdout)
    assert result.returncode == (1 if report["errors"] else 0), result.stderr
    return report


def codes(report: dict, severity: str = "error") -> set[str]:
    return {finding["code"] for finding in report["findings"] if finding["severity"] == severity}


def serves(project: Path, command: str, dash_path: str = "") -> bool:
    """Whether `command`, started as the Procfile says with a /p/ prefix, serves the Dash app."""
    try:
        with boot(project, command, prefix="/p/", timeout=45) as server:
            drive_dash(f"{server.base}/p/{dash_path}")
            return True
    except (AssertionError, OSError, ValueError):  # no listener, reset connections, error pages
        return False


def fix(project: Path, *args: str) -> None:
    result = run_dashgen(*args, cwd=project)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_every_generated_project_checks_clean(tmp_path, backend, topology):
    project = generate(tmp_path, backend, topology)
    for target in (None, "enterprise", "cloud"):
        report = check(project, *(["--target", target] if target else []))
        assert report["errors"] == 0 and report["warnings"] == 0, report["findings"]


@pytest.mark.parametrize("name", HAND_WRITTEN)
def test_hand_written_apps_have_no_errors_after_deploy_files(tmp_path, name):
    shutil.copy(APPS / f"{name}.py", tmp_path / "app.py")
    before = check(tmp_path, "--target", "enterprise")
    assert "procfile-missing" in codes(before) and "requirements-missing" in codes(before)
    fix(tmp_path, "deploy-files", "--target", "enterprise")
    assert check(tmp_path, "--target", "enterprise")["errors"] == 0


def test_human_output_names_file_line_fix_and_command(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    result = run_dashgen("check", cwd=project)
    assert result.returncode == 1
    assert (
        "error[procfile-wsgi-server-for-asgi] Procfile:1  gunicorn serves this FastAPI (ASGI) app as WSGI"
        in result.stdout
    )
    assert "fix: Serve it with uvicorn: web: uvicorn app:server --host 0.0.0.0 --port 8000" in result.stdout
    assert "run: dashgen deploy-files --target enterprise --force" in result.stdout
    assert "requirements.txt does not list gunicorn, which the Procfile runs" in result.stdout
    assert result.stdout.rstrip().endswith("2 errors, 0 warnings.")


def test_bad_usage_exits_2(tmp_path):
    generate(tmp_path, "flask", "default")
    assert run_dashgen("check", "--target", "heroku", cwd=tmp_path / "demo").returncode == 2


def test_warnings_do_not_fail_the_check(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    with (project / "app.py").open("a") as handle:
        handle.write('\nserver.state.SECRET_KEY = "s3cr3t-value"\nOAUTH_TOKEN_URL = "/login"\n')
    (project / "requirements.txt").write_text("dash[fastapi]\nuvicorn[standard]\n")
    (project / "environment.yml").write_text("name: demo\n")
    report = check(project)
    assert report["errors"] == 0
    assert codes(report, "warning") == {
        "secret-in-source",
        "environment-yml-ignored",
        "requirements-dash-unbounded",  # a FastAPI app needs Dash >= 4.2
    }
    assert [finding["line"] for finding in report["findings"] if finding["code"] == "secret-in-source"] == [
        len((project / "app.py").read_text().splitlines()) - 1
    ]


# --- Each error, demonstrated ------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize(
    ("backend", "procfile", "code"),
    [
        ("fastapi", "web: gunicorn app:server --workers 2\n", "procfile-wsgi-server-for-asgi"),
        ("quart", "web: gunicorn app:server\n", "procfile-wsgi-server-for-asgi"),
        ("flask", "web: uvicorn app:server --host 0.0.0.0 --port 8000\n", "procfile-asgi-server-for-wsgi"),
        ("quart", "web: uvicorn app:app --host 0.0.0.0 --port 8000\n", "procfile-dash-object"),
        ("fastapi", "web: uvicorn main:server --host 0.0.0.0 --port 8000\n", "procfile-module-missing"),
        ("flask", "web: gunicorn app:application\n", "procfile-variable-missing"),
    ],
)
def test_a_wrong_procfile_does_not_serve_until_deploy_files_fixes_it(tmp_path, backend, procfile, code):
    project = generate(tmp_path, backend, "default")
    (project / "Procfile").write_text(procfile)
    assert code in codes(check(project))
    assert not serves(project, procfile_command(project))

    fix(project, "deploy-files", "--target", "enterprise", "--force")
    assert check(project, "--target", "enterprise")["errors"] == 0
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_a_missing_server_variable_does_not_serve_until_deploy_files_adds_it(tmp_path):
    shutil.copy(APPS / "flask_import_dash.py", tmp_path / "app.py")
    procfile = f"web: {BACKENDS['flask'].command('app:server')}\n"
    (tmp_path / "Procfile").write_text(procfile)
    (tmp_path / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")
    report = check(tmp_path, "--target", "enterprise")
    # The Procfile names a variable the module lacks; a Flask app as such needs none (next test).
    assert codes(report) == {"procfile-variable-missing"}
    assert not serves(tmp_path, procfile_command(tmp_path))

    fix(tmp_path, "deploy-files", "--target", "enterprise")  # adds `server = app.server`; Procfile as it was
    assert (tmp_path / "Procfile").read_text() == procfile
    assert check(tmp_path, "--target", "enterprise")["errors"] == 0
    assert serves(tmp_path, procfile_command(tmp_path))


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.server
def test_a_procfile_without_web_starts_no_server_until_deploy_files_fixes_it(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    (project / "Procfile").write_text('worker: python -c "import time; time.sleep(30)"\n')
    assert "procfile-no-web" in codes(check(project))
    # Start every process the Procfile declares, as the platform would, with $PORT set: none listens.
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    processes = [
        subprocess.Popen(["bash", "-c", line.split(":", 1)[1]], cwd=project, env=environment, start_new_session=True)
        for line in (project / "Procfile").read_text().splitlines()
    ]
    try:
        time.sleep(5)
        assert not _listening(port)
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    fix(project, "deploy-files", "--target", "enterprise", "--force")
    assert check(project)["errors"] == 0
    assert serves(project, procfile_command(project))


@pytest.mark.server
@pytest.mark.parametrize(
    ("backend", "topology", "requirements", "code"),
    [
        ("fastapi", "default", "dash>=4.2.0\nuvicorn[standard]>=0.30\n", "requirements-missing-extra"),
        ("quart", "default", "dash>=4.2.0\nuvicorn[standard]>=0.30\n", "requirements-missing-extra"),
        ("flask", "default", "dash>=4.2.0\n", "requirements-missing-server"),
    ],
)
def test_missing_requirements_do_not_serve_until_deploy_files_adds_them(
    tmp_path, venv_cache, backend, topology, requirements, code
):
    project = generate(tmp_path, backend, topology)
    (project / "requirements.txt").write_text(requirements)
    assert code in codes(check(project))
    assert not serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")

    fix(project, "deploy-files", "--target", "enterprise")
    assert check(project)["errors"] == 0
    assert serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")


@pytest.mark.server
def test_flask_async_callbacks_without_dash_async_fail_until_deploy_files_adds_it(tmp_path, venv_cache):
    project = generate(tmp_path, "flask", "async-callbacks")
    (project / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")
    assert "requirements-missing-extra" in codes(check(project))
    command = f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}"
    assert not serves(project, command)  # the page loads; the callback answers 500

    fix(project, "deploy-files", "--target", "enterprise")
    assert "dash[async]>=4.2.0" in (project / "requirements.txt").read_text()
    assert check(project)["errors"] == 0
    assert serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")


@pytest.mark.server
def test_a_pin_without_backends_does_not_serve_until_it_is_raised(tmp_path, venv_cache):
    project = generate(tmp_path, "fastapi", "default")
    (project / "requirements.txt").write_text("dash[fastapi]==3.4.0\nfastapi\nuvicorn[standard]>=0.30\n")
    assert "requirements-dash-too-old" in codes(check(project))
    assert not serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")

    # deploy-files never changes a pin; it reports it. Raising it is the user's edit.
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert "rules out every Dash with server backends" in result.stderr
    (project / "requirements.txt").write_text("dash[fastapi]==4.4.1\nfastapi\nuvicorn[standard]>=0.30\n")
    assert check(project)["errors"] == 0
    assert serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")


@pytest.mark.server
def test_a_route_on_dashs_page_shadows_it_until_it_moves(tmp_path):
    project = generate(tmp_path, "fastapi", "own-server")
    app = project / "app.py"
    text = app.read_text()
    # A front page registered before Dash(): on FastAPI it wins over Dash's own page.
    shadow = '@server.get(PREFIX)\nasync def front():\n    return {"page": "mine"}\n\n\n'
    app.write_text(text.replace("app = Dash(", shadow + "app = Dash(", 1))
    assert "route-collides-with-dash" in codes(check(project))
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert request(f"{server.base}/p/").json() == {"page": "mine"}
    assert not serves(project, procfile_command(project))

    app.write_text(app.read_text().replace("@server.get(PREFIX)", '@server.get(f"{PREFIX}front")'))
    assert check(project)["errors"] == 0
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_an_unprefixed_route_answers_only_outside_the_prefix(tmp_path):
    # A warning, shown real all the same: below the prefix the route is not there.
    shutil.copy(APPS / "fastapi_backend.py", tmp_path / "app.py")
    fix(tmp_path, "deploy-files", "--target", "enterprise")
    assert "route-without-prefix" in codes(check(tmp_path), "warning")
    with boot(tmp_path, procfile_command(tmp_path), prefix="/p/") as server:
        assert request(f"{server.base}/api/status").json() == {"status": "success"}
        assert '"status"' not in request(f"{server.base}/p/api/status").text
