"""What would break when the app is deployed: findings read from the app's source and files.

`dashgen check` reports them all; `dashgen deploy-files` prints the warnings and names a wrong
Procfile in its refusal. An error is a failure a test demonstrates by running the app as its
files say; what cannot be demonstrated that way is a warning.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

from dashgen.backends import BACKENDS, DASH_MIN_VERSION, PREFIX_ENV
from dashgen.edits import bound_names
from dashgen.plan import read_text
from dashgen.source import AppSource

ERROR = "error"
WARNING = "warning"
ASGI_SERVERS = ("uvicorn", "hypercorn", "daphne", "granian")
_SECRET_NAME = re.compile(r"secret|token|passw(or)?d|api_?key|private_?key|access_?key|credential", re.I)


@dataclass(frozen=True)
class Finding:
    severity: str  # error or warning
    code: str  # a stable name, for --json readers
    file: str
    line: int
    problem: str  # one sentence: what breaks
    fix: str  # one sentence: how to fix it
    command: str = ""  # the dashgen command that fixes it, where there is one

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict:
        return asdict(self)


def check_app(source: AppSource, target: str | None = None) -> list[Finding]:
    """Every finding for the app in its folder; `target` adds what that platform needs."""
    root = source.path.parent
    procfile_text = read_text(root / "Procfile")
    findings: list[Finding] = []
    if procfile_text is not None:
        findings += procfile_findings(source, procfile_text)
        findings += lifespan_findings(source, procfile_text)
    elif target == "enterprise":
        findings.append(
            Finding(
                ERROR, "procfile-missing", "Procfile", 0,
                "There is no Procfile, so Dash Enterprise starts no web process.",
                "Add one naming the production server.", _deploy(target),
            )
        )  # fmt: skip
    requirements = read_text(root / "requirements.txt")
    if requirements is None:
        if target is not None or procfile_text is not None:
            findings.append(
                Finding(
                    ERROR, "requirements-missing", "requirements.txt", 0,
                    "There is no requirements.txt, so the platform installs neither Dash nor a server.",
                    "Write one with the backend's extra and the production server.", _deploy(target or "cloud"),
                )
            )  # fmt: skip
    else:
        platform = target or ("enterprise" if procfile_text is not None else "cloud")
        findings += requirements_findings(source, requirements, _procfile_server(procfile_text), platform)
        findings += websocket_library_findings(source, requirements)
    if target == "enterprise" and source.server_name is None:
        findings.append(
            Finding(
                ERROR, "server-variable-missing", source.path.name, source.app_line,
                f"{source.path.name} names no server variable, so a Procfile cannot point at the server "
                f"(gunicorn cannot load {source.module}:{source.server_expression}).",
                f"Add `server = {source.server_expression}` after the app is created.", _deploy(target),
            )
        )  # fmt: skip
    return findings + app_findings(source, root)


def _deploy(target: str | None, force: bool = False) -> str:
    return f"dashgen deploy-files --target {target or 'enterprise'}" + (" --force" if force else "")


# --- Procfile -----------------------------------------------------------------------------


def _web_line(procfile_text: str) -> tuple[int, str] | None:
    for number, line in enumerate(procfile_text.splitlines(), start=1):
        if line.startswith("web:"):
            return number, line.removeprefix("web:").strip()
    return None


def _procfile_server(procfile_text: str | None) -> str | None:
    web = _web_line(procfile_text or "")
    if web is None or not web[1]:
        return None
    return Path(shlex.split(web[1])[0]).name


def procfile_findings(source: AppSource, procfile_text: str) -> list[Finding]:
    """What would break if the platform ran this Procfile for this app."""
    fix_command = _deploy("enterprise", force=True)
    web = _web_line(procfile_text)
    if web is None or not web[1]:
        return [
            Finding(
                ERROR, "procfile-no-web", "Procfile", 0,
                "The Procfile has no web: command, so the platform starts no web process.",
                "Add a web: line that starts the production server.", fix_command,
            )
        ]  # fmt: skip
    number, command = web
    words = shlex.split(command)
    server = Path(words[0]).name
    backend = BACKENDS[source.backend]
    expected = backend.command(f"{source.module}:{source.server_name or 'server'}")
    findings = []
    if server == "gunicorn" and backend.asgi and not any("UvicornWorker" in word for word in words):
        findings.append(
            Finding(
                ERROR, "procfile-wsgi-server-for-asgi", "Procfile", number,
                f"gunicorn serves this {backend.label} (ASGI) app as WSGI, so every request fails with 500.",
                f"Serve it with uvicorn: web: {expected}", fix_command,
            )
        )  # fmt: skip
    if server in ASGI_SERVERS and not backend.asgi:
        findings.append(
            Finding(
                ERROR, "procfile-asgi-server-for-wsgi", "Procfile", number,
                f"{server} serves this Flask (WSGI) app as ASGI, so every request fails with 500.",
                f"Serve it with gunicorn: web: {expected}", fix_command,
            )
        )  # fmt: skip
    target = next((word for word in words[1:] if re.fullmatch(r"[\w.]+:[\w.()]+", word)), None)
    if target is not None:
        findings += _target_findings(source, target, number, fix_command)
    return findings


def _target_findings(source: AppSource, target: str, line: int, fix_command: str) -> list[Finding]:
    module, _, variable = target.partition(":")
    if module != source.module:
        if (source.path.parent / f"{module.replace('.', '/')}.py").is_file():
            return []  # another module of the app: not the one this check read
        problem = f"The Procfile loads the module {module!r}, which does not exist, so the server cannot start."
        return [Finding(ERROR, "procfile-module-missing", "Procfile", line, problem, _point_at(source), fix_command)]
    if variable == source.app_name and BACKENDS[source.backend].asgi:
        problem = (
            f"The Procfile serves the Dash object {variable!r} instead of its server, so every request fails with 500."
        )
        return [Finding(ERROR, "procfile-dash-object", "Procfile", line, problem, _point_at(source), fix_command)]
    if variable.split(".")[0] not in bound_names(source.tree):
        problem = (
            f"The Procfile loads {target}, but {source.path.name} defines no {variable!r}, so the server cannot start."
        )
        return [Finding(ERROR, "procfile-variable-missing", "Procfile", line, problem, _point_at(source), fix_command)]
    return []


def _point_at(source: AppSource) -> str:
    server = source.server_name or "server"
    return f"Point it at {source.module}:{server}" + (
        "." if source.server_name else f", after adding `server = {source.server_expression}` to the app."
    )


# --- requirements.txt ---------------------------------------------------------------------


def parse_requirements(text: str) -> dict[str, tuple[int, object]]:
    """{canonical name: (0-based line index, Requirement)} for the lines that are requirements."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    parsed: dict[str, tuple[int, object]] = {}
    for index, line in enumerate(text.splitlines()):
        body = line.split(" #", 1)[0].strip()
        if not body or body.startswith(("#", "-")) or "://" in body:
            continue
        try:
            requirement = Requirement(body)
        except InvalidRequirement:
            continue
        parsed.setdefault(canonicalize_name(requirement.name), (index, requirement))
    return parsed


