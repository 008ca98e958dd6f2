"""`dashgen check` on Dash's MCP server (issue 23): each error shown real on Dash 4.4.1 — the test
app, started with its own Procfile command, answers an MCP client as the finding says (every
callback public, 500, a JSON-RPC error); after the fix, `check` is clean and the endpoint works
(and refuses who it should). Then, in process, every rule for every way MCP gets turned on: in
code, on the Procfile's web line, in the Dockerfile's ENV, app.json, .env and compose.yaml."""

import httpx
import pytest
from helpers import boot, edit, finding, procfile_command, shape
from test_check import check, codes
from test_rules import check as findings
from test_rules import codes as found_codes
from test_rules import write

TOKEN = "s3cret-mcp-token"
EVIL = "http://evil.example"
MCP_RULES = {"mcp-unguarded", "mcp-fastapi-default-path", "mcp-async-callback", "mcp-figure-without-kaleido"}


class Mcp:
    """A client of Dash's MCP endpoint, as raw JSON-RPC over streamable HTTP: initialize, then each
    request with the Mcp-Session-Id the server returned."""

    def __init__(self, url: str, **headers: str):
        self.url = url
        self.headers = {"Accept": "application/json, text/event-stream", **headers}
        self.session = None
        self.number = 0

    def post(self, method: str, params: dict | None = None) -> httpx.Response:
        self.number += 1
        body = {"jsonrpc": "2.0", "id": self.number, "method": method, "params": params or {}}
        headers = {**self.headers, **({"Mcp-Session-Id": self.session} if self.session else {})}
        reply = httpx.post(self.url, json=body, headers=headers, timeout=30)
        self.session = reply.headers.get("mcp-session-id", self.session)
        return reply

    def initialize(self) -> httpx.Response:
        client = {"name": "dashgen-tests", "version": "1"}
        return self.post("initialize", {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client})

    def call(self, tool: str, **arguments) -> dict:
        """tools/call after initialize: the JSON-RPC answer (its `result` or its `error`)."""
        assert self.initialize().status_code == 200
        reply = self.post("tools/call", {"name": tool, "arguments": arguments})
        assert reply.status_code == 200, reply.text
        return reply.json()

    def tools(self) -> list[str]:
        assert self.initialize().status_code == 200
        return [tool["name"] for tool in self.post("tools/list").json()["result"]["tools"]]


def authorized(server, path: str = "_mcp") -> Mcp:
    return Mcp(f"{server.base}/p/{path}", Authorization=f"Bearer {TOKEN}", Origin=server.base)


def greeting(answer: dict) -> str:
    return answer["result"]["structuredContent"]["response"]["greeting"]["children"]


FLASK_GUARD = '''

import hmac
import os

from flask import request

MCP_TOKEN = os.environ.get("DASH_MCP_TOKEN", "")


@server.before_request
def guard_mcp():
    """Dash's MCP endpoint checks nothing itself: a bearer token and the page's own Origin only."""
    if request.path.endswith("/_mcp"):
        origin = request.headers.get("Origin")
        if origin and origin != f"{request.scheme}://{request.host}":
            return "Forbidden origin", 403
        supplied = request.headers.get("Authorization", "")
        if not MCP_TOKEN or not hmac.compare_digest(supplied, f"Bearer {MCP_TOKEN}"):
            return "Unauthorized", 401
    return None
'''


# --- Errors, demonstrated ----------------------------------------------------------------


def only_finding(project, code: str) -> dict:
    """`check`'s one finding on the project, which must be `code`."""
    report = check(project)
    assert codes(report) == {code}
    return finding(report, code)


def served(project):
    """The project booted with its own Procfile command below /p/, with the token its guard asks for."""
    return boot(project, procfile_command(project), prefix="/p/", env={"DASH_MCP_TOKEN": TOKEN})


def failed_call(project, tool: str, path: str = "_mcp", **arguments) -> str:
    """tools/call of `tool` on the booted project, which must answer the JSON-RPC error -32603
    (an internal error): its message."""
    with served(project) as server:
        answer = authorized(server, path).call(tool, **arguments)
    assert answer["error"]["code"] == -32603
    return answer["error"]["message"]


def guard(project) -> None:
    """FLASK_GUARD added to the project's app.py (a Flask app): its MCP path is guarded."""
    (project / "app.py").write_text((project / "app.py").read_text() + FLASK_GUARD)


