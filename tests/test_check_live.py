"""`dashgen check` on WebSocket callbacks and on callbacks that block the event loop: each error
shown failing when the app runs as its files say, then fixed and serving; each warning next to
the slowdown it warns about."""

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from helpers import boot, generate, procfile_command, request, run_dashgen, venv_for
from live import LiveSession, callback_request, run_session
from test_check import check, codes

pytestmark = pytest.mark.server

BUTTON_APP = """\
import os

from dash import Dash, Input, Output, ctx, html, set_props

app = Dash(__name__{backend})
server = app.server
app.layout = html.Main([html.Button("Go", id="go"), html.P(id="step"), html.P(id="out")])


@{decorator}(Output("out", "children"), Input("go", "n_clicks"), prevent_initial_call=True, websocket=True)
{asynchronous}def go(n_clicks):
    for step in range(1, 4):
        if ctx.websocket.is_shutdown:
            break
        set_props("step", {{"children": f"step {{step}}/3"}})
    return "done"
"""

CLICK = [{"id": "go", "property": "n_clicks", "value": 1}]


def click_over_http(base: str):
    body = {
        "output": "out.children",
        "outputs": {"id": "out", "property": "children"},
        "inputs": CLICK,
        "changedPropIds": ["go.n_clicks"],
        "state": [],
    }
    return request(f"{base}_dash-update-component", body)


def click_over_websocket(base: str) -> LiveSession:
    session = LiveSession()
    ws_url = base.replace("http://", "ws://", 1) + "_dash-ws-callback"
    origin = "/".join(base.split("/", 3)[:3])
    click = callback_request("out.children", CLICK)
    answered = run_session(ws_url, origin, click, {}, lambda s: s.response is not None, session, keep=True)
    asyncio.run(asyncio.wait_for(answered, 30))
    return session


def write_app(project: Path, backend: str, asynchronous: bool = False, decorator: str = "app.callback") -> None:
    argument = f', backend="{backend}"' if backend != "flask" else ""
    prefix = "async " if asynchronous else ""
    (project / "app.py").write_text(BUTTON_APP.format(backend=argument, asynchronous=prefix, decorator=decorator))


def test_websocket_callbacks_on_flask_fail_until_the_app_moves_to_fastapi(tmp_path):
    project = tmp_path / "demo"
    project.mkdir()
    write_app(project, "flask")
    (project / "Procfile").write_text("web: gunicorn app:server --workers 2\n")
    (project / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")
    report = check(project)
    assert "websocket-callbacks-on-flask" in codes(report)
    finding = next(item for item in report["findings"] if item["code"] == "websocket-callbacks-on-flask")
    assert finding["line"] == 10 and "FastAPI or Quart" in finding["fix"]
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert click_over_http(f"{server.base}/p/").status == 500  # ctx.websocket is None on Flask
    assert "NoneType" in server.output()

    write_app(project, "fastapi")
    (project / "Procfile").write_text("web: uvicorn app:server --host 0.0.0.0 --port 8000 --workers 2\n")
    (project / "requirements.txt").write_text("dash[fastapi]>=4.2.0\nuvicorn[standard]>=0.30\n")
    assert check(project)["errors"] == 0
    with boot(project, procfile_command(project), prefix="/p/") as server:
        session = click_over_websocket(f"{server.base}/p/")
    assert [item["props"]["children"] for item in session.pushed] == ["step 1/3", "step 2/3", "step 3/3"]
    assert session.response["data"]["response"]["out"] == {"children": "done"}


def test_websocket_callbacks_without_a_websocket_library_never_finish_until_one_is_listed(tmp_path, venv_cache):
    project = tmp_path / "demo"
    project.mkdir()
    write_app(project, "fastapi", asynchronous=True)
    (project / "Procfile").write_text("web: uvicorn app:server --host 0.0.0.0 --port 8000 --workers 2\n")
    # A pip freeze of an environment made with `pip install dash fastapi uvicorn`.
    (project / "requirements.txt").write_text("dash>=4.2.0\nfastapi\nuvicorn>=0.30\n")
    assert "websocket-library-missing" in codes(check(project))
    command = f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}"
    with boot(project, command, prefix="/p/") as server:
        assert request(f"{server.base}/p/").status == 200  # the page loads
        session = click_over_websocket(f"{server.base}/p/")
    assert session.response is None and session.error, session
    assert "No supported WebSocket library detected" in server.output()

    (project / "requirements.txt").write_text("dash>=4.2.0\nfastapi\nuvicorn[standard]>=0.30\n")
    assert "websocket-library-missing" not in codes(check(project))
    command = f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}"
    with boot(project, command, prefix="/p/") as server:
        session = click_over_websocket(f"{server.base}/p/")
    assert session.response["data"]["response"]["out"] == {"children": "done"}


