"""`dashgen new --websocket-callbacks`: the live dashboard on FastAPI and Quart in every topology,
booted with its Procfile's command (2 workers) and driven over Dash's WebSocket as the page
drives it, with and without DASH_ROUTES_PATHNAME_PREFIX; refused on Flask."""

import warnings
from pathlib import Path

import pytest
from helpers import (
    DASH_PATH,
    TOPOLOGIES,
    assert_ruff_clean,
    boot,
    dash_config,
    own_test_ids,
    own_tests,
    procfile_command,
    request,
    run_dashgen,
    snapshot,
)
from live import live_points, run_report

from dashgen.backends import BACKENDS, websocket_callback_backends

LIVE_BACKENDS = [backend.name for backend in websocket_callback_backends()]
LIVE_TOPOLOGIES = ["default", "own-server", "mount", "static-site"]
CASES = [(backend, topology) for backend in LIVE_BACKENDS for topology in LIVE_TOPOLOGIES]
IDS = [f"{backend}-{topology}" for backend, topology in CASES]


def generate_live(where: Path, backend: str, topology: str) -> Path:
    result = run_dashgen("new", "live", "--backend", backend, "--websocket-callbacks", *TOPOLOGIES[topology], cwd=where)
    assert result.returncode == 0, result.stderr
    return where / "live"


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    return {case: generate_live(tmp_path_factory.mktemp("-".join(case)), *case) for case in CASES}


def test_only_fastapi_and_quart_have_websocket_callbacks():
    assert LIVE_BACKENDS == ["fastapi", "quart"]


@pytest.mark.parametrize("backend", [name for name in BACKENDS if name not in LIVE_BACKENDS])
def test_flask_is_refused_naming_the_backends_that_have_them(tmp_path, backend):
    (tmp_path / "keep.txt").write_text("mine")
    before = snapshot(tmp_path)
    result = run_dashgen("new", "live", "--backend", backend, "--websocket-callbacks", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: Dash has WebSocket callbacks only on FastAPI and Quart, not on Flask: "
        "use --backend fastapi or --backend quart."
    )
    assert snapshot(tmp_path) == before


def test_copier_makes_the_same_live_project(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from copier import run_copy

    root = Path(__file__).resolve().parent.parent / "templates"
    for backend in LIVE_BACKENDS:
        (tmp_path / backend).mkdir()
        made = generate_live(tmp_path / backend, backend, "mount")
        data = {"project_name": "live", "backend": backend, "websocket_callbacks": True, "mount": "/dash/"}
        run_copy(str(root), tmp_path / f"copier-{backend}", data=data, defaults=True, quiet=True)
        copier_files, dashgen_files = snapshot(tmp_path / f"copier-{backend}"), snapshot(made)
        # The answers files differ only in the version line each tool writes.
        answers = ".copier-answers.yml"
        assert {**copier_files, answers: b""} == {**dashgen_files, answers: b""}
        assert b"websocket_callbacks: true" in copier_files[answers]
    flask = {"project_name": "live", "backend": "flask", "websocket_callbacks": True}
    with pytest.raises(ValueError, match="WebSocket callbacks only on FastAPI and Quart"):
        run_copy(str(root), tmp_path / "copier-flask", data=flask, defaults=True, quiet=True)


@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_generated_live_project_passes_its_own_tests_and_lint(projects, backend, topology):
    project = projects[backend, topology]
    tests = own_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # Each test of test_live.py runs at the root and below a prefix.
    assert "tests/test_live.py" in own_test_ids(project)
    assert_ruff_clean(project)


@pytest.mark.server
@pytest.mark.parametrize("prefix", ["/demo/", None], ids=["prefixed", "no-prefix"])
@pytest.mark.parametrize(("backend", "topology"), CASES, ids=IDS)
def test_procfile_streams_points_and_report_steps_over_the_websocket(projects, backend, topology, prefix):
    project = projects[backend, topology]
    base_path = f"{prefix or '/'}{DASH_PATH.get(topology, '')}"
    assert "--workers ${WEB_CONCURRENCY:-2}" in procfile_command(project)
    with boot(project, procfile_command(project), prefix=prefix) as server:
        # The report first: its WebSocket may reach a worker that has served no HTTP request yet.
        report = run_report(f"{server.base}{base_path}")
        page = request(f"{server.base}{base_path}")
        assert dash_config(page.text)["websocket"]["url"] == f"{base_path}_dash-ws-callback"
        live = live_points(f"{server.base}{base_path}", rate=10, seconds=3)
    assert report.error == "" and live.error == "", server.output()
    steps = [item for item in report.pushed if item["componentId"] == "report-steps"]
    assert len(steps) == 6  # cleared, then one step at a time
    assert report.response["status"] == "ok"
    assert report.response["data"]["response"]["report-result"] == {"children": "Report 1 done: 5 steps."}
    # 10 a second for 3 s, less the first point's wait on a busy machine.
    assert len(live.points) >= 20, live
    assert live.status.endswith("points, 10 per second")
    assert "Traceback" not in server.output(), server.output()
