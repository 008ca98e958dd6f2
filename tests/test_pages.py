"""Dash Pages: `dashgen add-page` on hand-written and generated Pages apps (the module it writes,
served by the real server below DASH_ROUTES_PATHNAME_PREFIX; re-runs identical; refusals change
nothing) and `check`'s Pages findings, each error shown real by booting the app."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    boot,
    generate,
    own_tests,
    page_content,
    procfile_command,
    request,
    run_callback,
    run_dashgen,
    snapshot,
)

from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"


@pytest.fixture
def quart_pages(tmp_path) -> Path:
    """A copy of the hand-written Pages app on Quart, whose pages are in views/."""
    project = tmp_path / "site"
    shutil.copytree(APPS / "pages_quart", project)
    return project


def add_page(project: Path, *args: str):
    return run_dashgen("add-page", *args, cwd=project)


def ids_in(layout) -> set[str]:
    return set(_ids(layout))


def _ids(node):
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            yield props["id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value)


# --- add-page ---------------------------------------------------------------------------------


def test_add_page_writes_a_page_module_and_rerunning_is_identical(quart_pages):
    result = add_page(quart_pages, "reports")
    assert result.returncode == 0, result.stderr
    assert "create  views/reports.py" in result.stdout
    text = (quart_pages / "views" / "reports.py").read_text()
    assert 'dash.register_page(__name__, path="/reports", name="Reports", title="Reports")' in text
    assert '@callback(\n    Output("reports-clicks", "children"),\n    Input("reports-button", "n_clicks"),\n)' in text
    assert "async def" not in text  # the app's callbacks are plain def

    before = snapshot(quart_pages)
    again = add_page(quart_pages, "reports")
    assert again.returncode == 0 and "identical  views/reports.py" in again.stdout
    assert snapshot(quart_pages) == before


def test_nested_page_with_path_and_title(quart_pages):
    result = add_page(quart_pages, "sales/monthly", "--path", "/sales/monthly", "--title", "Monthly sales")
    assert result.returncode == 0, result.stderr
    text = (quart_pages / "views" / "sales" / "monthly.py").read_text()
    assert 'path="/sales/monthly", name="Monthly sales", title="Monthly sales"' in text
    assert 'id="sales-monthly-button"' in text and 'id="sales-monthly-clicks"' in text
    assert not (quart_pages / "views" / "sales" / "__init__.py").exists()  # Dash needs no package


def test_dry_run_shows_the_module_and_writes_nothing(quart_pages):
    before = snapshot(quart_pages)
    result = add_page(quart_pages, "reports", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "create  views/reports.py" in result.stdout and "Dry run: nothing was written." in result.stdout
    assert 'dash.register_page(__name__, path="/reports"' in result.stdout
    assert snapshot(quart_pages) == before


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["sales-report"], 2, "'sales-report' is not a module path"),
        (["_private"], 2, "Dash skips page modules and folders whose names start with _"),
        (["report", "--path", "/a b"], 2, "The page path '/a b' is not a path"),
        (["report", "--path", "/x/../y"], 2, "is not a path"),
        (["report", "--path", "/_dash-layout"], 2, "one of Dash's own routes"),
        (["report", "--path", "/assets/logo"], 2, "one of Dash's own routes"),
        (["report", "--title", ""], 2, "--title '' is empty"),
        (["intro", "--path", "/docs/intro"], 1, "views/docs/intro.py:5 already registers the page path /docs/intro"),
        (["welcome", "--path", "/"], 1, "views/home.py:4 already registers the page path /"),
        (["home"], 1, "views/home.py already exists: edit it there"),
        (["status", "--path", "/api/status"], 1, "app.py:17 already serves /api/status (status)"),
    ],
)
def test_refusals_say_why_and_change_nothing(quart_pages, args, status, message):
    before = snapshot(quart_pages)
    result = add_page(quart_pages, *args)
    assert result.returncode == status, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(quart_pages) == before


def test_an_app_without_pages_is_told_how_to_turn_them_on(tmp_path):
    shutil.copy(APPS / "fastapi_backend.py", tmp_path / "app.py")
    before = snapshot(tmp_path)
    result = add_page(tmp_path, "reports")
    assert result.returncode == 1
    assert "app.py:3 creates the Dash app without Pages: turn them on with app = Dash(..., use_pages=True)" in (
        result.stderr
    )
    assert "dash.page_container" in result.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.server
@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
def test_added_pages_are_served_by_the_real_server(quart_pages, prefix):
    assert add_page(quart_pages, "reports").returncode == 0
    assert add_page(quart_pages, "sales/monthly", "--title", "Monthly sales").returncode == 0
    base = prefix or "/"
    with boot(quart_pages, BACKENDS["quart"].command("app:server"), prefix=prefix) as server:
        dash_url = f"{server.base}{base}"
        layout = request(f"{dash_url}_dash-layout").json()
        links = {link["props"]["children"]: link["props"]["href"] for link in _links(layout)}
        assert links == {
            "Home": base,
            "Intro": f"{base}docs/intro",
            "Reports": f"{base}reports",
            "Monthly sales": f"{base}sales/monthly",
        }
        for path, ids in (
            ("reports", {"reports-button", "reports-clicks"}),
            ("sales/monthly", {"sales-monthly-button"}),
        ):
            assert request(f"{dash_url}{path}").status == 200  # a direct load gets Dash's page
            content = page_content(dash_url, f"{base}{path}")
            assert ids <= ids_in(content["layout"])
        assert page_content(dash_url, f"{base}reports")["title"] == "Reports"
        clicked = run_callback(dash_url, [("reports-clicks", "children")], [("reports-button", "n_clicks", 1)])
        assert clicked == {"reports-clicks": {"children": "Clicked 1 time."}}
        assert "404" in json.dumps(page_content(dash_url, f"{base}no/such/page")["layout"])
    assert "Traceback" not in server.output(), server.output()


def _links(layout):
    if isinstance(layout, dict):
        if layout.get("type") == "Link":
            yield layout
        for value in layout.values():
            yield from _links(value)
    elif isinstance(layout, list):
        for value in layout:
            yield from _links(value)


# --- check ------------------------------------------------------------------------------------


def check(project: Path) -> dict:
    result = run_dashgen("check", "--json", cwd=project)
    report = json.loads(result.stdout)
    assert result.returncode == (1 if report["errors"] else 0), result.stderr
    return report


def findings(report: dict, code: str) -> list[dict]:
    return [finding for finding in report["findings"] if finding["code"] == code]


def write_deploy_files(project: Path) -> None:
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert result.returncode == 0, result.stderr


def serves_pages(project: Path, command: str, paths: list[str]) -> bool:
    """Whether the app, started with `command` below /p/, serves each path's page."""
    try:
        with boot(project, command, prefix="/p/", timeout=45) as server:
            for path in paths:
                if request(f"{server.base}/p/{path}").status != 200:
                    return False
                page_content(f"{server.base}/p/", f"/p/{path}")
            return True
    except (AssertionError, OSError, ValueError, StopIteration):
        return False