def needed_requirements(source: AppSource) -> list[str]:
    backend = BACKENDS[source.backend]
    dash = backend.async_callbacks_requirement if source.async_callbacks else backend.dash_requirement
    return [dash, backend.server_requirement]


def requirements_findings(source: AppSource, text: str, procfile_server: str | None, target: str) -> list[Finding]:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    parsed = parse_requirements(text)
    findings = []
    dash_line, server_line = needed_requirements(source)
    fix = _deploy(target)
    want = Requirement(dash_line)
    found = parsed.get("dash")
    if found is None:
        findings.append(
            Finding(
                ERROR, "requirements-no-dash", "requirements.txt", 0,
                "requirements.txt does not list dash, so the platform cannot import the app.",
                f"Add {dash_line}.", fix,
            )
        )  # fmt: skip
    else:
        index, have = found
        missing = sorted(want.extras - have.extras)
        if missing:
            extra = f"dash[{','.join(missing)}]"
            why = (
                "its async def callbacks fail with 500"
                if missing == ["async"]
                else f"Dash cannot create or serve a {BACKENDS[source.backend].label} server"
            )
            findings.append(
                Finding(
                    ERROR, "requirements-missing-extra", "requirements.txt", index + 1,
                    f"requirements.txt lists dash without the {extra} extra, so {why}.",
                    f"Write {extra} on that line, keeping its version.", fix,
                )
            )  # fmt: skip
        if not allows_backends(have.specifier):
            findings.append(
                Finding(
                    ERROR, "requirements-dash-too-old", "requirements.txt", index + 1,
                    f"requirements.txt pins {have.name}{have.specifier}, which rules out every Dash with server "
                    f"backends (from {DASH_MIN_VERSION}), so the app cannot start.",
                    f"Raise the pin, e.g. dash>={DASH_MIN_VERSION}.",
                )
            )  # fmt: skip
        elif not any(spec.operator in (">=", "==", "~=", ">", "===") for spec in have.specifier):
            findings.append(
                Finding(
                    WARNING, "requirements-dash-unbounded", "requirements.txt", index + 1,
                    "dash has no lower bound, so an old Dash without server backends can be installed.",
                    f"Write dash>={DASH_MIN_VERSION} (with the extra it needs).",
                )
            )  # fmt: skip
    server = procfile_server or (Requirement(server_line).name if target in ("enterprise", "docker") else None)
    if server and canonicalize_name(server) not in parsed:
        findings.append(
            Finding(
                ERROR, "requirements-missing-server", "requirements.txt", 0,
                f"requirements.txt does not list {server}, which the Procfile runs, so the web process cannot start.",
                f"Add {server_line if Requirement(server_line).name == server else server}.", fix,
            )
        )  # fmt: skip
    return findings


