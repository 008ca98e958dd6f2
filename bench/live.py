"""The live dashboard (`dashgen new live --websocket-callbacks`) under many sessions, against the
same dashboard polling with dcc.Interval over HTTP, side by side in one run.

    python bench/live.py [--sessions 10,100,300,1000] [--rate 1] [--seconds 10] [--slow-rate 5] [--no-docs]

It generates the FastAPI live project with dashgen and serves it with its Procfile's uvicorn
command on one worker (`--workers 1`: the figures are per worker process). Each level opens that
many raw clients speaking Dash's WebSocket protocol as the page does (the persistent callback's
request, the answers to its get_prop for the rate, the points it pushes), waits until every
session is receiving, then counts for `--seconds`: how many sessions got points at the set rate
(at least 80% of rate × seconds), the worker's resident memory and its CPU time. The polling
side serves the same layout and figure updates with a dcc.Interval callback (a Patch of one
point per tick), and its clients POST _dash-update-component at the same rate. Last, it runs a
plain `def` callback that sleeps 0.5 s, called once a second, in the live app and reports the live
sessions' rate meanwhile: a blocked event loop stalls every session of that worker.

Clients run in this process on the same 2 cores as the server, so the session counts are a
floor. It prints Markdown, writes bench/results/live.json and rewrites docs/benchmarks.md's
section between the bench:live markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# --- Dash's WebSocket protocol, as the page speaks it ----------------------------------------


def callback_request(output: str, inputs: list[dict] | None = None) -> str:
    """The message the renderer sends to run a callback over the WebSocket."""
    inputs = inputs or []
    outputs: list | dict = []
    if "." in output and not output.startswith(".."):  # a persistent callback's output is a hash
        component, prop = output.rsplit(".", 1)
        outputs = {"id": component, "property": prop}
    payload = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": [f"{item['id']}.{item['property']}" for item in inputs],
        "state": [],
    }
    return json.dumps(
        {"type": "callback_request", "requestId": str(uuid.uuid4()), "rendererId": "bench", "payload": payload}
    )


def frames(text: str) -> list[dict]:
    """Dash batches what it pushes within a few milliseconds into one JSON array."""
    parsed = json.loads(text)
    return parsed if isinstance(parsed, list) else [parsed]


def get_props_reply(message: dict, page: dict) -> str:
    asked = message["payload"]
    props = {prop: page.get((asked["componentId"], prop)) for prop in asked["properties"]}
    return json.dumps({"type": "get_props_response", "requestId": message["requestId"], "payload": props})


@dataclass
class LiveSession:
    """One page's view of the live chart: when each point arrived, and the last status text."""

    points: list[float] = field(default_factory=list)
    status: str = ""
    error: str = ""
    pushed: list[dict] = field(default_factory=list)  # every set_props payload, in order
    response: dict | None = None


def persistent_callback(base: str) -> dict:
    """The persistent callback, from the app's _dash-dependencies."""
    with urllib.request.urlopen(f"{base}_dash-dependencies", timeout=30) as reply:
        dependencies = json.load(reply)
    return next(item for item in dependencies if item.get("persistent"))


def persistent_output(base: str) -> str:
    """The persistent callback's output id."""
    return persistent_callback(base)["output"]


def persistent_inputs(base: str, page: dict) -> list[dict]:
    """The persistent callback's inputs (none in the one-page app), with their values on `page`."""
    return [
        {"id": item["id"], "property": item["property"], "value": page[item["id"], item["property"]]}
        for item in persistent_callback(base)["inputs"]
    ]