@pytest.mark.server
def test_two_pages_at_one_path_fail_every_page_until_one_moves(quart_pages):
    write_deploy_files(quart_pages)
    assert add_page(quart_pages, "reports").returncode == 0
    assert add_page(quart_pages, "stats").returncode == 0
    stats = quart_pages / "views" / "stats.py"
    stats.write_text(stats.read_text().replace('path="/stats"', 'path="/reports"'))
    [finding] = findings(check(quart_pages), "pages-duplicate-path")
    assert finding["severity"] == "error" and (finding["file"], finding["line"]) == ("views/stats.py", 6)
    command = BACKENDS["quart"].command("app:server")
    assert not serves_pages(quart_pages, command, ["", "reports"])

    stats.write_text(stats.read_text().replace('path="/reports"', 'path="/stats"'))
    assert check(quart_pages)["errors"] == 0
    assert serves_pages(quart_pages, command, ["", "reports", "stats"])


@pytest.mark.server
def test_a_missing_pages_folder_stops_the_app_until_a_page_is_added(quart_pages):
    write_deploy_files(quart_pages)
    shutil.rmtree(quart_pages / "views")
    [finding] = findings(check(quart_pages), "pages-folder-missing")
    assert (finding["file"], finding["line"]) == ("app.py", 6)
    assert finding["command"] == "dashgen add-page home --path /"
    command = BACKENDS["quart"].command("app:server")
    assert not serves_pages(quart_pages, command, [""])

    assert add_page(quart_pages, "home", "--path", "/").returncode == 0
    assert check(quart_pages)["errors"] == 0
    assert serves_pages(quart_pages, command, [""])


@pytest.mark.server
def test_fastapi_pages_with_lifespan_off_answer_404_until_the_procfile_is_rewritten(tmp_path):
    project = tmp_path / "site"
    shutil.copytree(APPS / "pages_quart", project)
    app = project / "app.py"
    app.write_text(app.read_text().replace('backend="quart"', 'backend="fastapi"').replace(".route(", ".get("))
    write_deploy_files(project)
    procfile = project / "Procfile"
    procfile.write_text(procfile.read_text().replace(" --no-access-log", " --no-access-log --lifespan off"))
    [finding] = findings(check(project), "procfile-lifespan-off")
    assert (finding["file"], finding["line"]) == ("Procfile", 1)
    command = procfile.read_text().removeprefix("web:").strip()
    assert serves_pages(project, command, [""])  # the first page answers...
    assert not serves_pages(project, command, ["docs/intro"])  # ...every other one is a 404

    assert run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project).returncode == 0
    assert check(project)["errors"] == 0
    command = procfile.read_text().removeprefix("web:").strip()
    assert serves_pages(project, command, ["", "docs/intro"])


