"""`dashgen new --pages` with `--websocket-callbacks` and `--background-callbacks`: the live chart
(pages/live.py) and the long job (pages/job.py) on pages of their own, and `add-page --live` and
`--job` writing the same pages. Each combination whose files differ is generated once (every
backend, every topology, each feature alone and both), booted with its Procfile's command with and
without DASH_ROUTES_PATHNAME_PREFIX (jobs on a real Celery worker and Redis), and driven page by
page; each combination that renders differently is used in Chromium."""

import json
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from background_helpers import celery_worker, process_line, redis_server, start_job, wait_for
from helpers import (
    DASH_PATH,
    assert_ruff_clean,
    boot,
    dash_config,
    generate,
    own_tests,
    page_content,
    procfile_command,
    request,
    run_callback,
    run_dashgen,
    snapshot,
)
from live import live_points, run_report
from test_background_browser import run_and_see_the_result
from test_browser import Watched, assert_looks_finished, pick_city_and_wait
from test_browser_live import live_pages, rate_of_points
from test_pages import _links, add_page, ids_in

LIVE, JOB = "--websocket-callbacks", "--background-callbacks"
# (backend, topology, features): Flask has jobs only, as Dash has no WebSocket callbacks there.
CASES = [
    ("flask", "default", (JOB,)),
    ("flask", "mount", (JOB,)),
    ("flask", "async-callbacks", (JOB,)),
    ("fastapi", "default", (LIVE, JOB)),
    ("fastapi", "own-server", (LIVE,)),
    ("fastapi", "mount", (LIVE,)),
    ("fastapi", "static-site", (LIVE, JOB)),
    ("fastapi", "async-callbacks", (JOB,)),
    ("quart", "default", (LIVE, JOB)),
    ("quart", "own-server", (JOB,)),
    ("quart", "mount", (LIVE, JOB)),
    ("quart", "static-site", (LIVE,)),
    ("quart", "async-callbacks", (LIVE, JOB)),
]
NAMES = {LIVE: "live", JOB: "job"}
IDS = [f"{backend}-{topology}-{'+'.join(NAMES[f] for f in features)}" for backend, topology, features in CASES]


def options(features: tuple[str, ...]) -> tuple[str, ...]:
    return ("--pages", *features)


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """One project per case, shared by this module's tests."""
    return {
        case: generate(tmp_path_factory.mktemp(name), case[0], case[1], options=options(case[2]))
        for case, name in zip(CASES, IDS, strict=True)
    }


@pytest.mark.parametrize(("backend", "topology", "features"), CASES, ids=IDS)
def test_project_passes_its_own_tests_ruff_and_check(projects, backend, topology, features):
    project = projects[backend, topology, features]
    files = set(snapshot(project))
    assert ("pages/live.py" in files) == (LIVE in features)
    assert ("pages/job.py" in files) == (JOB in features)
    assert ("tests/test_live.py" in files) == (LIVE in features)
    tests = own_tests(project, timeout=600)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert_ruff_clean(project)
    result = run_dashgen("check", "--json", cwd=project)
    report = json.loads(result.stdout)
    assert report["errors"] == 0 and report["warnings"] == 0, report["findings"]


@pytest.mark.parametrize(("backend", "topology", "features"), CASES, ids=IDS)
def test_the_feature_pages_are_what_add_page_writes(projects, backend, topology, features):
    project = projects[backend, topology, features]
    before = snapshot(project)
    for feature in features:
        name = NAMES[feature]
        result = add_page(project, name, f"--{name}")
        assert result.returncode == 0, result.stderr
        assert f"identical  pages/{name}.py" in result.stdout
    assert snapshot(project) == before


