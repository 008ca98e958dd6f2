"""Real projects as the platform runs them: the Procfile's web: command read as bash reads it,
requirements read as pip reads them, the served module found through the project's imports,
every file read bounded and decoded as its consumer decodes it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import boot, drive_dash, procfile_command, request, run_dashgen, snapshot

APPS = Path(__file__).parent / "apps"
FLASK_APP = 'from dash import Dash, html\n\napp = Dash(__name__)\nserver = app.server\napp.layout = html.Div("hi")\n'
FASTAPI_APP = (
    "from dash import Dash, html\nfrom fastapi import FastAPI\n\nserver = FastAPI()\n"
    'app = Dash(__name__, server=server)\napp.layout = html.Div("hi")\n'
)
PINS = "dash[fastapi]>=4.2.0\ngunicorn>=23.0\nuvicorn[standard]>=0.30\n"


def project_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode())
    return tmp_path


def copy_app(tmp_path: Path, name: str) -> Path:
    shutil.copytree(APPS / name, tmp_path / name)
    return tmp_path / name


def one_sentence(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.stderr.startswith("error: "), result.stderr


# --- 2. A correct Procfile is kept ----------------------------------------------------------

CORRECT_FLASK_PROCFILES = [
    "web: gunicorn app:server\n",
    "web: gunicorn app:app\n",  # Dash.__call__ hands WSGI calls to its Flask server
    "web: gunicorn app:server",  # no final newline
    "web: gunicorn app:server\r\n",
    "\ufeffweb: gunicorn app:server\n",
    "# the web process\nweb: gunicorn app:server --workers ${WEB_CONCURRENCY:-2}  # two workers\n",
    "web: gunicorn 'app:server' --bind \"0.0.0.0:${PORT:-8000}\" --timeout 300 --preload\n",
    "web: gunicorn -b 0.0.0.0:$PORT -t 120 --log-level info --access-logfile - app:server\n",
    "web: gunicorn --bind=0.0.0.0:$PORT -w4 --worker-class gthread --threads 4 app:server\n",
    "release: python manage.py migrate\nweb: gunicorn app:server\nworker: celery -A tasks worker\n",
    "web: exec gunicorn app:server\n",
    "web: python -m gunicorn app:server\n",
    "web: newrelic-admin run-program gunicorn app:server\n",
    "web: waitress-serve --port=$PORT app:server\n",
]


@pytest.mark.parametrize("procfile", CORRECT_FLASK_PROCFILES)
def test_a_correct_flask_procfile_is_kept_byte_for_byte(tmp_path, procfile):
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash>=4.2.0\ngunicorn>=23.0\n"})
    (project / "Procfile").write_bytes(procfile.encode())
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Procfile kept" in result.stdout
    assert (project / "Procfile").read_bytes() == procfile.encode()


CORRECT_ASGI_PROCFILES = [
    "web: uvicorn app:server --host 0.0.0.0 --port $PORT\n",
    "web: uvicorn app:server --host=0.0.0.0 --port=${PORT:-8000} --workers 4 --proxy-headers\n",
    "web: hypercorn app:server -b 0.0.0.0:$PORT -w 2\n",
    "web: gunicorn -k uvicorn.workers.UvicornWorker app:server --timeout 300\n",
    "web: gunicorn app:server --worker-class uvicorn.workers.UvicornWorker -b :$PORT\n",
]


@pytest.mark.parametrize("procfile", CORRECT_ASGI_PROCFILES)
def test_a_correct_asgi_procfile_is_kept_byte_for_byte(tmp_path, procfile):
    project = project_with(tmp_path, {"app.py": FASTAPI_APP, "requirements.txt": PINS, "Procfile": procfile})
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == procfile


def test_a_factory_procfile_is_read(tmp_path):
    app = FASTAPI_APP.replace("server = FastAPI()\n", "server = FastAPI()\n\n\ndef create():\n    return server\n\n")
    procfile = "web: uvicorn --factory app:create --host 0.0.0.0 --port $PORT\n"
    project = project_with(tmp_path, {"app.py": app, "requirements.txt": PINS, "Procfile": procfile})
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == procfile


def test_chdir_and_pythonpath_find_the_app_in_a_subfolder(tmp_path):
    for procfile in (
        "web: gunicorn --chdir src app:server\n",
        "web: gunicorn --pythonpath src app:server\n",
        "web: cd src && gunicorn app:server\n",
    ):
        project = tmp_path / str(len(list(tmp_path.iterdir())))
        project_with(project, {"src/app.py": FLASK_APP, "requirements.txt": "dash>=4.2.0\ngunicorn\n"})
        (project / "Procfile").write_text(procfile)
        result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
        assert result.returncode == 0 and "Procfile kept" in result.stdout, (procfile, result.stderr)
        assert not (project / "src" / "requirements.txt").exists()


def test_force_replaces_only_the_wrong_target_and_keeps_the_users_flags(tmp_path):
    procfile = "# ours\nweb: gunicorn main:server --timeout 300 --preload -b 0.0.0.0:$PORT --log-level debug\n"
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash\ngunicorn\n"})
    (project / "Procfile").write_text(procfile)
    refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert refused.returncode == 1 and "the module 'main', which does not exist" in refused.stderr
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == procfile.replace("main:server", "app:server")
    assert "`main:server` is replaced by `app:server`" in result.stdout


def test_force_moving_to_another_server_carries_what_it_shares_and_lists_what_it_drops(tmp_path):
    procfile = "web: gunicorn app:server -w 3 --timeout 300 --preload -b 0.0.0.0:$PORT\n"
    project = project_with(tmp_path, {"app.py": FASTAPI_APP, "requirements.txt": PINS, "Procfile": procfile})
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    web = procfile_command(project)
    assert web.startswith("uvicorn app:server ") and "--workers 3" in web and "--host 0.0.0.0 --port $PORT" in web
    assert "--timeout" not in web and "--preload" not in web
    assert "gunicorn is replaced by uvicorn" in result.stdout
    assert "dropped `--timeout 300`" in result.stdout and "dropped `--preload`" in result.stdout
    again = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert again.returncode == 0 and "Procfile kept" in again.stdout, again.stderr


def test_force_drops_an_asgi_worker_class_on_flask_and_says_why(tmp_path):
    procfile = "web: gunicorn -k uvicorn.workers.UvicornWorker app:server --timeout 60\n"
    project = project_with(
        tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash\ngunicorn\n", "Procfile": procfile}
    )
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert procfile_command(project) == "gunicorn app:server --timeout 60"
    assert "dropped `-k uvicorn.workers.UvicornWorker`" in result.stdout


def test_a_launch_script_that_runs_the_right_server_is_kept(tmp_path):
    project = copy_app(tmp_path, "launch_script_continued")
    (project / "Procfile").write_text("web: bash launch.sh\n")
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == "web: bash launch.sh\n" and "Procfile kept" in result.stdout
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 0 and "bash" not in check.stdout.split("0 errors")[0].split("prefix")[-1]
    with boot(project, procfile_command(project)) as server:
        assert request(f"{server.base}/_dash-layout").status == 200


def test_a_launch_script_dashgen_cannot_read_is_kept_and_said(tmp_path):
    project = copy_app(tmp_path, "launch_script_continued")
    (project / "launch.sh").write_text("#!/bin/sh\n./start-the-thing\n")
    (project / "Procfile").write_text("web: sh launch.sh\n")
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == "web: sh launch.sh\n"
    assert "cannot tell which server that script starts" in result.stdout


def test_a_launch_script_with_the_wrong_server_is_refused_and_replaced_only_by_force(tmp_path):
    project = copy_app(tmp_path, "launch_script_continued")
    (project / "launch.sh").write_text("#!/bin/sh\nexec uvicorn app:server --port $PORT\n")
    (project / "Procfile").write_text("web: ./launch.sh\n")
    before = snapshot(project)
    refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert refused.returncode == 1 and "uvicorn serves this Flask (WSGI) app" in refused.stderr
    assert snapshot(project) == before
    forced = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert procfile_command(project).startswith("gunicorn app:server")
    assert "`./launch.sh` is replaced" in forced.stdout and "read from ./launch.sh" in forced.stdout


def _listening_addresses(port: int) -> set[str]:
    """The IPv4 addresses something listens on at `port`, from /proc/net/tcp."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


