"""What would break when the app is deployed: findings read from the app's source and files.

`dashgen check` reports them all; `dashgen deploy-files` prints the warnings and names a wrong
Procfile in its refusal. An error is a failure a test demonstrates by running the app as its
files say; what cannot be demonstrated that way is a warning.
"""

from __future__ import annotations

import ast
import bisect
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
# The pip package each production server's executable comes from.
SERVER_PACKAGES = {
    "gunicorn": "gunicorn",
    "uvicorn": "uvicorn",
    "hypercorn": "hypercorn",
    "daphne": "daphne",
    "granian": "granian",
    "waitress-serve": "waitress",
}
# Packages Dash 2 installed beside itself and Dash 3 stopped installing, with their replacement.
LEGACY_COMPONENTS = {
    "dash_core_components": "from dash import dcc",
    "dash_html_components": "from dash import html",
    "dash_table": "from dash import dash_table",
}
DASH_WITHOUT_LEGACY = "3.0.0"
_LINE_END = re.compile(r"\r\n|\r|\n")
# Names that say what a credential is for, not the credential: token_url, password_field, ...
_NOT_A_SECRET = re.compile(r"(url|uri|path|route|endpoint|file|dir|name|label|placeholder|field|header|type)s?$", re.I)
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
    dash = parse_requirements(requirements or "").get("dash")
    if target == "enterprise" and source.server_name is None and BACKENDS[source.backend].asgi:
        findings.append(
            Finding(
                ERROR, "server-variable-missing", source.path.name, source.app_line,
                f"{source.path.name} names no server variable, so a Procfile cannot point at the server "
                f"(gunicorn cannot load {source.module}:{source.server_expression}).",
                f"Add `server = {source.server_expression}` after the app is created.", _deploy(target),
            )
        )  # fmt: skip
    installed = Installed(requirements, dash[1] if dash else None)
    return findings + app_findings(source, root, target=target, installed=installed, web=_web_command(procfile_text))


def _deploy(target: str | None, force: bool = False) -> str:
    return f"dashgen deploy-files --target {target or 'enterprise'}" + (" --force" if force else "")


# --- Procfile -----------------------------------------------------------------------------


def _web_line(procfile_text: str) -> tuple[int, str] | None:
    for number, line in enumerate(procfile_text.splitlines(), start=1):
        if line.startswith("web:"):
            return number, line.removeprefix("web:").strip()
    return None


def _web_command(procfile_text: str | None) -> list[str]:
    web = _web_line(procfile_text or "")
    return shlex.split(web[1]) if web is not None and web[1] else []


def _procfile_server(procfile_text: str | None) -> str | None:
    """The pip package of the server the web command runs; None for `python app.py`, a launch
    script or anything else that is not a server installed from requirements.txt."""
    words = _web_command(procfile_text)
    return SERVER_PACKAGES.get(Path(words[0]).name) if words else None


def _runs_module_directly(words: list[str], source: AppSource) -> bool:
    """`python app.py` (or `python -m app`): the module's own __main__ block serves."""
    if not words or not re.fullmatch(r"python[\d.]*", Path(words[0]).name):
        return False
    return source.path.name in (Path(word).name for word in words[1:]) or source.module in words[1:]


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
        needs = needs_backends(source)
        if needs and not allows_backends(have.specifier):
            findings.append(
                Finding(
                    ERROR, "requirements-dash-too-old", "requirements.txt", index + 1,
                    f"requirements.txt pins {have.name}{have.specifier}, which rules out every Dash with server "
                    f"backends (from {DASH_MIN_VERSION}), so this {BACKENDS[source.backend].label} app "
                    "cannot start.",
                    f"Raise the pin, e.g. dash>={DASH_MIN_VERSION}.",
                )
            )  # fmt: skip
        elif needs and not any(spec.operator in (">=", "==", "~=", ">", "===") for spec in have.specifier):
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


def needs_backends(source: AppSource) -> bool:
    """Whether the app needs a Dash with server backends: `Dash(backend=...)` or a FastAPI or
    Quart server. A plain Flask app runs on any Dash (Dash 2.18 serves it as well)."""
    call = dash_call(source)
    return BACKENDS[source.backend].asgi or any(keyword.arg == "backend" for keyword in call.keywords)


def dash_call(source: AppSource) -> ast.Call:
    """The `Dash(...)` call that creates the app."""
    for statement in source.tree.body:
        if statement.lineno <= source.app_line <= (statement.end_lineno or statement.lineno):
            value = getattr(statement, "value", None)
            if isinstance(value, ast.Call):
                return value
    raise AssertionError(f"no Dash(...) call on line {source.app_line}")


