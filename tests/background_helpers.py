"""Background callbacks for real: Redis, a Celery worker from the Procfile's worker: line, and a
client that runs a background callback over HTTP as Dash's renderer does (start, poll, cancel)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from helpers import BIN, _stop, dash_config, free_port, request

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@contextmanager
def redis_server(tmp_path: Path):
    """Debian's redis-server on a free port, nothing written to disk; yields its URL."""
    port = free_port()
    log = tmp_path / f"redis-{port}.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: b"Ready to accept connections" in log.read_bytes(), 20, lambda: log.read_text())
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)


def wait_for(condition, timeout: float, explain=lambda: "", every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout}s: {explain()}")


def process_line(project: Path, kind: str) -> str:
    """The command of the Procfile's `kind:` line."""
    for line in (project / "Procfile").read_text().splitlines():
        if line.startswith(f"{kind}:"):
            return line.removeprefix(f"{kind}:").strip()
    raise AssertionError(f"no {kind}: line in {project / 'Procfile'}")


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_pids(self) -> list[int]:
        """The worker's pool processes (the ones that run the jobs)."""
        found = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]


@contextmanager
def celery_worker(project: Path, command: str, env: dict, *, timeout: float = 90):
    """Run the Procfile's worker: command as the platform does (a shell, in the project folder,
    with the app's environment) and wait until Celery says it is ready."""
    log = project.parent / f"worker-{free_port()}.log"
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **env}
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=project,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(process, log)
    try:
        wait_for(lambda: " ready." in worker.output() or process.poll() is not None, timeout, worker.output)
        assert process.poll() is None, worker.output()
        yield worker
    finally:
        _stop(process)


# --- A background callback over HTTP, the way Dash's renderer runs it ---------------------------


@dataclass
class Job:
    """One run of the app's background callback: started through one URL, polled through
    another if asked (two web instances behind a proxy look like this to a browser)."""

    page_url: str
    body: dict
    end_id: str
    handles: dict = field(default_factory=dict)
    progress: list = field(default_factory=list)
    result: object = None
    ended: bool = False  # Dash said the job is gone without a result
    poll_timeout: float = 20
    slowest_poll: float = 0.0

    def url(self, base: str, **args: str) -> str:
        return f"{base}_dash-update-component?" + urllib.parse.urlencode({"endId": self.end_id, **args})

    def poll(self, base: str | None = None) -> dict:
        """One poll; records progress and the result when it has come."""
        body = json.loads(json.dumps(self.body))
        for item in body["inputs"] + body["state"]:
            item["value"] = None  # as the renderer sends its polls
        sent = time.monotonic()
        reply = request(self.url(base or self.page_url, **self.handles), body, timeout=self.poll_timeout)
        self.slowest_poll = max(self.slowest_poll, time.monotonic() - sent)
        if reply.status == 204:
            # Dash's answer for a job that is no longer running and left no result (cancelled,
            # or lost): the page stops polling, resets the progress bar and the running outputs.
            self.ended = True
            return {}
        assert reply.status == 200, reply.text[:500]
        data = reply.json()
        if "progress" in data:
            self.progress.append(data["progress"])
        if "response" in data:
            self.result = data["response"]
        return data

    def wait(self, base: str | None = None, timeout: float = 90, every: float = 0.5) -> object:
        wait_for(lambda: self.poll(base) is not None and (self.result or self.ended), timeout, self.seen, every)
        assert self.result is not None, f"the job ended without a result: {self.seen()}"
        return self.result

    def seen(self) -> str:
        return f"progress {self.progress[-3:]}, result {self.result}, ended {self.ended}"

    def cancel(self, button: str, base: str | None = None) -> None:
        """Click the cancel button: Dash's own cancel callback, told which job to stop."""
        body = {
            "output": f"{button}.id",
            "outputs": {"id": button, "property": "id"},
            "inputs": [{"id": button, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{button}.n_clicks"],
            "state": [],
        }
        reply = request(self.url(base or self.page_url, cancelJob=self.handles["job"]), body)
        assert reply.status in (200, 204), reply.text[:500]


def job_request(page_url: str, output: str, trigger: str, state: dict[str, object], timeout: float = 20):
    """The request a click on `trigger` (a button's id) sends for the background callback writing
    `output` (id.prop), with every output that callback has as _dash-dependencies names them;
    returns (body, endId)."""
    page = request(page_url, timeout=timeout)
    assert page.status == 200, page.text[:300]
    dependencies = request(f"{page_url}_dash-dependencies", timeout=timeout)
    assert dependencies.status == 200, dependencies.text[:300]
    key = next(item["output"] for item in dependencies.json() if output in _outputs_of(item["output"]))
    split = (each.rsplit(".", 1) for each in _outputs_of(key))
    outputs = [{"id": component, "property": prop} for component, prop in split]
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": [{"id": trigger, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{trigger}.n_clicks"],
        "state": [_item(key, value) for key, value in state.items()],
    }
    return body, dash_config(page.text)["end_id"]


def _outputs_of(key: str) -> list[str]:
    """The id.prop of each output in a callback's key: "a.b" or "..a.b...c.d@hash.."."""
    return key[2:-2].split("...") if key.startswith("..") else [key]


def start_job(page_url: str, output: str, trigger: str, state: dict[str, object], timeout: float = 20) -> Job:
    """Click `trigger` (a button's id) for the background callback writing `output` (id.prop)."""
    body, end_id = job_request(page_url, output, trigger, state, timeout)
    job = Job(page_url, body, end_id, poll_timeout=timeout)
    reply = request(job.url(page_url), body, timeout=timeout)
    assert reply.status == 200, reply.text[:500]
    data = reply.json()
    assert "job" in data and "cacheKey" in data, data
    job.handles = {"cacheKey": data["cacheKey"], "job": data["job"]}
    return job


def _item(key: str, value: object) -> dict:
    component, prop = key.rsplit(".", 1)
    return {"id": component, "property": prop, "value": value}


def page_text(response: dict, component: str, prop: str = "children") -> str:
    return str(response[component][prop])


def number_in(text: str) -> float:
    return float(re.search(r"[-\d.]+", text).group())