def test_lifespan_off_answers_404_below_the_page_until_removed(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    procfile = project / "Procfile"
    procfile.write_text(procfile.read_text().replace("--no-access-log", "--no-access-log --lifespan off"))
    report = check(project)
    assert "procfile-lifespan-off" in codes(report)
    with boot(project, procfile_command(project), prefix="/p/") as server:
        assert request(f"{server.base}/p/reports/2026").status == 404

    fix(project)
    assert check(project)["errors"] == 0
    with boot(project, procfile_command(project), prefix="/p/") as server:
        deep = request(f"{server.base}/p/reports/2026")
        assert deep.status == 200 and "_dash-config" in deep.text


def fix(project: Path) -> None:
    result = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert result.returncode == 0, result.stderr


def test_global_websocket_callbacks_with_cancel_is_reported(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    app = project / "app.py"
    text = app.read_text().replace('    title="demo",\n', '    title="demo",\n    websocket_callbacks=True,\n')
    cancelled = (
        '\n\n@callback(Output("summary", "title"), Input("city", "value"), background=True, '
        'cancel=Input("city", "value"), prevent_initial_call=True)\ndef long_job(city):\n    return city\n'
    )
    app.write_text(text + cancelled)
    assert "websocket-callbacks-global-with-cancel" in codes(check(project), "warning")
    app.write_text(text.replace("    websocket_callbacks=True,\n", "") + cancelled)
    assert "websocket-callbacks-global-with-cancel" not in codes(check(project), "warning")


SLOW = """

@callback(Output("summary", "title"), Input("city", "value"))
def slow_report(city):
    time.sleep(1)
    return city
"""
SLOW_FIXED = """

@callback(Output("summary", "title"), Input("city", "value"))
async def slow_report(city):
    await asyncio.to_thread(time.sleep, 1)
    return city
"""


def four_at_once(base: str) -> float:
    body = {
        "output": "summary.title",
        "outputs": {"id": "summary", "property": "title"},
        "inputs": [{"id": "city", "property": "value", "value": "Oslo"}],
        "changedPropIds": ["city.value"],
        "state": [],
    }
    replies = []
    threads = [
        threading.Thread(target=lambda: replies.append(request(f"{base}_dash-update-component", body)))
        for _ in range(4)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [reply.status for reply in replies] == [200] * 4
    return time.monotonic() - began


@pytest.mark.parametrize("backend", ["fastapi", "quart"])
def test_a_blocking_def_callback_stalls_the_worker_until_it_is_async(tmp_path, backend):
    project = generate(tmp_path, backend, "default")
    app = project / "app.py"
    original = app.read_text()
    app.write_text(original.replace("import os\n", "import asyncio\nimport os\nimport time\n", 1) + SLOW)
    report = check(project)
    warning = next(item for item in report["findings"] if item["code"] == "blocking-callback-on-event-loop")
    assert "time.sleep" in warning["problem"] and "asyncio.to_thread(time.sleep" in warning["fix"]
    one_worker = {"WEB_CONCURRENCY": "1"}
    with boot(project, procfile_command(project), prefix="/p/", env=one_worker) as server:
        request(f"{server.base}/p/")
        stalled = four_at_once(f"{server.base}/p/")
    assert stalled >= 3.5, stalled  # one after the other: the event loop did nothing else

    app.write_text(original.replace("import os\n", "import asyncio\nimport os\nimport time\n", 1) + SLOW_FIXED)
    assert "blocking-callback-on-event-loop" not in codes(check(project), "warning")
    with boot(project, procfile_command(project), prefix="/p/", env=one_worker) as server:
        request(f"{server.base}/p/")
        together = four_at_once(f"{server.base}/p/")
    assert together < 2.5, together


PERSISTENT = """

@app.callback(persistent=True, websocket=True)
{asynchronous}def tick():
    sent = 0
    while not ctx.websocket.is_shutdown:
        sent += 1
        set_props("summary", {{"title": str(sent)}})
        {pause}
"""


def sessions_receiving(base: str, count: int, seconds: float) -> int:
    from live import persistent_output

    ws_url = base.replace("http://", "ws://", 1) + "_dash-ws-callback"
    origin = "/".join(base.split("/", 3)[:3])
    request_text = callback_request(persistent_output(base))
    states = [LiveSession() for _ in range(count)]

    receiving: list[int] = []

    async def run():
        deadline = time.monotonic() + seconds

        async def count_at_deadline():
            await asyncio.sleep(seconds)
            receiving.append(sum(bool(state.pushed) for state in states))

        until = lambda _s: time.monotonic() > deadline  # noqa: E731
        sessions = (run_session(ws_url, origin, request_text, {}, until, state, keep=True) for state in states)
        await asyncio.gather(count_at_deadline(), *sessions)

    asyncio.run(run())
    return receiving[0]


def test_a_persistent_def_callback_serves_four_pages_per_worker_until_it_is_async(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    app = project / "app.py"
    original = app.read_text().replace(
        "from dash import Dash, Input, Output, callback, dcc, html",
        "import asyncio\nimport time\n\nfrom dash import Dash, Input, Output, callback, ctx, dcc, html, set_props",
    )
    app.write_text(original + PERSISTENT.format(asynchronous="", pause="time.sleep(0.5)"))
    assert "persistent-callback-not-async" in codes(check(project), "warning")
    one_worker = {"WEB_CONCURRENCY": "1"}
    with boot(project, procfile_command(project), prefix="/p/", env=one_worker) as server:
        request(f"{server.base}/p/")
        assert sessions_receiving(f"{server.base}/p/", 6, 4) == 4

    app.write_text(original + PERSISTENT.format(asynchronous="async ", pause="await asyncio.sleep(0.5)"))
    assert "persistent-callback-not-async" not in codes(check(project), "warning")
    with boot(project, procfile_command(project), prefix="/p/", env=one_worker) as server:
        request(f"{server.base}/p/")
        assert sessions_receiving(f"{server.base}/p/", 6, 4) == 6


def test_the_generated_live_app_has_no_websocket_finding(tmp_path):
    for backend in ("fastapi", "quart"):
        (tmp_path / backend).mkdir()
        made = run_dashgen("new", "live", "--backend", backend, "--websocket-callbacks", cwd=tmp_path / backend)
        assert made.returncode == 0, made.stderr
        report = check(tmp_path / backend / "live", "--target", "enterprise")
        assert report["findings"] == [], json.dumps(report["findings"])


def test_a_websocket_callback_registered_with_dash_callback_fails_on_a_fresh_worker(tmp_path):
    project = tmp_path / "demo"
    project.mkdir()
    write_app(project, "fastapi", decorator="callback")
    text = (project / "app.py").read_text()
    (project / "app.py").write_text(text.replace("import Dash,", "import Dash, callback,"))
    (project / "Procfile").write_text("web: uvicorn app:server --host 0.0.0.0 --port 8000 --workers 1\n")
    (project / "requirements.txt").write_text("dash[fastapi]>=4.2.0\nuvicorn[standard]>=0.30\n")
    assert "websocket-callback-registered-globally" in codes(check(project), "warning")
    with boot(project, procfile_command(project), prefix="/p/") as server:
        # The worker's first request is the WebSocket, as it can be for one of several workers.
        session = click_over_websocket(f"{server.base}/p/")
    assert session.response is None and session.error, session
    assert "does not have websocket=True" in server.output()

    write_app(project, "fastapi", decorator="app.callback")
    assert "websocket-callback-registered-globally" not in codes(check(project), "warning")
    with boot(project, procfile_command(project), prefix="/p/") as server:
        session = click_over_websocket(f"{server.base}/p/")
    assert session.response["data"]["response"]["out"] == {"children": "done"}