@pytest.mark.parametrize(
    ("backend", "features", "args", "status", "message"),
    [
        (
            "flask",
            (),
            ["live", "--live"],
            1,
            "app.py runs on Flask, and Dash has WebSocket callbacks only on FastAPI and Quart: "
            "a live page cannot stream there.",
        ),
        (
            "quart",
            (),
            ["job", "--job"],
            1,
            "app.py creates no background callback manager, so a job page's background callback could not run",
        ),
        ("fastapi", (LIVE,), ["stream", "--live"], 1, "pages/live.py:44 already has a component with the id 'rate'"),
        ("quart", (JOB,), ["both", "--live", "--job"], 2, "--live and --job make two different pages"),
    ],
    ids=["live-on-flask", "job-without-manager", "second-live-page", "live-and-job"],
)
def test_add_page_refuses_what_the_app_cannot_run(tmp_path, backend, features, args, status, message):
    project = generate(tmp_path, backend, "default", options=options(features))
    before = snapshot(project)
    result = add_page(project, *args)
    assert result.returncode == status, result.stdout + result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(project) == before
    assert add_page(project, *args, "--dry-run").returncode == status


def test_add_page_writes_a_live_and_a_job_page_into_a_pages_app(tmp_path):
    """A Pages app made without them gets them from add-page (--dry-run shows the module first)."""
    project = generate(tmp_path, "quart", "default", options=("--pages",))
    shown = add_page(project, "stream", "--live", "--dry-run")
    assert shown.returncode == 0 and "create  pages/stream.py" in shown.stdout
    assert 'dash.register_page(__name__, path="/stream", name="Stream", title="Stream")' in shown.stdout
    assert not (project / "pages" / "stream.py").exists()
    assert add_page(project, "stream", "--live").returncode == 0
    assert "websocket=True" in (project / "pages" / "stream.py").read_text()
    # The job page needs the manager app.py creates with --background-callbacks.
    (tmp_path / "jobs").mkdir()
    jobs = generate(tmp_path / "jobs", "flask", "default", options=("--background-callbacks",))
    assert add_page(jobs, "long", "--job").returncode == 1  # not a Pages app
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=project, capture_output=True)
    assert lint.returncode == 0, lint.stdout


# --- The Procfile's servers, a Celery worker and Redis ------------------------------------------


def start(stack: ExitStack, project: Path, tmp_path: Path, prefix: str | None, features) -> object:
    """The web: line (and, with jobs, Redis and the worker: line): the web server's handle."""
    env = {}
    if JOB in features:
        env["REDIS_URL"] = stack.enter_context(redis_server(tmp_path))
        stack.enter_context(celery_worker(project, process_line(project, "worker"), env))
    return stack.enter_context(boot(project, procfile_command(project), prefix=prefix, env=env))


@pytest.mark.server
@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
@pytest.mark.parametrize(("backend", "topology", "features"), CASES, ids=IDS)
def test_procfile_serves_every_page_and_runs_its_callbacks(projects, tmp_path, backend, topology, features, prefix):
    project = projects[backend, topology, features]
    base = f"{prefix or '/'}{DASH_PATH.get(topology, '')}"
    pages = ["analytics"] + [NAMES[feature] for feature in sorted(features, key=NAMES.get)]
    with ExitStack() as stack:
        server = start(stack, project, tmp_path, prefix, features)
        dash_url = f"{server.base}{base}"
        if LIVE in features:
            # The report first: its WebSocket may reach a worker that has served no HTTP request yet.
            report = run_report(dash_url)
            assert report.error == "", server.output()
            assert report.response["data"]["response"]["report-result"] == {"children": "Report 1 done: 5 steps."}
        layout = request(f"{dash_url}_dash-layout").json()
        links = {link["props"]["children"]: link["props"]["href"] for link in _links(layout)}
        assert links == {"Home": base, **{path.capitalize(): f"{base}{path}" for path in pages}}
        for path in ["", *pages]:
            assert "_dash-config" in request(f"{dash_url}{path}").text
        shown = run_callback(
            dash_url, [("temperature-chart", "figure"), ("summary", "children")], [("city", "value", "Oslo")]
        )
        assert shown["summary"]["children"].startswith("Oslo: 5.7 °C on average")
        if LIVE in features:
            assert {"rate", "live-chart", "run-report"} <= ids_in(page_content(dash_url, f"{base}live")["layout"])
            page = request(f"{dash_url}live")
            assert dash_config(page.text)["websocket"]["url"] == f"{base}_dash-ws-callback"
            live = live_points(dash_url, rate=10, seconds=3)
            assert live.error == "" and len(live.points) >= 20, (live, server.output())
            assert live.status.endswith("points, 10 per second")
        if JOB in features:
            assert {"job-points", "run-job", "job-progress"} <= ids_in(page_content(dash_url, f"{base}job")["layout"])
            clicked = {"run-job.n_clicks_timestamp": time.time() * 1000, "job-points.value": 2_000_000}
            job = start_job(dash_url, "job-result.children", "run-job", clicked)
            assert job.wait()["job-result"]["children"].startswith("π ≈ 3.1")
        hello = request(f"{server.base}{prefix or '/'}api/hello")
        assert hello.status == 200 and hello.json()["route"] == "/api/hello"
    assert "Traceback" not in server.output(), server.output()


