"""Throughput of each backend's generated app, per server configuration, side by side.

    python bench/apps.py [--seconds 5] [--connections 16] [--no-docs]

For Flask, FastAPI and Quart it generates the default project with `dashgen new`, then serves
it on 127.0.0.1 in each configuration worth comparing (the dev server, the Procfile's command
exactly as written, worker counts, worker classes and servers, uvloop/httptools, access log)
next to a bare endpoint of the same framework returning the callback's JSON (the ceiling a
Dash callback can approach). Each row is measured with wrk (Debian's `wrk`), POSTing the
callback body the browser sends, after a one-second warm-up; the median of three runs counts.
wrk runs on the same 2 cores as the server (one wrk thread), so absolute figures are lower
than on separate machines: compare the ratios. Then bench/load.py drives each Procfile command with 2,000 callbacks at
concurrency 32 and reports its figures and error count.

It prints Markdown tables, writes bench/results/apps.json, draws docs/bench-apps.png (an HTML
bar chart rendered by Chromium) and rewrites docs/benchmarks.md's section between the bench:apps
markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "docs"))
from load import callback_body, drive_callbacks  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402
from screenshot import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CITY = "Oslo"

BARE_APPS = {
    "flask": """\
from flask import Flask

server = Flask(__name__)
REPLY = {reply}


@server.post("/_dash-update-component")
def callback():
    return REPLY
""",
    "fastapi": """\
from fastapi import FastAPI

server = FastAPI()
REPLY = {reply}


@server.post("/_dash-update-component")
async def callback():
    return REPLY
""",
    "quart": """\
from quart import Quart

server = Quart(__name__)
REPLY = {reply}


@server.post("/_dash-update-component")
async def callback():
    return REPLY
""",
}

_UVICORN = "uvicorn {target} --host 127.0.0.1 --port {port}"


def configurations(backend: str) -> list[tuple[str, str, dict[str, str]]]:
    """(row name, command with {port}, extra environment) for one backend."""
    if backend == "flask":
        gunicorn = "gunicorn {target} --bind 127.0.0.1:{port}"
        return [
            ("dev server: python app.py", "python app.py", {}),
            ("Procfile as written (gunicorn, 2 sync workers)", "procfile", {}),
            ("gunicorn sync, 1 worker", gunicorn.format(target="app:server", port="{port}") + " --workers 1", {}),
            ("gunicorn sync, WEB_CONCURRENCY=4", "procfile", {"WEB_CONCURRENCY": "4"}),
            (
                "gunicorn gthread, 2 workers x 4 threads",
                gunicorn.format(target="app:server", port="{port}") + " --workers 2 --threads 4",
                {},
            ),
            (
                "gunicorn sync, 2 workers, access log on",
                gunicorn.format(target="app:server", port="{port}") + " --workers 2 --access-logfile -",
                {},
            ),
            (
                "use_async=True (async dispatch), 2 workers",
                gunicorn.format(target="app_async:server", port="{port}") + " --workers 2",
                {},
            ),
            (
                "bare Flask endpoint, 1 worker",
                gunicorn.format(target="bare:server", port="{port}") + " --workers 1",
                {},
            ),
            (
                "bare Flask endpoint, 2 workers",
                gunicorn.format(target="bare:server", port="{port}") + " --workers 2",
                {},
            ),
        ]
    uvicorn = _UVICORN.format(target="app:server", port="{port}")
    bare = _UVICORN.format(target="bare:server", port="{port}")
    label = {"fastapi": "FastAPI", "quart": "Quart"}[backend]
    return [
        ("dev server: python app.py", "python app.py", {}),
        ("Procfile as written (uvicorn)", "procfile", {}),
        ("uvicorn, 1 worker", uvicorn + " --workers 1", {}),
        ("uvicorn, 2 workers", uvicorn + " --workers 2", {}),
        ("uvicorn, 2 workers, no access log", uvicorn + " --workers 2 --no-access-log", {}),
        (
            "uvicorn, 2 workers, asyncio loop + h11 (no uvloop/httptools)",
            uvicorn + " --workers 2 --loop asyncio --http h11",
            {},
        ),
        (
            "gunicorn + UvicornWorker, 2 workers",
            "gunicorn app:server -k uvicorn.workers.UvicornWorker --workers 2 --bind 127.0.0.1:{port}",
            {},
        ),
        ("hypercorn, 2 workers", "hypercorn app:server --bind 127.0.0.1:{port} --workers 2", {}),
        (f"bare {label} endpoint, 1 worker", bare + " --workers 1 --no-access-log", {}),
        (f"bare {label} endpoint, 2 workers", bare + " --workers 2 --no-access-log", {}),
    ]


@dataclass
class Row:
    backend: str
    name: str
    command: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio_to_ceiling: float = 0.0


def generate(work: Path, backend: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "dashgen", "new", f"bench_{backend}", "--backend", backend, "-q"], cwd=work, check=True
    )
    project = work / f"bench_{backend}"
    reply = _reply(project)
    (project / "bare.py").write_text(BARE_APPS[backend].format(reply=repr(reply)))
    app = (project / "app.py").read_text()
    (project / "app_async.py").write_text(app.replace("use_async=False", "use_async=True"))
    return project


def _reply(project: Path) -> dict:
    """The callback's real JSON reply, for the bare endpoint to return."""
    with serving(project, "procfile", {}) as port:
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/_dash-update-component",
            data=json.dumps(callback_body(CITY)).encode(),
            headers={"Content-Type": "application/json"},
        )
        return json.loads(urllib.request.urlopen(request, timeout=20).read())


