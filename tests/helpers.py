"""What the tests do as a user would: run dashgen, boot a Procfile, talk HTTP to a Dash app."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent

# Every topology `dashgen new` makes, by its options.
TOPOLOGIES = {
    "default": [],
    "own-server": ["--own-server"],
    "mount": ["--mount", "/dash/"],
    "static-site": ["--static-site"],
    "async-callbacks": ["--async-callbacks"],
}
# Where Dash answers below the routes prefix in each topology.
DASH_PATH = {"mount": "dash/", "static-site": "dashboard/"}


def shape(tmp_path: Path, name: str) -> Path:
    """A copy of the test app tests/apps/<name>."""
    project = tmp_path / name
    shutil.copytree(Path(__file__).parent / "apps" / name, project)
    return project


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def finding(report: dict, code: str) -> dict:
    return next(item for item in report["findings"] if item["code"] == code)


def run_dashgen(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashgen", *args],
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


def generate(tmp_path: Path, backend: str, topology: str, name: str = "demo", options: tuple[str, ...] = ()) -> Path:
    result = run_dashgen("new", name, "--backend", backend, *TOPOLOGIES[topology], *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / name


def own_tests(project: Path, *selection: str, timeout: float = 300, env: dict | None = None):
    """The generated project's own tests, run as its owner runs them (one process, no cache)."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *selection]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=timeout, env=env)