@pytest.mark.server
def test_a_dev_server_on_loopback_is_the_error_deploy_files_refuses_with_the_same_sentence(tmp_path):
    """check and deploy-files agree (issue 20: check warned while deploy-files refused)."""
    app = FLASK_APP.replace("server = app.server\n", "") + '\nif __name__ == "__main__":\n    app.run()\n'
    project = project_with(tmp_path, {"app.py": app, "requirements.txt": "dash\n", "Procfile": "web: python app.py\n"})
    check = run_dashgen("check", "--json", "--target", "enterprise", cwd=project)
    [finding] = [f for f in json.loads(check.stdout)["findings"] if f["file"] == "Procfile"]
    assert check.returncode == 1 and finding["code"] == "procfile-dev-server-on-loopback"
    before = snapshot(project)
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 1 and finding["problem"] in result.stderr and "--force" in result.stderr
    one_sentence(result)
    assert snapshot(project) == before
    # What the platform would start: Dash's development server, on 127.0.0.1 alone.
    with boot(project, "python app.py") as server:
        assert request(f"{server.base}/_dash-layout").status == 200
        assert _listening_addresses(int(server.base.rsplit(":", 1)[1])) == {"127.0.0.1"}
    forced = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert procfile_command(project).startswith("gunicorn app:server")
    assert "`python app.py` is replaced" in forced.stdout
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0