def _procfile(project: Path) -> str:
    line = next(line for line in (project / "Procfile").read_text().splitlines() if line.startswith("web:"))
    command = line.removeprefix("web:").strip()
    command = command.replace("--host 0.0.0.0", "--host 127.0.0.1").replace("--port 8000", "--port {port}")
    return command if "--port" in command else command + " --bind 127.0.0.1:{port}"


class serving:
    """Run a command in the project until it answers the callback; stop its process group after."""

    def __init__(self, project: Path, command: str, env: dict[str, str]):
        self.project, self.command, self.env = project, command, env

    def __enter__(self) -> int:
        self.port = _free_port()
        command = _procfile(self.project) if self.command == "procfile" else self.command
        command = command.replace("{port}", str(self.port))
        environment = {**os.environ, **self.env, "PORT": str(self.port), "PATH": f"{BIN}:{os.environ['PATH']}"}
        environment.pop("DASH_ROUTES_PATHNAME_PREFIX", None)
        self.shown = command
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=self.project,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not _answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(f"{command} did not start")
            time.sleep(0.2)
        return self.port

    def __exit__(self, *_) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_dash-update-component",
        data=json.dumps(callback_body(CITY)).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        return urllib.request.urlopen(request, timeout=5).status == 200
    except OSError:
        return False


def wrk(port: int, seconds: float, connections: int, repeats: int = 3) -> tuple[float, float, float, int]:
    """The median run of `repeats` (req/s decides), after a one-second warm-up."""
    runs = sorted((_wrk_once(port, seconds, connections) for _ in range(repeats)), key=lambda run: run[0])
    return runs[len(runs) // 2]


def _wrk_once(port: int, seconds: float, connections: int) -> tuple[float, float, float, int]:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    body = json.dumps(callback_body(CITY)).replace("\\", "\\\\").replace("'", "\\'")
    script.write_text(f"wrk.method = 'POST'\nwrk.body = '{body}'\nwrk.headers['Content-Type'] = 'application/json'\n")
    url = f"http://127.0.0.1:{port}/_dash-update-component"
    base = ["wrk", "-t1", f"-c{connections}", "--latency", "-s", str(script)]
    subprocess.run([*base, "-d1s", url], capture_output=True, check=True)  # warm-up
    output = subprocess.run([*base, f"-d{seconds:g}s", url], capture_output=True, text=True, check=True).stdout
    script.unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", output))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return rps, _millis(output, "50%"), _millis(output, "99%"), errors


def _millis(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit], 2)


def measure(backends: list[str], seconds: float, connections: int) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as work:
        for backend in backends:
            project = generate(Path(work), backend)
            for name, command, env in configurations(backend):
                with serving(project, command, env) as port:
                    rps, p50, p99, errors = wrk(port, seconds, connections)
                rows.append(Row(backend, name, command if command != "procfile" else "Procfile", rps, p50, p99, errors))
                print(f"{backend:8} {name:62} {rps:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms", flush=True)
    for row in rows:
        ceiling = max(r.requests_per_second for r in rows if r.backend == row.backend and r.name.startswith("bare"))
        row.ratio_to_ceiling = round(row.requests_per_second / ceiling, 2)
    return rows


def load_figures(backends: list[str]) -> list[dict]:
    figures = []
    with tempfile.TemporaryDirectory() as work:
        for backend in backends:
            project = generate(Path(work), backend)
            with serving(project, "procfile", {}) as port:
                result = drive_callbacks(f"http://127.0.0.1:{port}/", requests=2000, concurrency=32, seconds=120)
            figures.append({"backend": backend, **asdict(result)})
    return figures