async def run_session(
    ws_url: str, origin: str, request: str, page: dict, until, session: LiveSession, keep: bool = False
) -> LiveSession:
    """Send `request` over a new WebSocket, answer get_prop from `page`, record what arrives,
    until `until(session)` is true."""
    import websockets

    try:
        async with websockets.connect(ws_url, origin=origin, open_timeout=180, max_queue=None) as socket:
            await socket.send(request)
            while not until(session):
                for message in frames(await socket.recv()):
                    kind = message["type"]
                    if kind == "get_props_request":
                        await socket.send(get_props_reply(message, page))
                    elif kind == "set_props":
                        payload = message["payload"]
                        if keep:
                            session.pushed.append(payload)
                        if payload["componentId"] == "live-chart":
                            session.points.append(time.monotonic())
                        elif payload["componentId"] == "live-status":
                            session.status = payload["props"]["children"]
                    elif kind == "callback_response":
                        session.response = message["payload"]
    except Exception as error:  # noqa: BLE001 - a failed session is a figure, not a crash
        session.error = repr(error)
    return session


def live_points(base: str, rate: float, seconds: float) -> LiveSession:
    """One live page at `rate` points per second for `seconds`: what it received."""
    ws_url = base.replace("http://", "ws://", 1) + "_dash-ws-callback"
    origin = base.split("/", 3)[:3]
    # A live page's stream has the chart's id as its input: the page has it while it shows the chart.
    page = {("rate", "value"): rate, ("live-chart", "id"): "live-chart"}
    request = callback_request(persistent_output(base), persistent_inputs(base, page))
    deadline = time.monotonic() + seconds
    session = LiveSession()
    asyncio.run(run_session(ws_url, "/".join(origin), request, page, lambda _: time.monotonic() > deadline, session))
    return session


def run_report(base: str) -> LiveSession:
    """Click "Run the report" as the page does, over a WebSocket opened before any HTTP request."""
    ws_url = base.replace("http://", "ws://", 1) + "_dash-ws-callback"
    origin = "/".join(base.split("/", 3)[:3])
    click = [{"id": "run-report", "property": "n_clicks", "value": 1}]
    session = LiveSession()
    request = callback_request("report-result.children", click)
    asyncio.run(
        asyncio.wait_for(
            run_session(ws_url, origin, request, {}, lambda s: s.response is not None, session, keep=True), 60
        )
    )
    return session


# --- The benchmark ----------------------------------------------------------------------------

POLLING_APP = '''\
"""The live dashboard polling over HTTP: a dcc.Interval at the same rate, one point per tick."""

import random

from dash import Dash, Input, Output, Patch, dcc, html

WINDOW = 120
app = Dash(__name__, backend="fastapi")
server = app.server
app.layout = html.Main(
    [
        dcc.Interval(id="tick", interval={interval}),
        dcc.Graph(id="live-chart", figure={{"data": [{{"type": "scatter", "x": [], "y": []}}]}}),
    ]
)


@app.callback(Output("live-chart", "figure"), Input("tick", "n_intervals"))
async def add_point(n_intervals):
    sent = n_intervals or 0
    chart = Patch()
    chart["data"][0]["x"].append(sent)
    chart["data"][0]["y"].append(round(random.gauss(0, 1), 2))
    if sent >= WINDOW:
        del chart["data"][0]["x"][0]
        del chart["data"][0]["y"][0]
    return chart
'''

SLOW_CALLBACK = """


# bench/live.py: a blocking plain `def` callback, as a database query written synchronously is.
@app.callback(Output("summary", "title"), Input("summary", "id"))
def slow_report(_):
    time.sleep(0.5)
    return "slow"
"""


@dataclass
class Level:
    transport: str  # websocket or polling
    sessions: int
    receiving: int  # sessions that got >= 80% of the points the rate asks for
    points_per_session: float  # median over the sessions, per second
    worst_gap_ms: float  # median over the sessions of the longest wait between two points
    rss_mb: float
    rss_per_session_kb: float
    cpu_percent: float  # of one core, the worker process
    cpu_ms_per_session_second: float
    errors: int
    first_error: str = ""