def allows_backends(specifier) -> bool:
    """Whether a dash pin admits some Dash >= DASH_MIN_VERSION."""
    return admits(specifier, DASH_MIN_VERSION)


def admits(specifier, minimum_version: str) -> bool:
    """Whether a pin admits some version >= `minimum_version` (so pip, which installs the newest
    it admits, installs one): tried on that version and on the versions the pin itself names,
    and the next ones after them."""
    from packaging.version import Version

    minimum = Version(minimum_version)
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


@dataclass(frozen=True)
class Installed:
    """What pip installs from requirements.txt, as far as the app's source depends on it."""

    requirements: str | None  # the file's text; None when there is none
    dash: object | None  # dash's Requirement, when the file lists it

    def dash_from(self, version: str) -> bool:
        """Whether the Dash pip installs is `version` or later (the newest, when nothing pins it)."""
        return self.dash is None or admits(self.dash.specifier, version)

    def lists(self, module: str) -> bool:
        from packaging.utils import canonicalize_name

        return canonicalize_name(module) in parse_requirements(self.requirements or "")


def installed_from(root: Path) -> Installed:
    text = read_text(root / "requirements.txt")
    dash = parse_requirements(text or "").get("dash")
    return Installed(text, dash[1] if dash else None)


def app_findings(
    source: AppSource,
    root: Path,
    *,
    target: str | None = None,
    installed: Installed | None = None,
    web: list[str] | None = None,
) -> list[Finding]:
    """What breaks in the app's own source; `web` is the Procfile's web command, split."""
    installed = installed or installed_from(root)
    web = web or []
    findings = _route_findings(source) + _pathname_findings(source, target)
    findings += _run_findings(source, installed, web)
    findings += _legacy_import_findings(source, installed)
    findings += _secret_findings(source)
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


def _route_findings(source: AppSource) -> list[Finding]:
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
            # No command: add-route refuses a path the app already registers, by design.
            verb = "mounts" if route.methods == ("MOUNT",) else f"registers {'/'.join(route.methods)}"
            findings.append(
                Finding(
                    WARNING, "route-without-prefix", name, route.line,
                    f"{name} {verb} {route.path} without {PREFIX_ENV}, so on Dash Enterprise (below /<app-name>/) "
                    "it is unreachable.",
                    f'Register it at f"{{PREFIX}}{route.path.lstrip("/")}".',
                )
            )  # fmt: skip
    return findings


def _pathname_findings(source: AppSource, target: str | None) -> list[Finding]:
    """Dash's URL keywords against the prefix variables Dash Enterprise sets."""
    name = source.path.name
    keywords = {keyword.arg: keyword.value for keyword in dash_call(source).keywords if keyword.arg}
    severity = ERROR if target == "enterprise" else WARNING
    url_base = keywords.get("url_base_pathname")
    requests = keywords.get("requests_pathname_prefix")
    if url_base is not None and not (isinstance(url_base, ast.Constant) and url_base.value is None):
        return [
            Finding(
                severity, "url-base-with-prefix", name, url_base.lineno,
                f"Dash(url_base_pathname=...) cannot be combined with the {PREFIX_ENV} Dash Enterprise sets, "
                "so the app stops at import with InvalidConfig.",
                'Use routes_pathname_prefix=f"{PREFIX}..." instead (PREFIX read from '
                f'{PREFIX_ENV}, default "/"), as `dashgen new --mount` writes it.',
            )
        ]  # fmt: skip
    literal_requests = isinstance(requests, ast.Constant) and isinstance(requests.value, str)
    if literal_requests and "routes_pathname_prefix" not in keywords:
        return [
            Finding(
                severity, "literal-requests-prefix", name, requests.lineno,
                f"requests_pathname_prefix={requests.value!r} is written in the source while Dash serves its "
                f"routes below {PREFIX_ENV}, so on Dash Enterprise the page asks for its layout and callbacks "
                "where nothing answers.",
                "Remove it (Dash reads DASH_REQUESTS_PATHNAME_PREFIX itself), or read it from that variable.",
            )
        ]  # fmt: skip
    if source.dash_mount is not None and not source.dash_mount.prefixed:
        return [
            Finding(
                WARNING, "dash-mount-without-prefix", name, source.dash_mount.line,
                f"Dash is mounted at the literal {source.dash_mount.path}, which ignores {PREFIX_ENV}, so on Dash "
                "Enterprise the app is unreachable.",
                f'Compose it: routes_pathname_prefix=f"{{PREFIX}}{source.dash_mount.path.lstrip("/")}" '
                "(as `dashgen new --mount` writes it).",
            )
        ]  # fmt: skip
    return []


