"""`dashgen check` on the shapes real apps have (issue 10): each error shown real — the app,
started with its own Procfile command, does not serve; after the fix the finding names, `check`
is clean and the app serves — and each non-error shown serving as it is."""

import json
import shlex
import shutil
from pathlib import Path

import pytest
from helpers import (
    boot,
    dash_config,
    drive_dash,
    edit,
    finding,
    first_requests_are_scripts,
    free_port,
    procfile_command,
    request,
    run_dashgen,
    shape,
    snapshot,
    venv_for,
)
from test_check import check, codes, serves

APPS = Path(__file__).parent / "apps"
SHAPES = sorted(path.name for path in APPS.iterdir() if path.is_dir())
SINGLE_FILES = sorted(path.stem for path in APPS.glob("*.py"))


# --- Errors, demonstrated ----------------------------------------------------------------


@pytest.mark.server
def test_dash_2_component_packages_do_not_import_until_written_from_dash(tmp_path):
    project = shape(tmp_path, "dash2_components")
    report = check(project)
    assert codes(report) == {"legacy-component-import"}
    assert {item["fix"] for item in report["findings"] if item["severity"] == "error"} == {
        "Write `from dash import dcc` instead.",
        "Write `from dash import html` instead.",
    }
    assert not serves(project, procfile_command(project))  # ModuleNotFoundError in every worker

    app = project / "app.py"
    edit(app, "import dash_core_components as dcc\nimport dash_html_components as html\n", "")
    edit(app, "from dash.dependencies import Input, Output\n", "from dash import Input, Output, dcc, html\n")
    edit(app, "app.run_server(debug=True)", "app.run(debug=True)")
    assert check(project, "--target", "enterprise")["findings"] == []
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_an_app_nothing_fills_answers_500_until_its_layout_is_set(tmp_path):
    project = shape(tmp_path, "no_layout")
    report = check(project, "--target", "enterprise")
    assert codes(report) == {"app-no-layout"}
    assert finding(report, "app-no-layout")["line"] == 5
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert request(f"{server.base}/p/").status == 500  # NoLayoutException
        assert "NoLayoutException" in server.output()

    edit(project / "app.py", "import dash\n", "import dash\nfrom dash import html\n")
    edit(project / "app.py", "server = app.server\n", 'server = app.server\napp.layout = html.Div("Filled")\n')
    assert check(project, "--target", "enterprise")["findings"] == []
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert request(f"{server.base}/p/").status == 200
        assert "Filled" in request(f"{server.base}/p/_dash-layout").text


@pytest.mark.server
def test_quart_workers_answer_500_until_each_finishes_dash_set_up_at_start(tmp_path):
    project = tmp_path / "quart_workers"
    project.mkdir()
    shutil.copy(APPS / "quart_own.py", project / "app.py")
    (project / "Procfile").write_text("web: uvicorn app:server --host 0.0.0.0 --port 8000 --workers 2\n")
    (project / "requirements.txt").write_text("dash[quart]>=4.2.0\nuvicorn[standard]>=0.30\n")
    report = check(project, "--target", "enterprise")
    assert "setup-race" in codes(report, "warning")
    one_worker = procfile_command(project).replace("--workers 2", "--workers 1")
    statuses = first_requests_are_scripts(project, one_worker, "/demo/", tmp_path)
    assert 500 in statuses.values(), statuses

    fix = finding(report, "setup-race")["fix"]
    decorator, function = fix.removeprefix("Make each worker's first request when it starts: ").split(", then ")
    function = function.removesuffix(".").strip("`").replace(": await", ":\n    await")
    with (project / "app.py").open("a") as app:
        app.write(f"\n\n{decorator}\n{function}\n")
    assert "setup-race" not in codes(check(project, "--target", "enterprise"), "warning")
    statuses = first_requests_are_scripts(project, one_worker, "/demo/", tmp_path)
    assert set(statuses.values()) == {200}, statuses


def test_dash_2_component_packages_are_fine_where_requirements_install_them(tmp_path):
    project = shape(tmp_path, "dash2_components")
    # Pinned below Dash 3, or the packages listed: pip installs them, and the imports work.
    (project / "requirements.txt").write_text("dash==2.18.2\ngunicorn\n")
    assert "legacy-component-import" not in codes(check(project))
    (project / "requirements.txt").write_text("dash\ndash-core-components\ndash_html_components\ngunicorn\n")
    assert "legacy-component-import" not in codes(check(project))
    # A fallback inside try/except ImportError is the app's own answer to the question.
    (project / "requirements.txt").write_text("dash\ngunicorn\n")
    edit(
        project / "app.py",
        "import dash_core_components as dcc\nimport dash_html_components as html\n",
        "try:\n    import dash_core_components as dcc\n    import dash_html_components as html\n"
        "except ImportError:\n    from dash import dcc, html\n",
    )
    assert "legacy-component-import" not in codes(check(project))