def proc_stats(pid: int) -> tuple[float, float]:
    """(RSS in MB, CPU seconds) of a process and its children."""
    total_rss, total_cpu = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
            total_rss += int(Path(f"/proc/{candidate}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        total_cpu += (int(fields[11]) + int(fields[12])) / tick
    return total_rss / 2**20, total_cpu


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


class Served:
    """`command` running in `folder` on a free port until the block ends."""

    def __init__(self, folder: Path, command: str):
        self.folder, self.command = folder, command

    def __enter__(self) -> Served:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
        env.pop("DASH_ROUTES_PATHNAME_PREFIX", None)
        self.log = (self.folder / "server.log").open("w")
        self.process = subprocess.Popen(
            ["bash", "-c", f"exec {self.command} --host 127.0.0.1 --port {self.port}"],
            cwd=self.folder,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}/"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base, timeout=2).read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.command} did not answer: {(self.folder / 'server.log').read_text()}")

    def __exit__(self, *_) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        self.log.close()


def worker_pid(served: Served) -> int:
    children = _children(served.process.pid)
    return children[0] if children else served.process.pid


async def websocket_level(base: str, sessions: int, rate: float, seconds: float, on_window) -> tuple[list, float]:
    ws_url = base.replace("http://", "ws://", 1) + "_dash-ws-callback"
    origin = base.rstrip("/")
    request = callback_request(persistent_output(base))
    page = {("rate", "value"): rate}
    stop_at = [float("inf")]
    states = [LiveSession() for _ in range(sessions)]
    tasks = []
    for state in states:
        tasks.append(
            asyncio.create_task(
                run_session(ws_url, origin, request, page, lambda _s: time.monotonic() > stop_at[0], state)
            )
        )
        await asyncio.sleep(0.01)  # browsers do not all connect in the same millisecond
    # Wait until every session has its first point (or 120 s), then measure.
    ramp = time.monotonic() + 120
    while time.monotonic() < ramp and not all(state.points or state.error for state in states):
        await asyncio.sleep(0.2)
    on_window()
    start = time.monotonic()
    stop_at[0] = start + seconds
    await asyncio.sleep(seconds)
    on_window()
    await asyncio.wait(tasks, timeout=30)
    for task in tasks:
        task.cancel()
    return states, start


async def polling_level(base: str, sessions: int, rate: float, seconds: float, on_window) -> tuple[list, float]:
    """Each session on its own keep-alive connection, as a browser tab has, POSTing the
    dcc.Interval callback at `rate`."""
    host, port = base.split("//", 1)[1].rstrip("/").split(":")
    body = json.dumps(
        {
            "output": "live-chart.figure",
            "outputs": {"id": "live-chart", "property": "figure"},
            "inputs": [{"id": "tick", "property": "n_intervals", "value": 1}],
            "changedPropIds": ["tick.n_intervals"],
            "state": [],
        }
    ).encode()
    head = (
        f"POST /_dash-update-component HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    states = [LiveSession() for _ in range(sessions)]
    start = time.monotonic() + 2.0

    async def poll(state: LiveSession, offset: float) -> None:
        try:
            reader, writer = await asyncio.open_connection(host, int(port))
            tick = start + offset
            while tick < start + seconds:
                await asyncio.sleep(max(tick - time.monotonic(), 0))
                writer.write(head + body)
                status = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                if b" 200 " in status:
                    state.points.append(time.monotonic())
                else:
                    state.error = status.decode().strip()
                tick = max(tick + 1 / rate, time.monotonic())
            writer.close()
        except Exception as error:  # noqa: BLE001
            state.error = repr(error)

    async def window() -> None:
        await asyncio.sleep(max(start - time.monotonic(), 0))
        on_window()
        await asyncio.sleep(seconds)
        on_window()

    await asyncio.gather(window(), *(poll(state, i / sessions / rate) for i, state in enumerate(states)))
    return states, start


def summarize(transport, states, start, seconds, rate, before, after, idle_rss) -> Level:
    expected = rate * seconds
    counts = sorted(sum(start <= t <= start + seconds for t in state.points) for state in states)
    receiving = sum(count >= 0.8 * expected for count in counts)
    median = counts[len(counts) // 2] / seconds if counts else 0.0
    gaps = sorted(_worst_gap(state.points, start, start + seconds) for state in states)
    rss, cpu = after[0], after[1] - before[1]
    sessions = len(states)
    return Level(
        transport=transport,
        sessions=sessions,
        receiving=receiving,
        points_per_session=round(median, 2),
        worst_gap_ms=round(1000 * gaps[len(gaps) // 2]) if gaps else 0,
        rss_mb=round(rss, 1),
        rss_per_session_kb=round((rss - idle_rss) * 1024 / sessions, 1),
        cpu_percent=round(100 * cpu / seconds, 1),
        cpu_ms_per_session_second=round(1000 * cpu / seconds / sessions, 3),
        errors=sum(bool(state.error) for state in states),
        first_error=next((state.error for state in states if state.error), ""),
    )


def _worst_gap(points: list[float], start: float, end: float) -> float:
    inside = [start, *(t for t in points if start <= t <= end), end]
    return max(later - earlier for earlier, later in zip(inside, inside[1:], strict=False))


def measure(served: Served, transport: str, sessions: int, rate: float, seconds: float) -> Level:
    pid = worker_pid(served)
    idle_rss = proc_stats(pid)[0]
    level = websocket_level if transport == "websocket" else polling_level
    window: list[tuple[float, float]] = []
    states, start = asyncio.run(level(served.base, sessions, rate, seconds, lambda: window.append(proc_stats(pid))))
    return summarize(transport, states, start, seconds, rate, window[0], window[-1], idle_rss)


def generate_apps(work: Path, rate: float) -> tuple[Path, Path]:
    """The generated live project, and the polling variant of the same dashboard beside it."""
    made = subprocess.run(
        [sys.executable, "-m", "dashgen", "new", "live", "--backend", "fastapi", "--websocket-callbacks", "-q"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if made.returncode:
        raise SystemExit(made.stderr)
    live = work / "live"
    polling = work / "polling"
    polling.mkdir()
    (polling / "app.py").write_text(POLLING_APP.format(interval=int(1000 / rate)))
    return live, polling


def one_worker(project: Path) -> str:
    """The Procfile's web command on one worker, host and port left to Served."""
    command = next(line for line in (project / "Procfile").read_text().splitlines() if line.startswith("web:"))
    words = command.removeprefix("web:").split()
    for flag in ("--host", "--port"):
        if flag in words:
            del words[words.index(flag) : words.index(flag) + 2]
    words[words.index("--workers") + 1] = "1"
    return " ".join(words)


def slow_callback_effect(live: Path, sessions: int, rate: float, seconds: float) -> dict:
    """Live sessions' rate while a blocking `def` callback runs in the same worker."""
    app_file = live / "app.py"
    original = app_file.read_text()
    app_file.write_text(original + SLOW_CALLBACK)
    try:
        with Served(live, one_worker(live)) as served:
            quiet = measure(served, "websocket", sessions, rate, seconds)
            stop = time.monotonic() + seconds + 20
            body = json.dumps(
                {
                    "output": "summary.title",
                    "outputs": {"id": "summary", "property": "title"},
                    "inputs": [{"id": "summary", "property": "id", "value": "summary"}],
                    "changedPropIds": ["summary.id"],
                    "state": [],
                }
            ).encode()

            def call_every_second() -> None:
                while time.monotonic() < stop:
                    began = time.monotonic()
                    request = urllib.request.Request(
                        f"{served.base}_dash-update-component",
                        data=body,
                        headers={"Content-Type": "application/json"},
                    )
                    with contextlib.suppress(OSError):
                        urllib.request.urlopen(request, timeout=60).read()
                    time.sleep(max(1 - (time.monotonic() - began), 0))

            threading.Thread(target=call_every_second, daemon=True).start()
            busy = measure(served, "websocket", sessions, rate, seconds)
            stop = 0
    finally:
        app_file.write_text(original)
    return {"sessions": sessions, "rate": rate, "quiet": asdict(quiet), "with_slow_def_callback": asdict(busy)}


def markdown(levels: list[Level], slow: dict, rate: float, seconds: float, load: float) -> str:
    lines = [
        f"Machine load average during the run: {load:.1f} on 2 cores (other work included). "
        f"One uvicorn worker (the Procfile's command with `--workers 1`), {rate:g} point(s) per second per "
        f"session, counted over {seconds:g} s after every session received its first point; clients in "
        'the same process on the same 2 cores. "Receiving": sessions that got at least 80% of the '
        "points the rate asks for.",
        "",
        "| transport | sessions | receiving | points/s per session (median) | longest gap ms (median) "
        "| worker RSS MB | KB per session | worker CPU % | CPU ms per session-second | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for level in levels:
        lines.append(
            f"| {level.transport} | {level.sessions} | {level.receiving} | {level.points_per_session} "
            f"| {level.worst_gap_ms} "
            f"| {level.rss_mb} | {level.rss_per_session_kb} | {level.cpu_percent} "
            f"| {level.cpu_ms_per_session_second} | {level.errors} |"
        )
    quiet, busy = slow["quiet"], slow["with_slow_def_callback"]
    lines += [
        "",
        f"A plain `def` callback sleeping 0.5 s, called once a second over HTTP, in the same worker as "
        f"{slow['sessions']} live sessions at {slow['rate']:g} points per second: their median rate went from "
        f"{quiet['points_per_session']} to "
        f"{busy['points_per_session']} points/s and their longest wait between two points from "
        f"{quiet['worst_gap_ms']} ms to {busy['worst_gap_ms']} ms ({busy['receiving']} of {busy['sessions']} "
        "still receiving at the set rate): while the callback sleeps, the event loop every session "
        "shares does nothing else.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="10,100,300,1000")
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--slow-sessions", type=int, default=50)
    parser.add_argument("--slow-rate", type=float, default=5.0)
    # As apps.add_no_docs_option says; apps.py is imported only once the figures are in.
    parser.add_argument(
        "--no-docs",
        "--no-readme",
        dest="no_docs",
        action="store_true",
        help="print the figures; leave docs/benchmarks.md as it is",
    )
    from quiet import add_busy_option, load_note, wait_until_quiet  # beside this file, as apps.py

    add_busy_option(parser)
    options = parser.parse_args()
    load_at_start = wait_until_quiet(options.busy)
    counts = [int(count) for count in options.sessions.split(",")]
    levels: list[Level] = []
    with tempfile.TemporaryDirectory() as folder:
        live, polling = generate_apps(Path(folder), options.rate)
        for transport, project in (("websocket", live), ("polling", polling)):
            command = one_worker(live)  # the polling app is also app:server, on FastAPI
            for count in counts:
                with Served(project, command) as served:
                    level = measure(served, transport, count, options.rate, options.seconds)
                print(json.dumps(asdict(level)), flush=True)
                levels.append(level)
        slow = slow_callback_effect(live, options.slow_sessions, options.slow_rate, options.seconds)
        print(json.dumps(slow), flush=True)
    load = os.getloadavg()[1]
    text = markdown(levels, slow, options.rate, options.seconds, load)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    levels_json = [asdict(level) for level in levels]
    report = {"rate": options.rate, "seconds": options.seconds, "load": load, "levels": levels_json, "slow": slow}
    (results / "live.json").write_text(json.dumps(report, indent=2))
    from apps import publish  # the shared docs writer; apps.py is heavier to import than the tests need

    lines = text.splitlines()
    lines[0] += " " + load_note(load_at_start)
    publish("live", lines, docs=not options.no_docs)


if __name__ == "__main__":
    main()
