"""`dashgen new` for every backend and topology, booted with the Procfile's own command on the
real server (gunicorn or uvicorn), with and without DASH_ROUTES_PATHNAME_PREFIX."""

import subprocess
import sys

import pytest
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    boot,
    drive_dash,
    first_requests_are_scripts,
    generate,
    own_tests,
    procfile_command,
    request,
)

from dashgen.backends import BACKENDS

pytestmark = pytest.mark.server

CASES = [(backend, topology) for backend in BACKENDS for topology in TOPOLOGIES]
IDS = [f"{backend}-{topology}" for backend, topology in CASES]


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """One generated project per case, shared by the tests of this module."""
    made = {}
    for backend, topology in CASES:
        made[backend, topology] = generate(tmp_path_factory.mktemp(f"{backend}-{topology}"), backend, topology)
    return made


@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_procfile_serves_the_app(projects, backend, topology, prefix):
    project = projects[backend, topology]
    base = prefix or "/"
    dash_path = DASH_PATH.get(topology, "")
    with boot(project, procfile_command(project), prefix=prefix) as server:
        seen = drive_dash(f"{server.base}{base}{dash_path}")
        assert seen["config"]["requests_pathname_prefix"] == f"{base}{dash_path}"
        figure, summary = seen["responses"][0]["temperature-chart"], seen["responses"][0]["summary"]
        assert figure["figure"]["data"][0]["type"] == "bar"
        assert summary["children"].startswith("Lisbon: 17.7 °C on average")

        hello = request(f"{server.base}{base}api/hello")
        assert hello.status == 200 and hello.json() == {"route": "/api/hello", "method": "GET"}
        if prefix:
            # Outside the prefix the route must not answer (Dash's catch-all may, with its page).
            assert '"route"' not in request(f"{server.base}/api/hello").text

        if dash_path:
            home = request(f"{server.base}{base}")
            assert home.status == 200 and f'href="{dash_path}"' in home.text
        if topology == "static-site":
            site = request(f"{server.base}{base}app/")
            assert site.status == 200 and 'id="dashboard-link"' in site.text
            assert "_dash-config" not in site.text
            data = request(f"{server.base}{base}api/data")
            assert data.json()["route"] == "/api/data"
            assert data.json()["yearly_mean"]["Oslo"] == 5.7
    assert "Traceback" not in server.output(), server.output()


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_generated_project_passes_its_own_checks(projects, backend, topology):
    project = projects[backend, topology]
    tests = own_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_a_fresh_worker_serves_the_scripts_a_page_loads_in_parallel(projects, tmp_path, backend, topology):
    """The browser loads the page from one worker and its scripts, in parallel, from any: the
    scripts may be a worker's first requests, and must not race with its first-request set-up."""
    project = projects[backend, topology]
    one_worker = procfile_command(project).replace("${WEB_CONCURRENCY:-2}", "1")
    statuses = first_requests_are_scripts(project, one_worker, f"/demo/{DASH_PATH.get(topology, '')}", tmp_path)
    assert set(statuses.values()) == {200}, statuses