def _run_findings(source: AppSource, installed: Installed, web: list[str]) -> list[Finding]:
    name = source.path.name
    dev_server = _runs_module_directly(web, source)
    dash_3 = installed.dash_from(DASH_WITHOUT_LEGACY)
    findings = []
    for line, call in source.import_time_runs:
        removed = ".run_server(" in call and dash_3
        if removed:
            problem = f"{call} runs at import time, and Dash 3 removed run_server, so the module cannot be imported."
        elif dev_server:
            continue  # `python app.py` serves through this very call; the Procfile warning covers it
        else:
            debug = " with debug=True" if "debug=True" in call.replace(" ", "") else ""
            problem = (
                f"{call} runs at import time{debug}, so every worker of the production server starts Dash's "
                "development server instead and never answers."
            )
        findings.append(
            Finding(
                ERROR, "run-at-import", name, line, problem,
                'Move it under `if __name__ == "__main__":`' + (" and call app.run instead." if removed else "."),
            )
        )  # fmt: skip
    if dash_3:
        for line in _guarded_run_server_lines(source):
            findings.append(
                Finding(
                    ERROR if dev_server else WARNING, "run-server-removed", name, line,
                    f"`python {name}` calls run_server, which Dash 3 removed, so it stops with AttributeError.",
                    "Call app.run(...) instead.",
                )
            )  # fmt: skip
    if dev_server:
        command = BACKENDS[source.backend].command(f"{source.module}:{source.server_name or 'server'}")
        findings.append(
            Finding(
                WARNING, "procfile-dev-server", "Procfile", _web_line_number(source),
                f"The Procfile runs `{' '.join(web)}`, Dash's development server: one process, not made for "
                "production traffic.",
                f"Serve it with the production server: web: {command}", _deploy("enterprise", force=True),
            )
        )  # fmt: skip
    return findings


def _web_line_number(source: AppSource) -> int:
    web = _web_line(read_text(source.path.parent / "Procfile") or "")
    return web[0] if web else 0


def _guarded_run_server_lines(source: AppSource) -> list[int]:
    if source.main_line is None:
        return []
    block = next(statement for statement in source.tree.body if statement.lineno == source.main_line)
    return [
        node.lineno
        for node in ast.walk(block)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run_server"
    ]


def _legacy_import_findings(source: AppSource, installed: Installed) -> list[Finding]:
    """Imports of the component packages Dash 3 no longer installs, at the module's top level
    (a `try: ... except ImportError:` fallback is left alone)."""
    if not installed.dash_from(DASH_WITHOUT_LEGACY):
        return []
    findings = []
    for statement in source.tree.body:
        if isinstance(statement, ast.Import):
            modules = [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0:
            modules = [statement.module or ""]
        else:
            continue
        for module in modules:
            package = module.split(".")[0]
            if package in LEGACY_COMPONENTS and not installed.lists(package):
                findings.append(
                    Finding(
                        ERROR, "legacy-component-import", source.path.name, statement.lineno,
                        f"{source.path.name} imports {package}, which Dash 3 and later no longer install, so the "
                        "app cannot be imported.",
                        f"Write `{LEGACY_COMPONENTS[package]}` instead.",
                    )
                )  # fmt: skip
    return findings


def _secret_findings(source: AppSource) -> list[Finding]:
    # Only the statements spanning a line that names a secret are walked: a large app is mostly
    # callbacks that name none.
    marked = _lines_matching(source.text, _SECRET_NAME)
    findings = []
    for statement in source.tree.body:
        first = bisect.bisect_left(marked, statement.lineno)
        if first == len(marked) or marked[first] > (statement.end_lineno or statement.lineno):
            continue
        for node in ast.walk(statement):
            named = None
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_literal_secret(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                named = next((_target_name(t) for t in targets if _is_secret_name(_target_name(t))), None)
            elif isinstance(node, ast.keyword) and node.arg and _is_secret_name(node.arg):
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


def _lines_matching(text: str, pattern: re.Pattern) -> list[int]:
    """The numbers of the lines, as Python counts them, where `pattern` matches."""
    starts = [match.start() for match in pattern.finditer(text)]
    if not starts:
        return []
    ends = [match.end() for match in _LINE_END.finditer(text)]
    return sorted({bisect.bisect_right(ends, start) + 1 for start in starts})


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_A_SECRET.search(name)


def _is_literal_secret(value) -> bool:
    """A string that could be a credential: not a path, a plain URL or words."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and len(value.value) >= 4):
        return False
    text = value.value
    if any(character.isspace() for character in text):
        return False
    return "@" in text or not text.startswith(("/", "./", "../", "http://", "https://"))


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""