@pytest.mark.server
def test_an_unguarded_mcp_server_answers_anyone_until_a_hook_checks_token_and_origin(tmp_path):
    project = shape(tmp_path, "mcp_unguarded")
    unguarded = only_finding(project, "mcp-unguarded")
    assert (unguarded["file"], unguarded["line"]) == ("Procfile", 1)
    with served(project) as server:
        # No token, and the Origin of a page on another site: every callback is a public tool.
        answer = Mcp(f"{server.base}/p/_mcp", Origin=EVIL).call("greet", city="Bergen")
    assert greeting(answer) == "Hello from Bergen"

    guard(project)
    assert check(project)["findings"] == []
    with served(project) as server:
        url = f"{server.base}/p/_mcp"
        assert Mcp(url).initialize().status_code == 401
        assert Mcp(url, Authorization="Bearer wrong").initialize().status_code == 401
        assert Mcp(url, Authorization=f"Bearer {TOKEN}", Origin=EVIL).initialize().status_code == 403
        assert greeting(authorized(server).call("greet", city="Bergen")) == "Hello from Bergen"
        assert httpx.get(f"{server.base}/p/", timeout=30).status_code == 200  # the page needs no token


@pytest.mark.server
def test_mcp_on_fastapi_at_its_default_path_answers_500_until_it_moves(tmp_path):
    project = shape(tmp_path, "mcp_fastapi")
    assert only_finding(project, "mcp-fastapi-default-path")["line"] == 8
    with served(project) as server:
        assert authorized(server).initialize().status_code == 500
    assert "No active request in context" in server.output()

    edit(project / "app.py", "enable_mcp=True)", 'enable_mcp=True, mcp_path="_dash-mcp")')
    assert check(project)["findings"] == []
    with served(project) as server:
        assert Mcp(f"{server.base}/p/_dash-mcp", Origin=EVIL).initialize().status_code == 403
        assert greeting(authorized(server, "_dash-mcp").call("greet", city="Bergen")) == "Hello from Bergen"


@pytest.mark.server
def test_an_async_callback_tool_fails_until_it_is_a_plain_def(tmp_path):
    project = shape(tmp_path, "mcp_fastapi")
    # The app of the test above at the path that works, so that greet is its one error.
    edit(project / "app.py", "enable_mcp=True)", 'enable_mcp=True, mcp_path="_dash-mcp")')
    edit(project / "app.py", "def greet", "async def greet")
    assert only_finding(project, "mcp-async-callback")["line"] == 28
    assert "not coroutine" in failed_call(project, "greet", "_dash-mcp", city="Bergen")

    edit(project / "app.py", "async def greet", "def greet")
    assert check(project)["findings"] == []
    with served(project) as server:
        assert greeting(authorized(server, "_dash-mcp").call("greet", city="Bergen")) == "Hello from Bergen"


@pytest.mark.server
def test_a_figure_tool_fails_without_kaleido_until_it_opts_out(tmp_path):
    project = shape(tmp_path, "mcp_figure")
    # The guard of the first test, so that the figure is the app's one error.
    guard(project)
    assert only_finding(project, "mcp-figure-without-kaleido")["line"] == 10
    message = failed_call(project, "chart", city="Bergen")
    assert "RuntimeError" in message and "Kaleido" in message

    edit(
        project / "app.py",
        'Input("city", "value"))\ndef chart',
        'Input("city", "value"), mcp_enabled=False)\ndef chart',
    )
    assert check(project)["findings"] == []
    with served(project) as server:
        client = authorized(server)
        assert "chart" not in client.tools() and "summary" in client.tools()
        answer = client.call("summary", city="Bergen")
    assert answer["result"]["structuredContent"]["response"]["summary"]["children"] == "7 visitors in Bergen"


@pytest.mark.server
def test_the_pages_router_tool_fails_in_dashs_async_mode_until_dash_runs_it_sync(tmp_path):
    project = shape(tmp_path, "mcp_pages")
    guard(project)
    assert only_finding(project, "mcp-pages-router")["line"] == 5
    assert "not coroutine" in failed_call(project, "update", pathname_="/p/", search_="")

    edit(project / "app.py", "use_pages=True)", "use_pages=True, use_async=False)")
    assert check(project)["findings"] == []
    with served(project) as server:
        answer = authorized(server).call("update", pathname_="/p/", search_="")
    page = answer["result"]["structuredContent"]["response"]["_pages_content"]["children"]
    assert page["props"]["children"] == "Welcome home."


