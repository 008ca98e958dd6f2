"""`dashgen new --mcp` (issue 23) for every backend and topology, booted with the Procfile's own
command on the real server (gunicorn or uvicorn, 2 workers), with and without
DASH_ROUTES_PATHNAME_PREFIX, and driven with the `mcp` client as an agent: the summary tool
answers with the token, the guard answers 401 without it and 403 to a foreign Origin, and MCP
is off without DASH_MCP_TOKEN. Then `check`, the project's own tests, add-route, add-page and
deploy-files on --mcp apps."""

import json

import pytest
import yaml
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    as_agent,
    assert_ruff_clean,
    boot,
    drive_dash,
    edit,
    generate,
    mcp_status,
    own_test_ids,
    own_tests,
    procfile_command,
    request,
    run_dashgen,
)

from dashgen.backends import BACKENDS, websocket_callback_backends

TOKEN = "s3cret-mcp-token"
EVIL = "http://evil.example"
CASES = [(backend, topology) for backend in BACKENDS for topology in TOPOLOGIES]
IDS = [f"{backend}-{topology}" for backend, topology in CASES]
# --mcp with each feature it combines with, on every backend that has the feature.
COMBINATIONS = [
    (backend, options)
    for backend in BACKENDS
    for options in (("--pages",), ("--pages", "--mount", "/dash/"), ("--background-callbacks",))
] + [(backend.name, ("--websocket-callbacks",)) for backend in websocket_callback_backends()]
COMBINATION_IDS = [f"{backend}{''.join(options)}" for backend, options in COMBINATIONS]


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """One generated --mcp project per case, shared by the tests of this module."""
    return {
        (backend, topology): generate(
            tmp_path_factory.mktemp(f"{backend}-{topology}"), backend, topology, options=("--mcp",)
        )
        for backend, topology in CASES
    }


def mcp_url(base: str, backend: str, dash_path: str) -> str:
    return f"{base}{dash_path}{BACKENDS[backend].mcp_path}"


def report(project):
    result = run_dashgen("check", "--format", "json", cwd=project)
    return json.loads(result.stdout)


def mcp_findings(project) -> list[str]:
    return [item["code"] for item in report(project)["findings"] if item["code"].startswith("mcp-")]


@pytest.mark.server
@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_an_agent_with_the_token_calls_the_summary_tool_and_others_are_refused(projects, backend, topology, prefix):
    project = projects[backend, topology]
    dash = f"{prefix or '/'}{DASH_PATH.get(topology, '')}"
    with boot(project, procfile_command(project), prefix=prefix, env={"DASH_MCP_TOKEN": TOKEN}) as server:
        url = mcp_url(f"{server.base}{dash}", backend, "")
        seen = as_agent(url, TOKEN, "city_summary", {"city": "Oslo"})
        assert seen.server == "Plotly Dash"
        assert set(seen.tools) == {"city_summary", "get_dash_component"}
        assert not seen.error
        assert seen.answer["response"]["summary"]["children"] == "Oslo: 5.7 °C on average, warmest in Jul."
        assert '"id":"city"' in seen.layout.replace(" ", "")

        assert mcp_status(url) == 401
        assert mcp_status(url, Authorization="Bearer not-the-token") == 401
        assert mcp_status(url, Authorization=f"Bearer {TOKEN}", Origin=EVIL) == 403
        assert mcp_status(url, Authorization=f"Bearer {TOKEN}", Origin=server.base) == 200
        # The page, every callback and the app's own route need no token.
        drive_dash(f"{server.base}{dash}")
        assert request(f"{server.base}{prefix or '/'}api/hello").status == 200
    assert "Traceback" not in server.output(), server.output()