def test_the_lifespan_finding_is_fastapis_alone(quart_pages):
    write_deploy_files(quart_pages)
    procfile = quart_pages / "Procfile"
    procfile.write_text(procfile.read_text().rstrip("\n") + " --lifespan off\n")
    assert findings(check(quart_pages), "procfile-lifespan-off") == []


def test_duplicate_ids_across_pages_are_a_warning(quart_pages):
    (quart_pages / "views" / "copy.py").write_text(
        (quart_pages / "views" / "docs" / "intro.py")
        .read_text()
        .replace("register_page(__name__)", 'register_page(__name__, path="/copy")')
    )
    report = check(quart_pages)
    warned = {finding["problem"].split("'")[1] for finding in findings(report, "pages-duplicate-id")}
    assert warned == {"intro-text", "intro-echo"}
    assert all(finding["severity"] == "warning" for finding in findings(report, "pages-duplicate-id"))
    # Pages dashgen writes never share an id.
    (quart_pages / "views" / "copy.py").unlink()
    for name in ("reports", "sales/reports", "sales_reports"):
        assert add_page(quart_pages, name).returncode == 0
    assert findings(check(quart_pages), "pages-duplicate-id") == []


# --- new --pages ------------------------------------------------------------------------------

CASES = [(backend, topology) for backend in BACKENDS for topology in TOPOLOGIES]
IDS = [f"{backend}-{topology}" for backend, topology in CASES]


@pytest.fixture(scope="module")
def pages_projects(tmp_path_factory):
    """One `dashgen new --pages` project per backend and topology, shared by this module's tests."""
    return {case: generate(tmp_path_factory.mktemp("-".join(case)), *case, options=("--pages",)) for case in CASES}


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_new_pages_project_passes_its_own_tests_ruff_and_check(pages_projects, backend, topology):
    project = pages_projects[backend, topology]
    assert {"pages/home.py", "pages/analytics.py", "pages/not_found_404.py"} <= set(snapshot(project))
    assert "use_pages=True" in (project / "app.py").read_text()
    tests = own_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=project, capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    report = check(project)
    assert report["errors"] == 0 and report["warnings"] == 0, report["findings"]


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_the_second_page_is_what_add_page_writes(pages_projects, backend, topology):
    project = pages_projects[backend, topology]
    before = snapshot(project)
    result = add_page(project, "analytics")
    assert result.returncode == 0, result.stderr
    assert "identical  pages/analytics.py" in result.stdout
    assert snapshot(project) == before


@pytest.mark.server
@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_procfile_serves_every_page(pages_projects, backend, topology, prefix):
    project = pages_projects[backend, topology]
    base = f"{prefix or '/'}{DASH_PATH.get(topology, '')}"
    with boot(project, procfile_command(project), prefix=prefix) as server:
        dash_url = f"{server.base}{base}"
        layout = request(f"{dash_url}_dash-layout").json()
        links = {link["props"]["children"]: link["props"]["href"] for link in _links(layout)}
        assert links == {"Home": base, "Analytics": f"{base}analytics"}
        for path in ("", "analytics", "no/such/page"):
            assert "_dash-config" in request(f"{dash_url}{path}").text
        home = page_content(dash_url, base)
        assert {"city", "temperature-chart", "summary"} <= ids_in(home["layout"])
        shown = run_callback(
            dash_url, [("temperature-chart", "figure"), ("summary", "children")], [("city", "value", "Oslo")]
        )
        assert shown["summary"]["children"].startswith("Oslo: 5.7 °C on average")
        analytics = page_content(dash_url, f"{base}analytics")
        assert {"analytics-button", "analytics-clicks"} <= ids_in(analytics["layout"])
        assert analytics["title"] == "Analytics"
        clicked = run_callback(dash_url, [("analytics-clicks", "children")], [("analytics-button", "n_clicks", 3)])
        assert clicked["analytics-clicks"]["children"] == "Clicked 3 times."
        missing = page_content(dash_url, f"{base}no/such/page")
        assert "Page not found" in json.dumps(missing["layout"])
        assert f'"href": "{base}"' in json.dumps(missing["layout"])  # its link home keeps the prefix
        hello = request(f"{server.base}{prefix or '/'}api/hello")
        assert hello.status == 200 and hello.json()["route"] == "/api/hello"
    assert "Traceback" not in server.output(), server.output()


@pytest.mark.server
@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_a_page_loaded_first_gets_the_full_index(pages_projects, backend, topology):
    """A worker whose first request is a page other than the home page must still serve the
    whole index: the app's stylesheet, and what the browser needs to know the other pages."""
    project = pages_projects[backend, topology]
    one_worker = procfile_command(project).replace("${WEB_CONCURRENCY:-2}", "1")
    assert one_worker != procfile_command(project)
    base = f"/demo/{DASH_PATH.get(topology, '')}"
    with boot(project, one_worker, prefix="/demo/") as server:
        first = request(f"{server.base}{base}analytics").text
        assert f"{base}assets/style.css" in first
        assert "validation_layout" in first