def allows_backends(specifier) -> bool:
    """Whether a dash pin admits some Dash >= DASH_MIN_VERSION: tried on that version and on the
    versions the pin itself names, and the next ones after them."""
    from packaging.version import Version

    minimum = Version(DASH_MIN_VERSION)
    candidates = {minimum}
    for spec in specifier:
        named = Version(spec.version.replace(".*", ""))
        major, minor, micro = (*named.release, 0, 0)[:3]
        candidates |= {
            named,
            Version(f"{major}.{minor}.{micro + 1}"),
            Version(f"{major}.{minor + 1}.0"),
            Version(f"{major + 1}.0.0"),
        }
    return any(specifier.contains(version, prereleases=True) for version in candidates if version >= minimum)


# --- The app's own source -----------------------------------------------------------------


def app_findings(source: AppSource, root: Path) -> list[Finding]:
    name = source.path.name
    findings = []
    for route in source.routes:
        collision = source.dash_collision(route.path)
        if collision and route.function:
            findings.append(
                Finding(
                    ERROR, "route-collides-with-dash", name, route.line,
                    f"The route {'/'.join(route.methods)} {route.path} ({route.function}) collides with {collision}, "
                    "so one of them never answers.",
                    "Move the route to another path.",
                )
            )  # fmt: skip
        elif not route.prefixed:
            verb = "mounts" if route.methods == ("MOUNT",) else f"registers {'/'.join(route.methods)}"
            findings.append(
                Finding(
                    WARNING, "route-without-prefix", name, route.line,
                    f"{name} {verb} {route.path} without {PREFIX_ENV}, so on Dash Enterprise (below /<app-name>/) "
                    "it is unreachable.",
                    f'Register it at f"{{PREFIX}}{route.path.lstrip("/")}".',
                    f"dashgen add-route {route.path}" if route.methods != ("MOUNT",) else "",
                )
            )  # fmt: skip
    if source.dash_mount is not None and not source.dash_mount.prefixed:
        findings.append(
            Finding(
                WARNING, "dash-mount-without-prefix", name, source.dash_mount.line,
                f"Dash is mounted at the literal {source.dash_mount.path}, which ignores {PREFIX_ENV}, so on Dash "
                "Enterprise the app is unreachable.",
                f'Compose it: routes_pathname_prefix=f"{{PREFIX}}{source.dash_mount.path.lstrip("/")}" '
                "(as `dashgen new --mount` writes it).",
            )
        )  # fmt: skip
    for line, call in source.import_time_runs:
        debug = " with debug=True" if "debug=True" in call.replace(" ", "") else ""
        findings.append(
            Finding(
                WARNING, "run-at-import", name, line,
                f"{call} runs at import time{debug}, so the production server starts a second server "
                "(and exposes the debugger) when it imports the module.",
                'Move it under `if __name__ == "__main__":`.',
            )
        )  # fmt: skip
    findings += _secret_findings(source)
    findings += websocket_findings(source)
    if (root / "environment.yml").is_file() and (root / "requirements.txt").is_file():
        findings.append(
            Finding(
                WARNING, "environment-yml-ignored", "environment.yml", 0,
                "environment.yml is beside requirements.txt, so Dash Enterprise uses only the pip buildpack "
                "and ignores environment.yml.",
                "Keep one of the two files.",
            )
        )  # fmt: skip
    return findings