@pytest.mark.server
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_without_a_token_the_mcp_server_is_off_and_the_log_says_so(projects, backend):
    project = projects[backend, "default"]
    with boot(project, procfile_command(project), prefix="/demo/") as server:
        url = mcp_url(f"{server.base}/demo/", backend, "")
        assert mcp_status(url) in (404, 405)
        assert mcp_status(url, Authorization=f"Bearer {TOKEN}") in (404, 405)
        drive_dash(f"{server.base}/demo/")
    assert "DASH_MCP_TOKEN is not set: the MCP server is off." in server.output()


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_check_finds_nothing_wrong_with_the_mcp_server(projects, backend, topology):
    assert mcp_findings(projects[backend, topology]) == []


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_check_sees_the_guard_it_would_miss(tmp_path, backend):
    """The generated guard is what mcp-unguarded looks for: without its hook the rule fires."""
    project = generate(tmp_path, backend, "default", options=("--mcp",))
    lines = (project / "app.py").read_text().splitlines(keepends=True)
    guard = next(number for number, line in enumerate(lines) if "def guard_mcp(" in line)
    assert lines[guard - 1].startswith("@server.")
    (project / "app.py").write_text("".join(lines[: guard - 1] + lines[guard:]))
    assert mcp_findings(project) == ["mcp-unguarded"]


def test_check_reads_the_path_the_app_names(tmp_path):
    """mcp_path=MCP_PATH is read through the constant: set back to Dash's default on FastAPI, the
    path Dash answers 500 at is found."""
    project = generate(tmp_path, "fastapi", "default", options=("--mcp",))
    edit(project / "app.py", 'MCP_PATH = "_dash-mcp"', 'MCP_PATH = "_mcp"')
    assert mcp_findings(project) == ["mcp-fastapi-default-path"]


@pytest.mark.parametrize(("backend", "options"), COMBINATIONS, ids=COMBINATION_IDS)
def test_combined_projects_pass_check_their_own_tests_and_ruff(tmp_path, backend, options):
    project = generate(tmp_path, backend, "default", options=("--mcp", *options))
    assert mcp_findings(project) == []
    tests = own_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "tests/test_mcp.py" in own_test_ids(project)
    assert_ruff_clean(project)


@pytest.mark.server
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_add_route_and_add_page_on_an_mcp_app(tmp_path, backend):
    project = generate(tmp_path, backend, "default", options=("--mcp", "--pages"))
    for command in (["add-route", "/api/items"], ["add-page", "reports"]):
        result = run_dashgen(*command, cwd=project)
        assert result.returncode == 0, result.stderr
    assert mcp_findings(project) == []
    with boot(project, procfile_command(project), prefix="/demo/", env={"DASH_MCP_TOKEN": TOKEN}) as server:
        assert request(f"{server.base}/demo/api/items").json() == {"route": "/api/items", "method": "GET"}
        assert request(f"{server.base}/demo/reports").status == 200
        url = mcp_url(f"{server.base}/demo/", backend, "")
        seen = as_agent(url, TOKEN, "city_summary", {"city": "Lisbon"}, layout="dash://page-layout/")
        assert seen.answer["response"]["summary"]["children"].startswith("Lisbon: 17.7 °C")
        assert mcp_status(url) == 401
    assert "Traceback" not in server.output(), server.output()


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_docker_files_name_the_token_and_hold_no_value(tmp_path, backend, monkeypatch):
    monkeypatch.setenv("DASH_MCP_TOKEN", TOKEN)
    project = generate(tmp_path, backend, "default", options=("--mcp", "--background-callbacks"))
    result = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert result.returncode == 0, result.stderr
    dockerfile, compose = (project / "Dockerfile").read_text(), (project / "compose.yaml").read_text()
    assert TOKEN not in dockerfile + compose
    assert "DASH_MCP" not in dockerfile
    # Named without a value: compose passes on the value of the shell it runs in.
    services = yaml.safe_load(compose)["services"]
    assert {"DASH_MCP_TOKEN": None, "DASH_MCP_ALLOWED_ORIGINS": None}.items() <= services["web"]["environment"].items()
    assert "DASH_MCP_TOKEN" not in services["worker"]["environment"]
    assert mcp_findings(project) == []