# --- In Chromium --------------------------------------------------------------------------------

# Each combination that renders differently: the job page, the live page, both.
BROWSER_CASES = [("flask", "default", (JOB,)), ("fastapi", "mount", (LIVE,)), ("quart", "default", (LIVE, JOB))]


@pytest.mark.browser
@pytest.mark.server
@pytest.mark.parametrize(("backend", "topology", "features"), BROWSER_CASES, ids=["job", "live", "live+job"])
def test_a_person_uses_the_live_and_the_job_pages(projects, tmp_path, browser, backend, topology, features):
    """Behind /demo/, with the Procfile's workers (and Celery and Redis for jobs): the navigation
    marks the page shown, the live page's chart receives points, the job runs to its result, and
    going back home ends the live page's stream."""
    project = projects[backend, topology, features]
    base = f"/demo/{DASH_PATH.get(topology, '')}"
    names = ["Home", "Analytics"] + [NAMES[feature].capitalize() for feature in sorted(features, key=NAMES.get)]
    with ExitStack() as stack:
        server = start(stack, project, tmp_path, "/demo/", features)
        watched = Watched(browser, server)
        page = watched.page
        try:
            page.goto(f"{server.base}{base}")
            pick_city_and_wait(page, "Oslo")
            assert page.locator("nav.pages a").all_inner_texts() == names
            page.evaluate("window.stayedOnThisPage = true")
            if LIVE in features:
                page.click("nav.pages a:has-text('Live')")
                page.wait_for_url(f"{server.base}{base}live")
                # The navigation marks the page by a callback: once its answer is in, only that page.
                page.wait_for_selector("nav.pages a.current:has-text('Live')")
                assert page.locator("nav.pages a.current").all_inner_texts() == ["Live"]
                page.wait_for_selector("#live-status:has-text('points, 2 per second')")
                page.fill("#rate", "10")
                page.wait_for_selector("#live-status:has-text('10 per second')")
                assert rate_of_points(page, 3) > 2.5
                page.click("#run-report")
                page.wait_for_selector("#report-result:has-text('Report 1 done: 5 steps.')")
                assert_looks_finished(page)
                assert sum(live_pages(server.base).values()) == 1
                page.click("nav.pages a:has-text('Home')")
                page.wait_for_selector("#summary:has-text('Lisbon: 17.7')")
                # Leaving the live page ends its stream on the server, within the second it waits.
                wait_for(lambda: sum(live_pages(server.base).values()) == 0, 20)
            if JOB in features:
                page.click("nav.pages a:has-text('Job')")
                page.wait_for_url(f"{server.base}{base}job")
                # The navigation marks the page by a callback: once its answer is in, only that page.
                page.wait_for_selector("nav.pages a.current:has-text('Job')")
                assert page.locator("nav.pages a.current").all_inner_texts() == ["Job"]
                assert page.title() == "Job"
                run_and_see_the_result(page, 4_000_000)
                assert_looks_finished(page)
            assert page.evaluate("window.stayedOnThisPage") is True  # no reload on the way
        except Exception as error:
            raise AssertionError(f"the pages did not work: {watched.report()}") from error
        watched.assert_clean("/demo/")
        page.screenshot(path=str(tmp_path / "pages.png"))
        page.close()