def own_test_ids(project: Path) -> str:
    """The test ids pytest collects in the generated project."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=project, capture_output=True, text=True).stdout


def assert_ruff_clean(project: Path) -> None:
    """`ruff check` and `ruff format --check` pass on the generated project."""
    for command in (["check"], ["format", "--check"]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "."], cwd=project, capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes: to show that a refusal changed nothing."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(project: Path) -> str:
    for line in (project / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError(f"no web: line in {project / 'Procfile'}")


def on_loopback(command: str, port: int) -> str:
    """The Procfile command with its host and port pointed at 127.0.0.1 and `port`."""
    words = shlex.split(command, posix=False)
    if "--host" in words:
        words[words.index("--host") + 1] = "127.0.0.1"
    if "--port" in words:
        words[words.index("--port") + 1] = str(port)
    for flag in ("--bind", "-b"):
        if flag in words:
            words[words.index(flag) + 1] = f"127.0.0.1:{port}"
            break
    else:
        if Path(words[0]).name in ("gunicorn", "hypercorn"):
            words += ["--bind", f"127.0.0.1:{port}"]
    return " ".join(words)


def docker_cmd(project: Path) -> str:
    """The Dockerfile's CMD as the command a shell runs (what `sh -c "exec ..."` execs)."""
    cmd = next(line for line in (project / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    words = json.loads(cmd.removeprefix("CMD "))
    return words[2].removeprefix("exec ") if words[:2] == ["sh", "-c"] else " ".join(words)


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def boot(project: Path, command: str, *, prefix: str | None = None, timeout: float = 60, env: dict | None = None):
    """Run `command` as a Procfile does (through a shell, in the project folder) with or
    without DASH_ROUTES_PATHNAME_PREFIX, and wait until it listens; stop it, and everything it
    started, on the way out."""
    port = free_port()
    log = project.parent / f"server-{port}.log"
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    environment.pop("DASH_ROUTES_PATHNAME_PREFIX", None)
    # As the platforms do: a launch script or `python app.py` listens where $PORT says.
    environment["PORT"] = str(port)
    if prefix is not None:
        environment["DASH_ROUTES_PATHNAME_PREFIX"] = prefix
    with log.open("w") as sink:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {on_loopback(command, port)}"],
            cwd=project,
            env=environment,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_listening(server, port, timeout)
        yield server
    finally:
        _stop(process)


def _wait_until_listening(server: Server, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.output()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server did not listen within {timeout}s:\n{server.output()}")


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@dataclass
class Reply:
    status: int
    text: str
    content_type: str

    def json(self):
        return json.loads(self.text)


def request(url: str, body: dict | None = None, *, timeout: float = 20, headers: dict | None = None) -> Reply:
    data = None if body is None else json.dumps(body).encode()
    headers = {**({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})}
    req = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return Reply(response.status, response.read().decode(), response.headers["Content-Type"])
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode(errors="replace"), error.headers["Content-Type"])


# --- Dash over HTTP, the way its renderer does it ---------------------------------------------


def dash_config(page_html: str) -> dict:
    match = re.search(r'<script id="_dash-config"[^>]*>(.*?)</script>', page_html, re.S)
    assert match, "the page has no _dash-config: it is not Dash's index page"
    return json.loads(match.group(1))


def components_by_id(layout) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "id" in props:
                found[str(props["id"])] = props
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(layout)
    return found


def callback_requests(layout, dependencies: list[dict]) -> list[dict]:
    """One _dash-update-component body per callback, with the inputs' values from the layout."""
    components = components_by_id(layout)
    bodies = []
    for callback in dependencies:
        outputs = [_split(output) for output in _outputs(callback["output"])]
        inputs = [_with_value(components, item) for item in callback["inputs"]]
        state = [_with_value(components, item) for item in callback.get("state", [])]
        bodies.append(
            {
                "output": callback["output"],
                "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": inputs,
                "changedPropIds": [f"{item['id']}.{item['property']}" for item in inputs],
                "state": state,
            }
        )
    return bodies


def _outputs(output: str) -> list[str]:
    return output.strip(".").split("...") if output.startswith("..") else [output]


def _split(output: str) -> dict:
    component, prop = output.rsplit(".", 1)
    return {"id": component, "property": prop}


def _with_value(components: dict[str, dict], item: dict) -> dict:
    props = components.get(item["id"], {})
    return {"id": item["id"], "property": item["property"], "value": props.get(item["property"])}


def drive_dash(base_url: str) -> dict:
    """Load a Dash app as the browser does and run every callback; return what was seen."""
    page = request(base_url)
    assert page.status == 200, page.text[:300]
    config = dash_config(page.text)
    layout = request(f"{base_url}_dash-layout")
    assert layout.status == 200 and "application/json" in layout.content_type, layout.text[:300]
    dependencies = request(f"{base_url}_dash-dependencies")
    assert dependencies.status == 200, dependencies.text[:300]
    assert dependencies.json(), "the app has no callbacks"
    responses = []
    for body in callback_requests(layout.json(), dependencies.json()):
        reply = request(f"{base_url}_dash-update-component", body)
        assert reply.status == 200, reply.text[:500]
        responses.append(reply.json()["response"])
    return {"config": config, "layout": layout.json(), "responses": responses}


# --- Fresh venvs from a project's own requirements.txt ------------------------------------------

_VENVS: dict[str, Path] = {}


def venv_for(requirements: Path, cache: Path) -> Path:
    """A fresh venv with exactly `requirements` installed (one per distinct file), its bin/ returned."""
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    if key not in _VENVS:
        where = cache / f"venv-{key}"
        cache.mkdir(parents=True, exist_ok=True)
        # Test workers run in parallel: one builds a given venv, the others wait for it.
        with (cache / f"venv-{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _build_venv(where, requirements)
        _VENVS[key] = where / "bin"
    return _VENVS[key]


def _build_venv(where: Path, requirements: Path) -> None:
    if not (where / "ready").exists():
        shutil.rmtree(where, ignore_errors=True)
        venv.create(where, with_pip=True)
        install = subprocess.run(
            [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(requirements)],
            cwd=requirements.parent,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert install.returncode == 0, install.stderr[-3000:]
        (where / "ready").touch()


# --- Dash Pages over HTTP ---------------------------------------------------------------------


def page_content(dash_url: str, pathname: str) -> dict:
    """What Dash Pages' router puts in dash.page_container when the browser is at `pathname`
    (the full path, prefix included): {"layout": ..., "title": ...}."""
    dependencies = request(f"{dash_url}_dash-dependencies")
    assert dependencies.status == 200, dependencies.text[:300]
    router = next(item for item in dependencies.json() if "_pages_content.children" in item["output"])
    body = {
        "output": router["output"],
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
    reply = request(f"{dash_url}_dash-update-component", body)
    assert reply.status == 200, reply.text[:500]
    response = reply.json()["response"]
    return {"layout": response["_pages_content"]["children"], "title": response["_pages_store"]["data"]["title"]}


def run_callback(dash_url: str, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]) -> dict:
    """POST one callback as the renderer does; the response's {id: {property: value}}."""
    output = (
        (".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..") if len(outputs) > 1 else "{}.{}".format(*outputs[0])
    )
    split = [{"id": i, "property": p} for i, p in outputs]
    body = {
        "output": output,
        "outputs": split if len(split) > 1 else split[0],
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "changedPropIds": [f"{i}.{p}" for i, p, _ in inputs],
        "state": [],
    }
    reply = request(f"{dash_url}_dash-update-component", body)
    assert reply.status == 200, reply.text[:500]
    return reply.json()["response"]


# --- A worker's first requests, as a browser makes them -----------------------------------------

# Imported by Python at start-up when its folder is on PYTHONPATH: makes Dash's first-request
# set-up take half a second, as it can on a loaded machine, so that a race with it shows.
SLOW_SETUP = """
import time

import dash


def _slowly(generate):
    def generate_slowly(self, *args, **kwargs):
        time.sleep(0.5)
        return generate(self, *args, **kwargs)

    return generate_slowly


dash.Dash._generate_scripts_html = _slowly(dash.Dash._generate_scripts_html)
"""


def first_requests_are_scripts(project: Path, command: str, page_path: str, scratch: Path) -> dict[str, int]:
    """{script: status} when a fresh worker's first requests are the page's scripts, all at once
    (a browser loads them in parallel, spread over the workers), with Dash's set-up slowed down.
    `command` should run one worker; the page is read first from another boot of it."""
    with boot(project, command, prefix="/demo/") as server:
        page = request(f"{server.base}{page_path}").text
    scripts = re.findall(r'<script src="(/demo/[^"]+)"', page)
    assert len(scripts) >= 5, page
    (scratch / "sitecustomize.py").write_text(SLOW_SETUP)
    slow = {"PYTHONPATH": str(scratch)}
    with boot(project, command, prefix="/demo/", env=slow) as server, ThreadPoolExecutor(len(scripts)) as pool:
        statuses = list(pool.map(lambda script: request(f"{server.base}{script}").status, scripts))
    return dict(zip(scripts, statuses, strict=True))


# --- Dash's MCP server, as an agent uses it ------------------------------------------------------


@dataclass
class AgentView:
    """What the mcp client saw over streamable HTTP."""

    server: str  # the name the server gave at initialize
    tools: list[str]
    answer: object  # the structured content of the tools/call
    error: bool  # whether that call was a tool error
    layout: str  # the text of the layout resource


def as_agent(url: str, token: str, tool: str, arguments: dict, layout: str = "dash://layout") -> AgentView:
    """initialize, tools/list, tools/call of `tool` and resources/read of `layout` with the `mcp`
    client package, sending the bearer token as an agent's configured header."""
    import asyncio

    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def session() -> AgentView:
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write) as mcp,
        ):
            initialized = await mcp.initialize()
            tools = await mcp.list_tools()
            called = await mcp.call_tool(tool, arguments)
            resource = await mcp.read_resource(layout)
            return AgentView(
                initialized.server_info.name,
                [item.name for item in tools.tools],
                called.structured_content,
                called.is_error,
                resource.contents[0].text,
            )

    return asyncio.run(session())


def mcp_status(url: str, **headers: str) -> int:
    """The status of a tools/list POSTed to `url` with these headers (no session: a guard
    answers before Dash reads it)."""
    return request(url, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers).status