def test_a_dev_server_on_every_interface_is_a_warning_and_kept(tmp_path):
    app = FLASK_APP + '\nif __name__ == "__main__":\n    app.run(host="0.0.0.0")\n'
    files = {"app.py": app, "requirements.txt": "dash\ngunicorn\n", "Procfile": "web: python app.py\n"}
    project = project_with(tmp_path, files)
    check = run_dashgen("check", "--target", "enterprise", cwd=project)
    assert check.returncode == 0 and "warning[procfile-dev-server] Procfile:1" in check.stdout
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Procfile kept: `python app.py` runs Dash's development server" in result.stdout
    assert (project / "Procfile").read_text() == "web: python app.py\n"
    assert "identical  requirements.txt" in result.stdout


def test_a_procfile_bash_cannot_read_is_one_sentence(tmp_path):
    project = project_with(tmp_path, {"app.py": FLASK_APP, "Procfile": "web: gunicorn 'app:server\n"})
    before = snapshot(project)
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 1 and "not a command bash can run" in result.stderr
    one_sentence(result)
    assert snapshot(project) == before
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1 and "procfile" not in check.stderr and "bash can run" in check.stdout
    routed = run_dashgen("add-route", "/api/x", cwd=project)  # the app is still found
    assert routed.returncode == 0, routed.stderr


def test_a_module_name_with_a_dot_is_an_error_for_the_procfile(tmp_path):
    project = tmp_path / "dotted"
    project_with(project, {"my.app.py": FLASK_APP, "requirements.txt": "dash\ngunicorn\n"})
    before = snapshot(project)
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 1 and "cannot be loaded by that name" in result.stderr, result.stderr
    assert "rename it to my_app.py" in result.stderr
    one_sentence(result)
    assert snapshot(project) == before
    (project / "Procfile").write_text("web: gunicorn my.app:server\n")
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1 and "cannot be loaded by that name" in check.stdout


@pytest.mark.server
@pytest.mark.parametrize("name", ["68_charts.py", "dash-chat.py"])
def test_a_module_name_that_is_not_an_identifier_is_served_as_it_is(tmp_path, name):
    """gunicorn loads `68_charts:server` with importlib (issue 20: it was refused, with the
    suggestion to rename 68_charts.py to 68_charts.py)."""
    project = tmp_path / "numbered"
    project_with(project, {name: FLASK_APP, "requirements.txt": "dash\ngunicorn\n"})
    assert run_dashgen("deploy-files", "--target", "enterprise", cwd=project).returncode == 0
    assert run_dashgen("add-route", "/api/health", cwd=project).returncode == 0
    command = procfile_command(project)
    assert command.startswith(f"gunicorn {name.removesuffix('.py')}:server")
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0
    for prefix in (None, "/p/"):
        with boot(project, command, prefix=prefix) as server:
            base = f"{server.base}{prefix or '/'}"
            assert request(f"{base}_dash-layout").status == 200
            assert request(f"{base}api/health").status == 200


# --- 1. The entry point is what the platform serves -----------------------------------------


def _layout_status(project: Path, command: str) -> tuple[int, str]:
    with boot(project, command) as server:
        reply = request(f"{server.base}/_dash-layout")
        return reply.status, reply.text