@pytest.mark.parametrize(
    "change",
    [
        ("requirements.txt", "dash[async]>=4.4.1", "dash>=4.4.1"),  # no asgiref: the router is sync
        ("app.py", "server = app.server", "server = app.server\nconfigure_mcp_server(include_callbacks=False)"),
        ("app.py", "use_pages=True)", "use_pages=True, use_async=False)"),
        ("Procfile", "env DASH_MCP_ENABLED=true ", ""),
    ],
    ids=["without-asgiref", "tools-opt-in", "use-async-false", "mcp-off"],
)
def test_the_pages_router_is_no_error_where_it_is_no_failing_tool(tmp_path, change):
    project = shape(tmp_path, "mcp_pages")
    file, old, new = change
    edit(project / file, old, new)
    if "configure_mcp_server" in new:
        edit(project / "app.py", "from dash import", "from dash.mcp import configure_mcp_server\nfrom dash import")
    assert "mcp-pages-router" not in codes(check(project))


def test_use_async_true_makes_the_router_a_failing_tool_without_asgiref_listed(tmp_path):
    project = shape(tmp_path, "mcp_pages")
    edit(project / "requirements.txt", "dash[async]>=4.4.1", "dash>=4.4.1")
    edit(project / "app.py", "use_pages=True)", "use_pages=True, use_async=True)")
    report = check(project)
    assert "use_async=True on line 5" in finding(report, "mcp-pages-router")["problem"]


# --- Every way MCP gets turned on, in process ---------------------------------------------

APP = """\
import os
{preamble}
from dash import Dash, Input, Output, callback, dcc, html

app = Dash(__name__{arguments})
server = app.server

app.layout = html.Main([dcc.Input(id="city", value="Oslo"), dcc.Graph(id="chart"), html.P(id="greeting")])


@callback(Output("greeting", "children"), Input("city", "value"){greet})
async def greet(city):
    return f"Hello from {{city}}"


@callback(Output("chart", "figure"), Input("city", "value"){chart})
def chart(city):
    return {{"data": [{{"type": "bar", "x": [1, 2], "y": [3, 4]}}]}}
"""
GUNICORN = "gunicorn app:server --workers 2"
UVICORN = "uvicorn app:server --host 0.0.0.0 --port 8000 --workers 2"
REQUIREMENTS = {
    "flask": "dash[async]>=4.4.1\ngunicorn>=23.0\n",
    "fastapi": "dash[fastapi]>=4.4.1\nuvicorn>=0.30\n",
    "quart": "dash[quart]>=4.4.1\nuvicorn>=0.30\n",
}


def project(backend="flask", arguments="", procfile="", greet="", chart="", preamble="", **files):
    server = GUNICORN if backend == "flask" else UVICORN
    backend_arguments = f', backend="{backend}"' if backend != "flask" else ""
    return {
        "app.py": APP.format(arguments=backend_arguments + arguments, greet=greet, chart=chart, preamble=preamble),
        "Procfile": f"web: {procfile}{server}\n",
        "requirements.txt": REQUIREMENTS[backend],
        **files,
    }


# How MCP is turned on, and where the finding points: (file, line).
SWITCHES = {
    "code": ({"arguments": ", enable_mcp=True"}, ("app.py", 5)),
    "code-expression": ({"arguments": ', enable_mcp=bool(os.environ.get("MCP"))'}, ("app.py", 5)),
    "procfile": ({"procfile": "DASH_MCP_ENABLED=true "}, ("Procfile", 1)),
    "procfile-env": ({"procfile": "env DASH_MCP_ENABLED=True "}, ("Procfile", 1)),
    "procfile-export": ({"procfile": "export DASH_MCP_ENABLED=true && "}, ("Procfile", 1)),
    "procfile-gunicorn-env": (
        {"Procfile": "web: gunicorn app:server -k uvicorn_worker.UvicornWorker --env DASH_MCP_ENABLED=true\n"},
        ("Procfile", 1),
    ),
    "procfile-expanded": ({"procfile": "DASH_MCP_ENABLED=${MCP:-false} "}, ("Procfile", 1)),
    "dockerfile": ({"Dockerfile": "FROM python:3.12-slim\nENV PORT=8000 DASH_MCP_ENABLED=true\n"}, ("Dockerfile", 2)),
    "dockerfile-legacy": ({"Dockerfile": "FROM python:3.12-slim\n\nENV DASH_MCP_ENABLED 1\n"}, ("Dockerfile", 3)),
    "app-json": ({"app.json": '{\n  "env": {\n    "DASH_MCP_ENABLED": {"value": "true"}\n  }\n}\n'}, ("app.json", 3)),
    ".env-load-dotenv": (
        {
            "preamble": "import settings  # noqa: F401 (it loads .env)",
            ".env": "# settings\nDASH_MCP_ENABLED=true\n",
            "settings.py": "import dotenv\n\ndotenv.load_dotenv()\n",
        },
        (".env", 2),
    ),
    ".env-compose-env-file": (
        {".env": "DASH_MCP_ENABLED=true\n", "compose.yaml": "services:\n  web:\n    env_file: .env\n"},
        (".env", 1),
    ),
    "compose": (
        {"compose.yaml": "services:\n  web:\n    build: .\n    environment:\n      - DASH_MCP_ENABLED=true\n"},
        ("compose.yaml", 5),
    ),
    "compose-map": (
        {"docker-compose.yml": "services:\n  web:\n    environment:\n      DASH_MCP_ENABLED: 'yes'\n"},
        ("docker-compose.yml", 4),
    ),
}


