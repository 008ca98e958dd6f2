"""Every backend's generated app under a modest, bounded load on loopback, and under faults: a
worker killed mid-load, clients leaving SSE streams early, malformed callback bodies."""

import os
import signal
import socket
import threading
import time
from pathlib import Path

import pytest
from helpers import boot, generate, procfile_command, request, run_dashgen
from load import callback_body, drive_callbacks

from dashgen.backends import BACKENDS

pytestmark = pytest.mark.server


@pytest.fixture
def project(tmp_path, request):
    made = generate(tmp_path, request.param, "default")
    assert run_dashgen("add-route", "/events", "--kind", "sse", cwd=made).returncode == 0
    return made


BACKEND_PARAMS = pytest.mark.parametrize("project", list(BACKENDS), indirect=True)


@BACKEND_PARAMS
def test_two_thousand_callbacks_at_concurrency_32_without_an_error(project):
    with boot(project, procfile_command(project), prefix="/demo/") as server:
        result = drive_callbacks(f"{server.base}/demo/", requests=2000, concurrency=32, seconds=120)
    assert result.requests == 2000
    assert result.errors == 0, result.first_error


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == pid and b"resource_tracker" not in cmdline:
                found.append(int(entry.name))
    return found


@BACKEND_PARAMS
def test_a_worker_killed_mid_load_is_survived(project):
    with boot(project, procfile_command(project), prefix="/demo/", env={"WEB_CONCURRENCY": "2"}) as server:
        deadline = time.monotonic() + 30
        while len(children(server.process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = children(server.process.pid)
        assert len(workers) == 2, workers

        results = {}
        load = threading.Thread(
            target=lambda: results.update(
                first=drive_callbacks(f"{server.base}/demo/", requests=1500, concurrency=16, seconds=60)
            )
        )
        load.start()
        time.sleep(0.5)
        os.kill(workers[0], signal.SIGKILL)
        load.join(timeout=90)
        assert results["first"].requests == 1500  # the load ran to its end through the kill

        time.sleep(3)
        after = drive_callbacks(f"{server.base}/demo/", requests=500, concurrency=16, seconds=60)
        assert after.errors == 0, after.first_error
        assert server.process.poll() is None


def open_descriptors(pid: int) -> int:
    return sum(len(os.listdir(f"/proc/{process}/fd")) for process in [pid, *children(pid)])


@BACKEND_PARAMS
def test_clients_leaving_sse_streams_early_leak_nothing(project):
    with boot(project, procfile_command(project), prefix="/demo/") as server:
        port = int(server.base.rsplit(":", 1)[1])
        request(f"{server.base}/demo/api/hello")
        time.sleep(1)
        baseline = open_descriptors(server.process.pid)
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(b"GET /demo/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                received = b""
                while b"data: event 1 of 3" not in received:
                    chunk = client.recv(4096)
                    assert chunk, "the stream closed before its first event"
                    received += chunk
            # the client is gone mid-stream
        time.sleep(4)  # past the stream's own end
        assert request(f"{server.base}/demo/api/hello").json()["route"] == "/api/hello"
        assert open_descriptors(server.process.pid) <= baseline + 2
        assert server.process.poll() is None
    assert "Traceback" not in server.output(), server.output()[-3000:]


MALFORMED = [
    b"this is not json",
    b"{}",
    b"[]",
    b'{"output": "summary.children"}',
    b'{"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": []}',
    b'{"output": "..temperature-chart.figure...summary.children..", "inputs": "Oslo"}',
    b'{"output": "..temperature-chart.figure...summary.children..", "outputs": [], '
    b'"inputs": [{"id": "city", "property": "value", "value": "Atlantis"}], "changedPropIds": ["city.value"]}',
]


@BACKEND_PARAMS
def test_malformed_callback_bodies_neither_crash_the_server_nor_leak_code(project):
    import httpx

    with boot(project, procfile_command(project), prefix="/demo/") as server:
        url = f"{server.base}/demo/_dash-update-component"
        for body in MALFORMED:
            response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=20)
            assert response.status_code != 200 or "response" not in response.text
            for leak in ("Traceback", 'File "', "app.py", "def show_city", "CITIES"):
                assert leak not in response.text, (body, response.text[:500])
        good = httpx.post(url, json=callback_body("Oslo"), timeout=20)
        assert good.status_code == 200 and "Oslo: 5.7" in good.text
        assert server.process.poll() is None