@pytest.mark.server
def test_the_module_that_sets_the_layout_is_served(tmp_path):
    project = copy_app(tmp_path, "multi_module")
    (project / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")
    (project / "Procfile").write_text("web: gunicorn server:server --workers 2\n")
    status, text = _layout_status(project, procfile_command(project))
    assert status == 500 or text.strip() == "null"  # serving server:server: an app with no layout

    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1 and "never sets its layout" in check.stdout
    refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert refused.returncode == 1 and "index.py does" in refused.stderr
    forced = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert procfile_command(project) == "gunicorn index:server --workers 2"  # the user's workers kept
    assert (project / "server.py").read_text() == (APPS / "multi_module" / "server.py").read_text()
    status, _ = _layout_status(project, procfile_command(project))
    assert status == 200
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert drive_dash(f"{server.base}/p/")["responses"]
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0


@pytest.mark.server
def test_without_a_procfile_the_import_root_is_served(tmp_path):
    project = copy_app(tmp_path, "multi_module")
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert procfile_command(project).startswith("gunicorn index:server ")
    assert "index.py sets" in result.stdout or "sets the layout" in result.stdout
    with boot(project, procfile_command(project)) as server:
        assert request(f"{server.base}/_dash-layout").status == 200


@pytest.mark.server
def test_an_app_in_a_subfolder_is_served_from_the_project_root(tmp_path):
    project = copy_app(tmp_path, "subfolder")
    result = run_dashgen("deploy-files", "--target", "enterprise", "--app", "src/app.py", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (project / "src" / "requirements.txt").exists() and not (project / "src" / "Procfile").exists()
    assert procfile_command(project).startswith("gunicorn --chdir src app:server ")
    assert "gunicorn" in (project / "requirements.txt").read_text()
    # From inside the subfolder too: the project is the folder holding requirements.txt.
    again = run_dashgen("deploy-files", "--target", "enterprise", cwd=project / "src")
    assert again.returncode == 0 and "Procfile kept" in again.stdout, again.stderr
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert request(f"{server.base}/p/_dash-layout").status == 200
        assert "In a subfolder" in request(f"{server.base}/p/_dash-layout").text


@pytest.mark.server
def test_without_a_procfile_the_dockerfile_cmd_says_which_app_is_served(tmp_path):
    """Two modules create a Dash app; the image's CMD (exec form, continued over two lines) serves
    the one in a package folder, and that is the one every command works on."""
    project = copy_app(tmp_path, "docker_subfolder")
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Found the Dash app in dashboard/app.py" in check.stdout
    route = run_dashgen("add-route", "/api/health", cwd=project)
    assert route.returncode == 0, route.stderr
    assert "api/health" in (project / "dashboard" / "app.py").read_text()
    assert "api/health" not in (project / "demo.py").read_text()
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    for prefix in (None, "/p/"):
        with boot(project, procfile_command(project), prefix=prefix) as server:
            base = f"{server.base}{prefix or '/'}"
            assert "Served from the Dockerfile" in request(f"{base}_dash-layout").text
            assert request(f"{base}api/health").json() == {"route": "/api/health", "method": "GET"}


@pytest.mark.server
def test_an_asgi_app_mounting_dash_is_served_by_uvicorn_with_its_own_routes(tmp_path):
    project = copy_app(tmp_path, "fastapi_wraps_dash")  # Dash made by a factory, mounted with WSGIMiddleware
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1 and "does not list fastapi" in check.stdout
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert procfile_command(project).startswith("uvicorn main:app ")
    requirements = (project / "requirements.txt").read_text().splitlines()
    assert "fastapi" in requirements and "uvicorn[standard]>=0.30" in requirements
    assert (project / "main.py").read_text() == (APPS / "fastapi_wraps_dash" / "main.py").read_text()
    with boot(project, procfile_command(project)) as server:
        assert request(f"{server.base}/api/status").json() == {"status": "ok"}
        assert "Mounted in FastAPI" in request(f"{server.base}/dash/_dash-layout").text
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0


def test_force_keeps_the_procfiles_other_processes(tmp_path):
    procfile = (
        "release: python migrate.py\nweb: gunicorn main:server\nworker: python printing.py\nclock: python clock.py"
    )
    project = project_with(
        tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash\ngunicorn\n", "Procfile": procfile}
    )
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "Procfile").read_text() == procfile.replace("main:server", "app:server")


def test_several_dash_apps_follow_the_procfile_else_refuse_with_the_list(tmp_path):
    project = copy_app(tmp_path, "two_apps")
    before = snapshot(project)
    refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert refused.returncode == 1 and "app.py, demo.py" in refused.stderr and "--app" in refused.stderr
    assert snapshot(project) == before
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    kept = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert kept.returncode == 0 and "Procfile kept" in kept.stdout, kept.stderr
    routed = run_dashgen("add-route", "/api/health", cwd=project)
    assert routed.returncode == 0 and "app.py" in routed.stdout
    assert (project / "demo.py").read_text() == (APPS / "two_apps" / "demo.py").read_text()


def test_the_app_is_the_binding_in_effect_at_import_end(tmp_path):
    app = (
        "from dash import Dash, html\nfrom fastapi import FastAPI\n\napp = Dash(__name__)\n"
        'server = FastAPI()\napp = Dash(__name__, server=server)\napp.layout = html.Div("hi")\n'
    )
    project = project_with(tmp_path, {"app.py": app, "requirements.txt": PINS})
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr
    assert procfile_command(project).startswith("uvicorn app:server ")


# --- 3. requirements.txt read as pip reads it -------------------------------------------------


def _deploy(project: Path, target: str = "enterprise") -> subprocess.CompletedProcess:
    result = run_dashgen("deploy-files", "--target", target, cwd=project)
    assert result.returncode == 0, result.stderr
    return result


def test_utf8_bom_and_crlf_are_kept(tmp_path):
    original = "\ufeffDash==4.4.1\r\nrequests\r\n".encode()
    project = project_with(tmp_path, {"app.py": FASTAPI_APP, "requirements.txt": original})
    _deploy(project)
    data = (project / "requirements.txt").read_bytes()
    assert data.startswith("\ufeffDash[fastapi]==4.4.1\r\nrequests\r\n".encode())
    assert b"uvicorn[standard]>=0.30\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_utf16_from_powershell_is_read_and_written_back_as_utf16(tmp_path):
    original = "dash==4.4.1\r\ngunicorn==23.0.0\r\n".encode("utf-16")
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": original})
    _deploy(project)
    text = (project / "requirements.txt").read_bytes().decode("utf-16")
    assert text == "dash==4.4.1\r\ngunicorn==23.0.0\r\n"
    assert run_dashgen("check", "--target", "enterprise", cwd=project).returncode == 0


def test_continuations_hashes_markers_urls_and_pep503_names(tmp_path):
    requirements = (
        "DASH[Compress]==4.4.1 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --hash=sha256:" + "b" * 64 + "\n"
        'Uvicorn[standard]==0.30.0 ; python_version >= "3.9"\n'
        "my-lib @ https://example.invalid/my_lib-1.0.tar.gz\n"
        "git+https://example.invalid/other.git#egg=other\n"
    )
    project = project_with(tmp_path, {"app.py": FASTAPI_APP, "requirements.txt": requirements})
    _deploy(project)
    lines = (project / "requirements.txt").read_text().splitlines()
    assert lines[0] == "DASH[Compress,fastapi]==4.4.1 \\"  # the extra on the user's line, hashes below it
    assert lines[1:6] == requirements.splitlines()[1:6]
    assert "# added by dashgen" not in lines  # uvicorn is there, under another spelling


def test_includes_are_followed_and_copied_before_pip_install(tmp_path):
    files = {
        "app.py": FLASK_APP,
        "requirements.txt": "-r requirements/base.txt\n-c constraints.txt\n",
        "requirements/base.txt": "dash>=4.2.0\n-r prod.txt\n",
        "requirements/prod.txt": "gunicorn>=23.0\n",
        "constraints.txt": "flask<4\n",
    }
    project = project_with(tmp_path, files)
    check = run_dashgen("check", "--target", "enterprise", cwd=project)
    assert "requirements-no-dash" not in check.stdout and "does not list" not in check.stdout, check.stdout
    _deploy(project, "docker")
    assert (project / "requirements.txt").read_text() == files["requirements.txt"]  # nothing missing
    dockerfile = (project / "Dockerfile").read_text()
    copy = "COPY requirements.txt constraints.txt requirements/base.txt requirements/prod.txt ./"
    assert copy in dockerfile and dockerfile.index(copy) < dockerfile.index("RUN pip install")


@pytest.mark.parametrize(
    ("requirements", "said"),
    [
        ("dash\nthis is not a requirement\n", "line 2"),
        ("dash\n-r missing.txt\n", "missing.txt"),
        ("dash\n--no-such-option\n", "line 2"),
        (b"dash\n\xff\xfe\xfa garbage\n", "UTF-8"),
    ],
)
def test_a_requirements_file_pip_cannot_read_is_one_sentence(tmp_path, requirements, said):
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": requirements})
    before = snapshot(project)
    for command in (["check"], ["deploy-files", "--target", "enterprise"]):
        result = run_dashgen(*command, cwd=project)
        assert result.returncode == 1 and said in result.stderr, result.stderr
        one_sentence(result)
    assert snapshot(project) == before


def test_arbitrary_equality_is_read_without_a_traceback(tmp_path):
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash===foo\ngunicorn\n"})
    result = run_dashgen("check", "--target", "enterprise", cwd=project)
    assert "Traceback" not in result.stderr and result.returncode in (0, 1)
    assert run_dashgen("deploy-files", "--target", "enterprise", cwd=project).returncode == 0


# --- Reads: bounded, decoded as Python decodes them ---------------------------------------------


def test_a_fifo_and_a_huge_file_in_the_folder_are_never_read(tmp_path):
    project = project_with(tmp_path, {"app.py": FLASK_APP, "requirements.txt": "dash\ngunicorn\n"})
    os.mkfifo(project / "pipe.py")
    with (project / "huge.py").open("wb") as handle:
        handle.truncate(5 * 1024**3)  # sparse: 5 GB on paper, nothing on disk
    for command in (["check"], ["deploy-files", "--target", "enterprise"], ["add-route", "/api/x"]):
        result = subprocess.run(
            ["timeout", "60", sys.executable, "-m", "dashgen", *command],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (command, result.stderr)


def test_a_fifo_where_a_file_is_expected_is_one_sentence(tmp_path):
    project = project_with(tmp_path, {"app.py": FLASK_APP})
    os.mkfifo(project / "requirements.txt")
    result = run_dashgen("check", cwd=project)
    assert result.returncode == 1 and "not a regular file" in result.stderr
    one_sentence(result)
    (project / "requirements.txt").unlink()
    os.mkfifo(project / "Dockerfile")
    before = {path.name for path in project.iterdir()}
    docker = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert docker.returncode == 1 and "Dockerfile is not a regular file" in docker.stderr
    one_sentence(docker)
    assert {path.name for path in project.iterdir()} == before


def test_latin1_and_bom_modules_work_and_keep_their_bytes(tmp_path):
    latin1 = ("# -*- coding: latin-1 -*-\n" + FLASK_APP.replace('"hi"', '"caf\u00e9"')).encode("latin-1")
    bom = b"\xef\xbb\xbf" + FLASK_APP.replace("server = app.server\n", "").encode()
    for name, data in (("latin", latin1), ("bom", bom)):
        project = project_with(tmp_path / name, {"app.py": data, "requirements.txt": "dash\ngunicorn\n"})
        for command in (["deploy-files", "--target", "enterprise"], ["add-route", "/api/health"], ["check"]):
            result = run_dashgen(*command, cwd=project)
            assert result.returncode == 0, (name, command, result.stderr)
        written = (project / "app.py").read_bytes()
        assert written.startswith(b"\xef\xbb\xbf" if name == "bom" else b"# -*- coding: latin-1 -*-\n")
        compile(written, "app.py", "exec")  # Python still reads it, by its own declaration
        if name == "latin":
            assert b"caf\xe9" in written
        with boot(project, procfile_command(project)) as server:
            assert request(f"{server.base}/api/health").status == 200


def test_a_deep_but_valid_expression_never_raises_recursion_error(tmp_path):
    terms = " + ".join(f'"{index}"' for index in range(1200))
    app = FLASK_APP + f"BANNER = {terms}\napp.run(debug=BANNER == {terms})\n"
    project = project_with(tmp_path, {"app.py": app, "requirements.txt": "dash\ngunicorn\n"})
    for command in (["check"], ["deploy-files", "--target", "enterprise"], ["add-route", "/api/health"]):
        result = run_dashgen(*command, cwd=project)
        assert "Traceback" not in result.stderr and "RecursionError" not in result.stderr, result.stderr
        assert result.returncode in (0, 1)
    compile((project / "app.py").read_text(), "app.py", "exec")


def test_a_server_the_user_lists_is_left_as_written(tmp_path):
    project = project_with(tmp_path, {"app.py": FASTAPI_APP, "requirements.txt": "dash[fastapi]>=4.2.0\nuvicorn\n"})
    _deploy(project)
    assert (project / "requirements.txt").read_text() == "dash[fastapi]>=4.2.0\nuvicorn\n"