def _secret_findings(source: AppSource) -> list[Finding]:
    findings = []
    for node in ast.walk(source.tree):
        named = None
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_literal_secret(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = next((_target_name(t) for t in targets if _SECRET_NAME.search(_target_name(t))), None)
        elif isinstance(node, ast.keyword) and node.arg and _SECRET_NAME.search(node.arg):
            named = node.arg if _is_literal_secret(node.value) else None
        if named:
            findings.append(
                Finding(
                    WARNING, "secret-in-source", source.path.name, node.value.lineno,
                    f"{named} is written in the source, so everyone with the code has it.",
                    f'Read it from the environment: os.environ["{named.upper()}"].',
                )
            )  # fmt: skip
    return findings


def _is_literal_secret(value) -> bool:
    return isinstance(value, ast.Constant) and isinstance(value.value, str) and len(value.value) >= 4


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


# --- WebSocket callbacks and the event loop -----------------------------------------------

# Calls that block the thread they run on, by dotted name or by their last part.
_BLOCKING_CALLS = re.compile(
    r"(^|\.)(sleep|urlopen|read_sql(_query|_table)?|read_csv|read_excel|read_parquet|execute|executemany|"
    r"fetchall|fetchone|fetchmany|connect)$|^(requests|urllib3?|httpx|subprocess)\."
)
# What a WebSocket needs on the ASGI server: uvicorn[standard] brings websockets; hypercorn (which
# Quart, and so dash[quart], require) brings wsproto; dash[fastapi] brings uvicorn[standard].
_WEBSOCKET_LIBRARIES = {"websockets", "wsproto", "hypercorn", "quart"}


@dataclass(frozen=True)
class CallbackDef:
    name: str
    line: int
    asynchronous: bool
    keywords: dict[str, ast.expr]
    node: ast.FunctionDef | ast.AsyncFunctionDef
    decorator: str  # "callback", "dash.callback" or "app.callback"


def callback_defs(tree: ast.Module) -> list[CallbackDef]:
    """Functions decorated with @callback, @dash.callback or @app.callback(...)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).split(".")[-1] == "callback":
                keywords = {keyword.arg: keyword.value for keyword in decorator.keywords if keyword.arg}
                asynchronous = isinstance(node, ast.AsyncFunctionDef)
                dotted = ast.unparse(decorator.func)
                found.append(CallbackDef(node.name, decorator.lineno, asynchronous, keywords, node, dotted))
                break
    return found


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _global_websocket_line(tree: ast.Module) -> int:
    """The line of a `websocket_callbacks=True` argument (Dash(...)), or 0."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "websocket_callbacks" and _is_true(keyword.value):
                    return keyword.value.lineno
    return 0


def _blocking_call(function: ast.AST) -> ast.Call | None:
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and _BLOCKING_CALLS.search(ast.unparse(node.func)):
            return node
    return None


def websocket_findings(source: AppSource) -> list[Finding]:
    """WebSocket callbacks where Dash cannot serve them, and callbacks that hold the event loop or
    a WebSocket worker thread."""
    name = source.path.name
    callbacks = callback_defs(source.tree)
    global_line = _global_websocket_line(source.tree)
    per_callback = [callback for callback in callbacks if _is_true(callback.keywords.get("websocket"))]
    findings = []
    backend = BACKENDS[source.backend]
    if not backend.websocket_callbacks and (global_line or per_callback):
        able = " or ".join(other.label for other in BACKENDS.values() if other.websocket_callbacks)
        findings.append(
            Finding(
                ERROR, "websocket-callbacks-on-flask", name, global_line or per_callback[0].line,
                f"{name} asks for WebSocket callbacks on {backend.label}, which Dash serves over HTTP instead: "
                "ctx.websocket is None (or raises), so those callbacks fail with 500.",
                f"Serve the app with {able} (`Dash(backend=\"fastapi\")`), or drop websocket= and ctx.websocket.",
            )
        )  # fmt: skip
    if global_line and any("cancel" in callback.keywords for callback in callbacks):
        findings.append(
            Finding(
                # A warning until a test runs a background callback's cancel over the WebSocket.
                WARNING, "websocket-callbacks-global-with-cancel", name, global_line,
                "websocket_callbacks=True sends a background callback's cancel over the WebSocket, where Dash "
                "fails to run it, so the Cancel button does nothing.",
                "Drop websocket_callbacks=True and pass websocket=True to the callbacks that need it.",
            )
        )  # fmt: skip
    for callback in callbacks:
        over_websocket = global_line or _is_true(callback.keywords.get("websocket"))
        if over_websocket and backend.websocket_callbacks and callback.decorator in ("callback", "dash.callback"):
            findings.append(
                Finding(
                    WARNING, "websocket-callback-registered-globally", name, callback.line,
                    f"{callback.name} goes over the WebSocket but is registered with {callback.decorator}, which "
                    "Dash copies into the app on its first HTTP request: a worker whose first request is the "
                    "WebSocket (one of several workers, after a start) refuses it.",
                    f"Register it with @{source.app_name}.callback(...).",
                )
            )  # fmt: skip
        if _is_true(callback.keywords.get("persistent")) and not callback.asynchronous:
            findings.append(
                Finding(
                    WARNING, "persistent-callback-not-async", name, callback.line,
                    f"{callback.name} is a persistent callback written as a plain def: each open page holds one "
                    "of the 4 WebSocket threads of a worker process for the whole visit, so a fifth page at "
                    "once gets nothing.",
                    f"Write it `async def {callback.name}` and await asyncio.sleep(...) between updates.",
                )
            )  # fmt: skip
        blocking = None if callback.asynchronous or not backend.asgi else _blocking_call(callback.node)
        if blocking is not None:
            call = ast.unparse(blocking.func)
            findings.append(
                Finding(
                    WARNING, "blocking-callback-on-event-loop", name, blocking.lineno,
                    f"{callback.name} is a plain def on {backend.label}, so Dash runs it on the event loop: "
                    f"while {call}(...) blocks, every other request, WebSocket push and live page of that "
                    "worker waits (4 requests to a callback sleeping 1 s take 4 s on one worker).",
                    f"Write it `async def {callback.name}` and call `await asyncio.to_thread({call}, ...)`.",
                )
            )  # fmt: skip
    return findings


def uses_websocket_callbacks(source: AppSource) -> bool:
    return bool(_global_websocket_line(source.tree)) or any(
        _is_true(callback.keywords.get("websocket")) for callback in callback_defs(source.tree)
    )


def websocket_library_findings(source: AppSource, requirements: str) -> list[Finding]:
    """WebSocket callbacks on an ASGI server with nothing installed to speak WebSocket."""
    if not BACKENDS[source.backend].websocket_callbacks or not uses_websocket_callbacks(source):
        return []
    parsed = parse_requirements(requirements)
    present = set(parsed) & _WEBSOCKET_LIBRARIES
    for package, extra in (("uvicorn", "standard"), ("dash", "fastapi"), ("dash", "quart")):
        if package in parsed and extra in parsed[package][1].extras:
            present.add(f"{package}[{extra}]")
    if present:
        return []
    return [
        Finding(
            ERROR, "websocket-library-missing", "requirements.txt", 0,
            "The app has WebSocket callbacks but requirements.txt installs no WebSocket library, so the "
            "server refuses the page's WebSocket and those callbacks never finish.",
            "List uvicorn[standard] (or websockets, or wsproto).", _deploy("enterprise"),
        )
    ]  # fmt: skip


def lifespan_findings(source: AppSource, procfile_text: str) -> list[Finding]:
    """`--lifespan off` on FastAPI: Dash adds its catch-all route at lifespan start-up."""
    web = _web_line(procfile_text)
    if web is None or source.backend != "fastapi":
        return []
    words = shlex.split(web[1])
    off = any(word == "--lifespan=off" for word in words) or any(
        word == "--lifespan" and following == "off" for word, following in zip(words, words[1:], strict=False)
    )
    if not off:
        return []
    return [
        Finding(
            ERROR, "procfile-lifespan-off", "Procfile", web[0],
            "The Procfile runs uvicorn with --lifespan off, so Dash never adds its catch-all route and every "
            "page but the app's first answers 404.",
            "Remove --lifespan off.", _deploy("enterprise", force=True),
        )
    ]  # fmt: skip