def files_of(switch: dict, backend: str = "flask", **more) -> dict:
    options = {key: value for key, value in switch.items() if key in ("arguments", "procfile", "preamble")}
    extra = {key: value for key, value in switch.items() if key not in options}
    return project(backend, **{**options, **more}, **extra)


@pytest.mark.parametrize("way", list(SWITCHES))
def test_every_rule_fires_however_mcp_is_turned_on(tmp_path, way):
    switch, where = SWITCHES[way]
    write(tmp_path, files_of(switch, "fastapi"))
    found = {finding.code: finding for finding in findings(tmp_path) if finding.code in MCP_RULES}
    assert set(found) == MCP_RULES
    assert (found["mcp-unguarded"].file, found["mcp-unguarded"].line) == where
    assert (found["mcp-fastapi-default-path"].file, found["mcp-fastapi-default-path"].line) == where
    assert (found["mcp-async-callback"].file, found["mcp-async-callback"].line) == ("app.py", 11)
    assert (found["mcp-figure-without-kaleido"].file, found["mcp-figure-without-kaleido"].line) == ("app.py", 16)


@pytest.mark.parametrize(
    "switch",
    [
        {},
        {"procfile": "DASH_MCP_ENABLED=false "},
        {"procfile": "DASH_MCP_ENABLED= "},
        {"Dockerfile": "FROM python:3.12-slim\nENV DASH_MCP_ENABLED=FALSE\n"},
        # enable_mcp=False in code beats the environment (measured: POST -> 405).
        {"arguments": ", enable_mcp=False", "procfile": "DASH_MCP_ENABLED=true "},
        {"arguments": ", enable_mcp=False", "Dockerfile": "FROM python:3.12-slim\nENV DASH_MCP_ENABLED=true\n"},
        # Nothing reads .env unless the app loads it (python-dotenv) or compose passes it (env_file).
        {".env": "DASH_MCP_ENABLED=true\n"},
    ],
    ids=[
        "nothing",
        "env-false",
        "env-empty",
        "dockerfile-false",
        "code-false-beats-env",
        "code-false-beats-dockerfile",
        "dotenv-nothing-reads",
    ],  # fmt: skip
)
def test_no_rule_fires_when_mcp_is_off(tmp_path, switch):
    write(tmp_path, files_of(switch, "fastapi"))
    assert not found_codes(findings(tmp_path)) & MCP_RULES


def test_dash_mcp_enabled_0_turns_it_on_as_dash_reads_it(tmp_path):
    # Dash 4.4.1 turns MCP on for any value but "" and "false" (measured: "0" and "no" answer 200).
    write(tmp_path, files_of({"procfile": "DASH_MCP_ENABLED=0 "}))
    assert "mcp-unguarded" in found_codes(findings(tmp_path))


GUARDS = {
    "flask-before-request": ("flask", FLASK_GUARD),
    "flask-before-request-call": (
        "flask",
        "\n\ndef guard():\n    if 'Authorization' not in flask.request.headers:\n        return 'no', 401\n\n\n"
        "server.before_request(guard)\n",
    ),
    "fastapi-middleware": (
        "fastapi",
        "\n\n@server.middleware('http')\nasync def guard(request, call_next):\n"
        "    if 'authorization' not in request.headers:\n        return None\n    return await call_next(request)\n",
    ),
    "dash-auth": ("flask", "\n\nimport dash_auth\n\ndash_auth.BasicAuth(app, {'admin': os.environ['PASSWORD']})\n"),
}