def markdown(rows: list[Row], figures: list[dict], connections: int, seconds: float) -> str:
    lines = [
        f"wrk, 1 thread, {connections} connections, median of 3 runs of {seconds:g} s per row after a 1 s warm-up, "
        "POSTing the generated app's callback; server and wrk share the machine's 2 cores.",
        "",
        "| backend | configuration | req/s | p50 ms | p99 ms | errors | × ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.backend} | {row.name} | {row.requests_per_second:,.0f} | {row.p50_ms} | {row.p99_ms} "
            f"| {row.errors} | {row.ratio_to_ceiling:.2f} |"
        )
    lines += ["", "From 1 to 2 workers (same server, same app):", ""]
    pairs = {"flask": ("gunicorn sync, 1 worker", "Procfile as written (gunicorn, 2 sync workers)")}
    for backend in dict.fromkeys(row.backend for row in rows):
        one_name, two_name = pairs.get(backend, ("uvicorn, 1 worker", "uvicorn, 2 workers"))
        one = next(r for r in rows if r.backend == backend and r.name == one_name)
        two = next(r for r in rows if r.backend == backend and r.name == two_name)
        growth = two.requests_per_second / one.requests_per_second
        lines.append(
            f"- {backend}: {one.requests_per_second:,.0f} → {two.requests_per_second:,.0f} req/s (×{growth:.2f})"
        )
    lines += [
        "",
        "bench/load.py against each Procfile command: 2,000 callbacks at concurrency 32 (Python driver, same machine).",
        "",
        "| backend | requests | errors | req/s | p50 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for figure in figures:
        lines.append(
            f"| {figure['backend']} | {figure['requests']} | {figure['errors']} | {figure['requests_per_second']:,.0f} "
            f"| {figure['p50_ms']} | {figure['p99_ms']} |"
        )
    return "\n".join(lines)


def chart(rows: list[Row], target: Path) -> None:
    """A horizontal bar chart of req/s per row, drawn in HTML and photographed by Chromium."""
    from playwright.sync_api import sync_playwright

    top = max(row.requests_per_second for row in rows)
    colours = {"flask": "#3f7cac", "fastapi": "#2a9d8f", "quart": "#e76f51"}
    bars = "".join(
        f'<div class="row"><span class="name">{row.backend} · {row.name}</span><span class="bar" '
        f'style="width:{row.requests_per_second / top * 420:.0f}px;background:{colours[row.backend]}"></span>'
        f"<span>{row.requests_per_second:,.0f}</span></div>"
        for row in rows
    )
    html = (
        "<html><body style='font:13px system-ui;margin:16px;width:1040px'>"
        "<h3 style='margin:0 0 8px'>Generated apps: Dash callbacks per second (wrk, loopback, 2 cores)</h3>"
        "<style>.row{display:flex;align-items:center;gap:8px;height:20px}.name{width:470px;text-align:right}"
        f".bar{{display:inline-block;height:14px}}</style>{bars}</body></html>"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1080, "height": 200})
        page.set_content(html)
        page.screenshot(path=str(target), full_page=True)
        browser.close()


# The page every bench writes its figures into, each between its own markers.
BENCHMARKS = ROOT / "docs" / "benchmarks.md"


def add_no_docs_option(parser: argparse.ArgumentParser) -> None:
    """--no-docs: print the figures only (--no-readme, its old name, still works)."""
    parser.add_argument(
        "--no-docs",
        "--no-readme",
        dest="no_docs",
        action="store_true",
        help="print the figures; leave docs/benchmarks.md as it is",
    )


def publish(section: str, lines: list[str], *, docs: bool) -> None:
    """Print a bench's Markdown and, when `docs`, write it into docs/benchmarks.md's SECTION."""
    text = "\n".join(lines)
    print(text)
    if docs:
        update_benchmarks(section, text)


def update_benchmarks(section: str, text: str) -> None:
    """Replace docs/benchmarks.md's text between <!-- bench:SECTION --> and <!-- /bench:SECTION -->."""
    content = BENCHMARKS.read_text()
    start, end = f"<!-- bench:{section} -->", f"<!-- /bench:{section} -->"
    if start in content:
        before, rest = content.split(start, 1)
        content = before + start + "\n" + text + "\n" + end + rest.split(end, 1)[1]
        BENCHMARKS.write_text(content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3)
    # 64 connections: uvicorn and gunicorn workers share one socket, and how keep-alive
    # connections split between two workers moves the figures; more connections split more evenly.
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backends", nargs="*", default=["flask", "fastapi", "quart"])
    add_no_docs_option(parser)
    add_busy_option(parser)
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    load = wait_until_quiet(arguments.busy)
    rows = measure(arguments.backends, arguments.seconds, arguments.connections)
    figures = load_figures(arguments.backends)
    first, _, rest = markdown(rows, figures, arguments.connections, arguments.seconds).partition("\n")
    text = f"{first} {load_note(load)}\n{rest}"
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "apps.json").write_text(json.dumps({"rows": [asdict(r) for r in rows], "load": figures}, indent=2))
    chart(rows, ROOT / "docs" / "bench-apps.png")
    if not arguments.no_docs:
        update_benchmarks("apps", text)


if __name__ == "__main__":
    main()