@pytest.mark.server
def test_dash_2_component_packages_are_found_in_the_modules_the_app_imports(tmp_path):
    project = shape(tmp_path, "dash2_components")
    app = project / "app.py"
    edit(app, "import dash_core_components as dcc\nimport dash_html_components as html\n", "")
    edit(
        app,
        "from dash.dependencies import Input, Output\n",
        "from dash import Input, Output\n\nfrom parts import dcc, html\n",
    )
    (project / "parts").mkdir()
    (project / "parts" / "__init__.py").write_text("from .components import dcc, html\n")
    (project / "parts" / "components.py").write_text(
        "import dash_core_components as dcc\nimport dash_html_components as html\n"
    )
    report = check(project)
    assert {(item["file"], item["line"]) for item in report["findings"] if item["severity"] == "error"} == {
        ("parts/components.py", 1),
        ("parts/components.py", 2),
    }
    assert not serves(project, procfile_command(project))


@pytest.mark.server
@pytest.mark.parametrize("name", ["run_server_at_import", "run_at_import"])
def test_a_server_started_at_import_time_never_serves_until_it_moves_under_main(tmp_path, name):
    project = shape(tmp_path, name)
    report = check(project)
    assert codes(report) == {"run-at-import"}
    assert finding(report, "run-at-import")["line"] == 18
    # run_server: AttributeError in every worker. run: each worker blocks in Dash's development
    # server (on a port of its own here) and gunicorn's own port never answers.
    dev_port = str(free_port())
    try:
        with boot(project, procfile_command(project), prefix="/p/", timeout=45, env={"DEV_PORT": dev_port}) as server:
            drive_dash(f"{server.base}/p/")
            served = True
    except (AssertionError, OSError):
        served = False
    assert not served

    app = project / "app.py"
    text = app.read_text()
    run = text[text.rindex("\napp.run") + 1 :]
    # The guard written the other way round is a main guard all the same.
    app.write_text(text.replace(run, 'if "__main__" == __name__:\n    ' + run.replace("run_server", "run")))
    assert check(project, "--target", "enterprise")["findings"] == []
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_url_base_pathname_stops_the_app_under_dash_enterprise_until_it_composes_the_prefix(tmp_path):
    project = shape(tmp_path, "url_base_pathname")
    report = check(project, "--target", "enterprise")
    assert codes(report) == {"url-base-with-prefix"}
    # Dash Enterprise's rule alone: only Dash Enterprise sets the prefix variables.
    assert "url-base-with-prefix" not in codes(check(project)) | codes(check(project), "warning")
    assert not serves(project, procfile_command(project), "dash/")  # InvalidConfig at import
    with boot(project, procfile_command(project)) as server:  # without the prefix it serves at /dash/
        drive_dash(f"{server.base}/dash/")

    # The Docker HEALTHCHECK probes where the app really answers.
    result = run_dashgen("deploy-files", "--target", "docker", "-q", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "urlopen('http://127.0.0.1:8000/dash/'" in (project / "Dockerfile").read_text()

    app = project / "app.py"
    edit(app, "from dash import", "import os\n\nfrom dash import")
    edit(
        app,
        'Dash(__name__, url_base_pathname="/dash/")',
        'Dash(__name__, routes_pathname_prefix=f"{PREFIX}dash/")',
    )
    edit(app, "app = Dash", 'PREFIX = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")\n\napp = Dash')
    assert check(project, "--target", "enterprise")["findings"] == []
    assert serves(project, procfile_command(project), "dash/")


def _browser_reaches_layout(base: str, page_path: str) -> bool:
    """Load the page and ask for the layout where the page tells the browser to."""
    page = request(f"{base}{page_path}")
    assert page.status == 200, page.text[:300]
    requests_prefix = dash_config(page.text)["requests_pathname_prefix"]
    return request(f"{base}{requests_prefix}_dash-layout").status == 200


@pytest.mark.server
def test_a_literal_requests_prefix_sends_the_browser_where_nothing_answers_until_it_goes(tmp_path):
    project = shape(tmp_path, "literal_requests_prefix")
    assert codes(check(project, "--target", "enterprise")) == {"literal-requests-prefix"}
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert not _browser_reaches_layout(server.base, "/p/")

    edit(project / "app.py", 'Dash(__name__, requests_pathname_prefix="/")', "Dash(__name__)")
    assert check(project, "--target", "enterprise")["findings"] == []
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert _browser_reaches_layout(server.base, "/p/")
    assert serves(project, procfile_command(project))


# --- Not errors, shown serving -------------------------------------------------------------


@pytest.mark.server
def test_a_dash_2_pin_serves_a_plain_flask_app(tmp_path, venv_cache):
    project = shape(tmp_path, "flask_dash2_pin")
    for target in ([], ["--target", "enterprise"], ["--target", "cloud"]):
        assert check(project, *target)["findings"] == []
    bin_dir = venv_for(project / "requirements.txt", venv_cache)
    assert serves(project, f"{bin_dir}/{procfile_command(project)}")


def test_a_dash_2_pin_is_an_error_where_the_app_needs_backends(tmp_path):
    project = shape(tmp_path, "flask_dash2_pin")
    edit(project / "app.py", "Dash(__name__)", 'Dash(__name__, backend="flask")')
    assert "requirements-dash-too-old" in codes(check(project))


@pytest.mark.server
def test_gunicorn_serves_the_dash_object_of_a_flask_app(tmp_path):
    project = shape(tmp_path, "flask_dash_object")
    assert check(project, "--target", "enterprise")["findings"] == []
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_a_launch_script_is_not_a_package_missing_from_requirements(tmp_path):
    project = shape(tmp_path, "launch_script")
    report = check(project, "--target", "enterprise")
    assert not any("bash" in item["problem"] for item in report["findings"]), report["findings"]
    assert report["errors"] == 0
    assert serves(project, procfile_command(project))


@pytest.mark.server
def test_python_app_py_is_a_warning_naming_the_production_command(tmp_path):
    project = shape(tmp_path, "dev_server_procfile")
    report = check(project, "--target", "enterprise")
    assert report["errors"] == 0 and codes(report, "warning") == {"procfile-dev-server"}
    warning = finding(report, "procfile-dev-server")
    assert warning["fix"] == "Use the production server: web: gunicorn app:server --workers ${WEB_CONCURRENCY:-2}"
    # It does serve, on the development server, which binds $PORT as the platform sets it.
    with boot(project, procfile_command(project)) as server:
        drive_dash(f"{server.base}/")


def test_url_paths_and_other_non_credentials_are_not_secrets(tmp_path):
    project = shape(tmp_path, "flask_dash_object")
    with (project / "app.py").open("a") as handle:
        handle.write(
            '\ntoken_url = "/login"\nOAUTH = {"token_endpoint": "https://example.com/oauth/token"}\n'
            'PASSWORD_FIELD = "password"\nhelp_text = dict(password="Type your password here")\n'
            'server = app.server\nserver.config["SECRET_KEY"] = "k3y-8f2a9c"\n'
            'DATABASE = dict(password="hunter22")\n'
        )
    report = check(project)
    secrets = [item for item in report["findings"] if item["code"] == "secret-in-source"]
    assert [item["problem"].split()[0] for item in secrets] == ["SECRET_KEY", "password"]


# --- Output and suggestions ----------------------------------------------------------------


def test_output_is_plain_text(tmp_path):
    project = shape(tmp_path, "flask_dash_object")
    app = project / "app.py"
    lines = app.read_text().splitlines()
    route = '@app.server.route("/x/:100:/[bold]raw[/bold]")\ndef raw():\n    return "raw"\n'
    # The route's finding lands on line 100: "app.py:100:" must not become rich's :100: emoji.
    app.write_text("\n".join(lines + [""] * (99 - len(lines))) + "\n" + route)
    result = run_dashgen("check", cwd=project)
    assert "app.py:100  app.py registers GET /x/:100:/[bold]raw[/bold] without" in result.stdout, result.stdout
    deploy = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert "warning: app.py:100: app.py registers GET /x/:100:/[bold]raw[/bold]" in deploy.stderr, deploy.stderr
    assert "\N{HUNDRED POINTS SYMBOL}" not in result.stdout + deploy.stderr


def _projects(tmp_path: Path) -> dict[str, Path]:
    """Every test app as a project: the shapes as they are, the single modules as app.py alone."""
    projects = {}
    for name in SHAPES:
        projects[name] = shape(tmp_path / "shapes", name)
    for name in SINGLE_FILES:
        (tmp_path / "single" / name).mkdir(parents=True)
        shutil.copy(APPS / f"{name}.py", tmp_path / "single" / name / "app.py")
        projects[name] = tmp_path / "single" / name
    return projects


def test_every_suggested_command_runs_and_does_what_it_says(tmp_path):
    ran = set()
    runs = 0
    for name, project in _projects(tmp_path / "apps").items():
        for target in ([], ["--target", "enterprise"], ["--target", "cloud"], ["--target", "docker"]):
            report = json.loads(run_dashgen("check", "--json", *target, cwd=project).stdout)
            if "error" in report:
                continue  # refused with its reason (two apps and no Procfile, ...): nothing suggested
            for command in {item["command"] for item in report["findings"] if item["command"]}:
                fixed = [item["code"] for item in report["findings"] if item["command"] == command]
                words = shlex.split(command)
                assert words[0] == "dashgen"
                runs += 1
                work = tmp_path / "runs" / f"{name}-{runs}"
                shutil.copytree(project, work)
                result = run_dashgen(*words[1:], cwd=work)
                assert result.returncode == 0, (name, command, result.stderr)
                after = json.loads(run_dashgen("check", "--json", *target, cwd=work).stdout)
                assert not set(fixed) & (codes(after, "error") | codes(after, "warning")), (name, command, after)
                # It did it once: running it again changes nothing.
                before_again = snapshot(work)
                assert run_dashgen(*words[1:], cwd=work).returncode == 0
                assert snapshot(work) == before_again
                ran.add((name, command))
    commands = {command for _, command in ran}
    assert {"dashgen deploy-files --target enterprise", "dashgen deploy-files --target enterprise --force"} <= commands
    assert any(name == "dev_server_procfile" for name, _ in ran)