@pytest.mark.parametrize("guard", list(GUARDS))
def test_a_hook_that_reads_the_request_headers_counts_as_a_guard(tmp_path, guard):
    backend, code = GUARDS[guard]
    files = files_of({"arguments": ', enable_mcp=True, mcp_path="_dash-mcp"'}, backend)
    write(tmp_path, files)
    assert "mcp-unguarded" in found_codes(findings(tmp_path))
    write(tmp_path, {"app.py": files["app.py"] + code})
    assert "mcp-unguarded" not in found_codes(findings(tmp_path))


def test_a_hook_that_reads_no_header_is_no_guard(tmp_path):
    files = files_of({"arguments": ", enable_mcp=True"})
    hook = "\n\n@server.before_request\ndef count():\n    COUNTS['requests'] = COUNTS.get('requests', 0) + 1\n"
    write(tmp_path, {**files, "app.py": files["app.py"] + hook})
    assert "mcp-unguarded" in found_codes(findings(tmp_path))


@pytest.mark.parametrize(
    "setting",
    [
        {"arguments": ', enable_mcp=True, mcp_path="_dash-mcp"'},
        {"arguments": ', enable_mcp=True, mcp_path="/tools/mcp"'},
        {"arguments": ", enable_mcp=True", "procfile": "DASH_MCP_PATH=_dash-mcp "},
        {"arguments": ", enable_mcp=True", "Dockerfile": "FROM python:3.12-slim\nENV DASH_MCP_PATH=/tools/mcp\n"},
    ],
    ids=["code", "code-slash", "procfile", "dockerfile"],
)
def test_fastapi_at_another_path_is_no_error(tmp_path, setting):
    write(tmp_path, files_of(setting, "fastapi"))
    assert "mcp-fastapi-default-path" not in found_codes(findings(tmp_path))


@pytest.mark.parametrize("backend", ["flask", "quart"])
def test_flask_and_quart_at_the_default_path_are_no_error(tmp_path, backend):
    write(tmp_path, files_of({"arguments": ", enable_mcp=True"}, backend))
    found = found_codes(findings(tmp_path))
    assert "mcp-unguarded" in found and "mcp-fastapi-default-path" not in found


def test_a_callback_that_opts_out_is_no_tool(tmp_path):
    write(
        tmp_path, files_of({"arguments": ", enable_mcp=True"}, greet=", mcp_enabled=False", chart=", mcp_enabled=False")
    )
    found = found_codes(findings(tmp_path))
    assert not found & {"mcp-async-callback", "mcp-figure-without-kaleido"}
    assert "mcp-unguarded" in found  # get_dash_component and the layout are still public


def test_only_callbacks_that_opt_in_are_tools_once_configured_so(tmp_path):
    files = files_of({"arguments": ", enable_mcp=True"}, chart=", mcp_enabled=True")
    configured = files["app.py"].replace(
        "app = Dash(",
        "from dash.mcp import configure_mcp_server\n\nconfigure_mcp_server(include_callbacks=False)\napp = Dash(",
    )
    write(tmp_path, {**files, "app.py": configured})
    found = found_codes(findings(tmp_path))
    assert "mcp-figure-without-kaleido" in found and "mcp-async-callback" not in found


@pytest.mark.parametrize("listed", ["kaleido>=1.0", "plotly[kaleido]>=6.1"])
def test_kaleido_in_requirements_makes_a_figure_tool_work(tmp_path, listed):
    files = files_of({"arguments": ", enable_mcp=True"})
    write(tmp_path, {**files, "requirements.txt": files["requirements.txt"] + listed + "\n"})
    assert "mcp-figure-without-kaleido" not in found_codes(findings(tmp_path))


CALLBACKS = """\
from dash import Input, Output, callback


@callback(Output("greeting", "children"), Input("city", "value"))
async def greet(city):
    return f"Hello from {city}"
"""


def test_callbacks_in_an_imported_module_are_tools_too(tmp_path):
    files = files_of({"arguments": ", enable_mcp=True"})
    app = files["app.py"].split("\n\n@callback")[0] + "\nimport callbacks  # noqa: E402, F401\n"
    write(tmp_path, {**files, "app.py": app, "callbacks.py": CALLBACKS})
    found = {finding.code: finding for finding in findings(tmp_path)}
    assert (found["mcp-async-callback"].file, found["mcp-async-callback"].line) == ("callbacks.py", 4)
