"""What would break when the app is deployed: findings read from the app's source and files.

`dashgen check` reports them all; `dashgen deploy-files` prints the warnings and names a wrong
Procfile in its refusal. An error is a failure a test demonstrates by running the app as its
files say; what cannot be demonstrated that way is a warning.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from dashgen import background
from dashgen.backends import BACKENDS, DASH_MIN_VERSION, PREFIX_ENV
from dashgen.edits import bound_names
from dashgen.errors import Refused
from dashgen.nodes import called_name, nodes
from dashgen.procfile import ASGI_SERVERS, WSGI_SERVERS, WebCommand, production_command, read_procfile, web_command
from dashgen.reading import MAX_SOURCE_BYTES, is_readable_file, read_bytes
from dashgen.requirements import Requirements
from dashgen.source import AppSource

ERROR = "error"
WARNING = "warning"
SERVERS = WSGI_SERVERS + ASGI_SERVERS
# The pip package of a server whose executable is named otherwise.
SERVER_PACKAGES = {"waitress-serve": "waitress"}
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
    """Every finding for the app in its project; `target` adds what that platform needs."""
    from dashgen.requirements import read_requirements

    root = source.project_root
    findings: list[Finding] = []
    try:
        procfile = read_procfile(root)
    except Refused as unreadable:
        procfile = None
        findings.append(
            Finding(
                ERROR, "procfile-unreadable", "Procfile", 0, unreadable.message,
                "Write the web: command as bash runs it.", _deploy("enterprise", force=True),
            )
        )  # fmt: skip
    if procfile is not None:
        findings += procfile_findings(source, procfile.text)
        findings += lifespan_findings(source, procfile.web)
        findings += setup_race_findings(source, procfile.web)
    elif target == "enterprise":
        findings.append(
            Finding(
                ERROR, "procfile-missing", "Procfile", 0,
                "There is no Procfile, so Dash Enterprise starts no web process.",
                "Add one naming the production server.", _deploy(target),
            )
        )  # fmt: skip
    requirements = read_requirements(root)
    if requirements is None:
        if target is not None or procfile is not None:
            findings.append(
                Finding(
                    ERROR, "requirements-missing", "requirements.txt", 0,
                    "There is no requirements.txt, so the platform installs neither Dash nor a server.",
                    "Write one with the backend's extra and the production server.", _deploy(target or "cloud"),
                )
            )  # fmt: skip
    else:
        platform = target or ("enterprise" if procfile is not None else "cloud")
        server = procfile.web.server if procfile and procfile.web else None
        server = SERVER_PACKAGES.get(server, server) if server in SERVERS else None
        findings += requirements_findings(source, requirements, server, platform)
        findings += websocket_library_findings(source, requirements)
    # uvicorn answers 500 on the Dash object of a FastAPI or Quart app; gunicorn serves a Flask
    # app's Dash object (Dash.__call__ hands the call to its server), so it needs no variable.
    if target == "enterprise" and source.server_name is None and source.serving.asgi:
        findings.append(
            Finding(
                ERROR, "server-variable-missing", source.entry.path.name, source.entry.app_line,
                f"{source.entry.path.name} names no server variable, so a Procfile cannot point at the server "
                f"(gunicorn cannot load {source.module}:{source.entry.app_name}.server).",
                f"Add `server = {source.entry.app_name}.server` after the app is created.", _deploy(target),
            )
        )  # fmt: skip
    web = procfile.web if procfile else None
    findings += background_findings(source, procfile.text if procfile else None, requirements, target)
    if target == "cloud":
        findings += cloud_findings(source)
    findings += app_findings(source, root, target=target, installed=Installed(requirements), web=web)
    return findings + pages_findings(source)


def _deploy(target: str | None, force: bool = False) -> str:
    return f"dashgen deploy-files --target {target or 'enterprise'}" + (" --force" if force else "")


# --- Procfile -----------------------------------------------------------------------------


def procfile_findings(source: AppSource, procfile_text: str) -> list[Finding]:
    """What would break if the platform ran this Procfile for this app."""
    fix_command = _deploy("enterprise", force=True)
    web = web_command(procfile_text, source.project_root)
    if web is None or not web.text:
        return [
            Finding(
                ERROR, "procfile-no-web", "Procfile", 0,
                "The Procfile has no web: command, so the platform starts no web process.",
                "Add a web: line that starts the production server.", fix_command,
            )
        ]  # fmt: skip
    backend = source.serving
    expected = production_command(source)
    number = web.line
    if web.server == "":
        what = f"the script {web.script}" if web.script else f"`{web.text}`"
        return [
            Finding(
                WARNING, "procfile-unknown-server", "Procfile", number,
                f"dashgen cannot tell which server {what} starts, so it cannot check that it serves the app.",
                f"If it does not start a production server, use: web: {expected}",
            )
        ]  # fmt: skip
    if web.server == "python":
        return [
            Finding(
                WARNING, "procfile-dev-server", "Procfile", number,
                f"`{web.text}` runs Dash's development server, which serves one request at a time and is not "
                "meant for production.",
                f"Use the production server: web: {expected}", fix_command,
            )
        ]  # fmt: skip
    findings = []
    if backend.asgi and not web.is_asgi:
        findings.append(
            Finding(
                ERROR, "procfile-wsgi-server-for-asgi", "Procfile", number,
                f"{web.server} serves this {backend.label} (ASGI) app as WSGI, so every request fails with 500.",
                f"Serve it with {backend.server_name}: web: {expected}", fix_command,
            )
        )  # fmt: skip
    if web.is_asgi and not backend.asgi:
        findings.append(
            Finding(
                ERROR, "procfile-asgi-server-for-wsgi", "Procfile", number,
                f"{web.server} serves this Flask (WSGI) app as ASGI, so every request fails with 500.",
                f"Serve it with {backend.server_name}: web: {expected}", fix_command,
            )
        )  # fmt: skip
    if web.target is not None:
        findings += _target_findings(source, web, fix_command)
    return findings


def _target_findings(source: AppSource, web: WebCommand, fix_command: str) -> list[Finding]:
    module, variable, line = web.module or "", web.variable or "", web.line
    served = source.entry
    if not served.importable:
        problem = (
            f"{served.path.name} cannot be imported by that name (only letters, digits and _ make a module name), "
            "so the server cannot load it."
        )
        importable = re.sub(r"\W", "_", served.path.stem)
        fix = f"Rename {served.path.name} to {importable}.py and point the Procfile at it."
        return [Finding(ERROR, "procfile-module-not-importable", "Procfile", line, problem, fix, "")]
    if module != served.dotted:
        loaded = _module_path(source, web, module)
        if loaded is not None and loaded.resolve() == source.path.resolve() and served.path != source.path:
            problem = (
                f"The Procfile serves {module}, which creates the app but never sets its layout "
                f"({served.path.name} does, after importing it), so /_dash-layout fails with 500."
            )
            fix = _point_at(source)
            return [Finding(ERROR, "procfile-app-incomplete", "Procfile", line, problem, fix, fix_command)]
        if loaded is not None:
            return []  # another module of the app: not the one this check read
        problem = f"The Procfile loads the module {module!r}, which does not exist, so the server cannot start."
        return [Finding(ERROR, "procfile-module-missing", "Procfile", line, problem, _point_at(source), fix_command)]
    if variable == served.app_name and source.serving.asgi and web.interface != "asgi3":
        problem = (
            f"The Procfile serves the Dash object {variable!r} instead of its server, so every request fails with 500."
        )
        return [Finding(ERROR, "procfile-dash-object", "Procfile", line, problem, _point_at(source), fix_command)]
    name = variable.split(".")[0].split("(")[0]
    if name not in bound_names(served.file.tree) and name != served.server_name:
        problem = (
            f"The Procfile loads {web.target}, but {served.path.name} defines no {variable!r}, "
            "so the server cannot start."
        )
        return [Finding(ERROR, "procfile-variable-missing", "Procfile", line, problem, _point_at(source), fix_command)]
    return []


def _module_path(source: AppSource, web: WebCommand, module: str) -> Path | None:
    root = source.project_root
    for folder in (*web.import_dirs, "."):
        base = root / folder / Path(*module.split("."))
        for path in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if path.is_file():
                return path
    return None


def _point_at(source: AppSource) -> str:
    server = source.server_name or "server"
    return f"Point it at {source.module}:{server}" + (
        "." if source.server_name else f", after adding `server = {source.entry.app_name}.server` to the app."
    )


# --- requirements.txt ---------------------------------------------------------------------


def needed_requirements(source: AppSource) -> list[str]:
    backend = source.serving
    dash = backend.async_callbacks_requirement if source.async_callbacks else backend.dash_requirement
    return [dash, backend.server_requirement, *backend.extra_requirements]


def requirements_findings(
    source: AppSource, requirements: Requirements, procfile_server: str | None, target: str
) -> list[Finding]:
    """What the requirements (as pip reads them, includes followed) lack for this app."""
    from packaging.requirements import Requirement

    findings = []
    dash_line, server_line, *frameworks = needed_requirements(source)
    fix = _deploy(target)
    want = Requirement(dash_line)
    found = requirements.get("dash")
    if found is None:
        findings.append(
            Finding(
                ERROR, "requirements-no-dash", "requirements.txt", 0,
                "requirements.txt does not list dash, so the platform cannot import the app.",
                f"Add {dash_line}.", fix,
            )
        )  # fmt: skip
    else:
        have, index = found.requirement, found.line - 1
        missing = sorted(want.extras - set(have.extras))
        if missing:
            extra = f"dash[{','.join(missing)}]"
            why = (
                "its async def callbacks fail with 500"
                if missing == ["async"]
                else f"Dash cannot create or serve a {BACKENDS[source.backend].label} server"
            )
            findings.append(
                Finding(
                    ERROR, "requirements-missing-extra", found.file.name, index + 1,
                    f"requirements.txt lists dash without the {extra} extra, so {why}.",
                    f"Write {extra} on that line, keeping its version.", fix,
                )
            )  # fmt: skip
        needs = needs_backends(source)
        if needs and not allows_backends(have.specifier):
            findings.append(
                Finding(
                    ERROR, "requirements-dash-too-old", found.file.name, index + 1,
                    f"requirements.txt pins {have.name}{have.specifier}, which rules out every Dash with server "
                    f"backends (from {DASH_MIN_VERSION}), so this {BACKENDS[source.backend].label} app "
                    "cannot start.",
                    f"Raise the pin, e.g. dash>={DASH_MIN_VERSION}.",
                )
            )  # fmt: skip
        elif needs and not any(spec.operator in (">=", "==", "~=", ">", "===") for spec in have.specifier):
            findings.append(
                Finding(
                    WARNING, "requirements-dash-unbounded", found.file.name, index + 1,
                    "dash has no lower bound, so an old Dash without server backends can be installed.",
                    f"Write dash>={DASH_MIN_VERSION} (with the extra it needs).",
                )
            )  # fmt: skip
    server = procfile_server or (Requirement(server_line).name if target in ("enterprise", "docker") else None)
    if server and not requirements.lists(server):
        findings.append(
            Finding(
                ERROR, "requirements-missing-server", "requirements.txt", 0,
                f"requirements.txt does not list {server}, "
                f"{'which the Procfile runs' if procfile_server else 'the production server for this app'}, "
                "so the web process cannot start.",
                f"Add {server_line if Requirement(server_line).name == server else server}.", fix,
            )
        )  # fmt: skip
    for framework in frameworks:
        if not requirements.lists(framework):
            findings.append(
                Finding(
                    ERROR, "requirements-missing-framework", "requirements.txt", 0,
                    f"requirements.txt does not list {framework}, which the served {source.module} imports, so "
                    "the app cannot start.",
                    f"Add {framework}.", fix,
                )
            )  # fmt: skip
    return findings


def needs_backends(source: AppSource) -> bool:
    """Whether the app needs a Dash with server backends: `Dash(backend=...)` or a FastAPI or
    Quart server. A plain Flask app runs on any Dash (Dash 2.18 serves it as well)."""
    call = dash_call(source)
    return BACKENDS[source.backend].asgi or any(keyword.arg == "backend" for keyword in call.keywords)


def dash_call(source: AppSource) -> ast.Call:
    """The `Dash(...)` call that creates the app (at module level or in a factory function);
    a call without arguments when it cannot be found."""
    for statement in source.tree.body:
        if statement.lineno <= source.app_line <= (statement.end_lineno or statement.lineno):
            for node in ast.walk(statement):
                if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "Dash":
                    return node
    return ast.Call(func=ast.Name("Dash"), args=[], keywords=[])


def allows_backends(specifier) -> bool:
    """Whether a dash pin admits some Dash >= DASH_MIN_VERSION."""
    return admits(specifier, DASH_MIN_VERSION)


def admits(specifier, minimum_version: str) -> bool:
    """Whether a pin admits some version >= `minimum_version` (so pip, which installs the newest
    it admits, installs one): tried on that version and on the versions the pin itself names,
    and the next ones after them."""
    from packaging.version import InvalidVersion, Version

    minimum = Version(minimum_version)
    candidates = {minimum}
    for spec in specifier:
        try:
            named = Version(spec.version.replace(".*", ""))
        except InvalidVersion:
            continue  # `===foo` names no version: only the candidates below can satisfy it, or none
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

    requirements: Requirements | None

    def dash_from(self, version: str) -> bool:
        """Whether the Dash pip installs is `version` or later: the newest that every dash line
        (constraints too) admits, the newest of all when nothing pins it."""
        from packaging.specifiers import SpecifierSet

        if self.requirements is None:
            return True
        lines = [line for line in (*self.requirements.entries, *self.requirements.included) if line.name == "dash"]
        pins = SpecifierSet()
        for line in lines:
            pins &= line.specifier
        return admits(pins, version)

    def lists(self, package: str) -> bool:
        return self.requirements is not None and self.requirements.lists(package)


def installed_from(root: Path) -> Installed:
    from dashgen.requirements import read_requirements

    return Installed(read_requirements(root))


def app_findings(
    source: AppSource,
    root: Path,
    *,
    target: str | None = None,
    installed: Installed | None = None,
    web: WebCommand | None = None,
) -> list[Finding]:
    """What breaks in the app's own source; `web` is the Procfile's web command."""
    installed = installed or installed_from(root)
    findings = _route_findings(source) + _pathname_findings(source, target)
    findings += _run_findings(source, installed, web)
    findings += _legacy_import_findings(source, installed)
    findings += _secret_findings(source)
    findings += websocket_findings(source)
    findings += _layout_findings(source)
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


# The project's modules read for the word "layout", at most; a project with more is not judged.
_MAX_LAYOUT_SCAN = 500


def _layout_findings(source: AppSource) -> list[Finding]:
    """An app whose layout nothing sets answers every page with 500 (NoLayoutException). Said
    only when no module of the project so much as mentions a layout or Dash Pages: where the
    layout is set cannot always be followed, but it cannot be set without the word."""
    modules = []
    for path in source.project_root.rglob("*.py"):
        if len(modules) == _MAX_LAYOUT_SCAN:
            return []
        modules.append(path)
    for path in modules:
        try:
            data = read_bytes(path, MAX_SOURCE_BYTES) if is_readable_file(path) else None
        except Refused:
            return []
        if data is None or b"layout" in data or b"use_pages" in data:
            return []
    return [
        Finding(
            ERROR, "app-no-layout", source.path.name, source.app_line,
            f"Nothing in the project sets the layout of the Dash app {source.app_name!r}, so every page answers "
            "500 (NoLayoutException).",
            f"Set {source.app_name}.layout = html.Div(...) after the app is created.",
        )
    ]  # fmt: skip


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


def _run_findings(source: AppSource, installed: Installed, web: WebCommand | None) -> list[Finding]:
    name = source.path.name
    # `python app.py` serves through the module's own run call (procfile_findings warns about it).
    dev_server = web is not None and web.server == "python"
    dash_3 = installed.dash_from(DASH_WITHOUT_LEGACY)
    findings = []
    for line, call in source.import_time_runs:
        removed = ".run_server(" in call and dash_3
        if removed:
            problem = f"{call} runs at import time, and Dash 3 removed run_server, so the module cannot be imported."
        elif dev_server:
            continue
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
    return findings


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
    """Imports of the component packages Dash 3 no longer installs, at the top level of the served
    module and of the project's own modules it imports (a `try: ... except ImportError:` fallback
    is left alone)."""
    if not installed.dash_from(DASH_WITHOUT_LEGACY):
        return []
    findings = []
    root = source.project_root
    for path, tree in project_modules(source):
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        for statement in tree.body:
            for module in _imported(statement):
                package = module.split(".")[0]
                if package in LEGACY_COMPONENTS and not installed.lists(package):
                    findings.append(
                        Finding(
                            ERROR, "legacy-component-import", shown, statement.lineno,
                            f"{shown} imports {package}, which Dash 3 and later no longer install, so the app "
                            "cannot be imported.",
                            f"Write `{LEGACY_COMPONENTS[package]}` instead.",
                        )
                    )  # fmt: skip
    return findings


def _imported(statement: ast.stmt) -> list[str]:
    """The absolute modules a top-level import statement names ("" for a relative one)."""
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
        return [statement.module, *(f"{statement.module}.{alias.name}" for alias in statement.names)]
    return []


# Enough for any app's own package; a vendored library is not followed past it.
_MAX_MODULES = 200


def project_modules(source: AppSource) -> list[tuple[Path, ast.Module]]:
    """The module that creates the app, the one the platform serves, and the project's own modules
    they import at module level, transitively (each read once; one that cannot be read is skipped)."""
    from dashgen.reading import read_python

    root = source.project_root
    queue = [(source.path, source.tree)]
    if source.entry.path != source.path:
        queue.append((source.entry.path, source.entry.file.tree))
    seen = {path for path, _ in queue}
    found: list[tuple[Path, ast.Module]] = []
    while queue and len(found) < _MAX_MODULES:
        path, tree = queue.pop(0)
        found.append((path, tree))
        for statement in tree.body:
            for module in _imported(statement) + _relative(statement):
                for folder in {path.parent, root}:
                    base = folder / Path(*module.split("."))
                    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
                        if candidate in seen or not candidate.is_file():
                            continue
                        seen.add(candidate)
                        with contextlib.suppress(Refused):
                            queue.append((candidate, read_python(candidate).tree))
    return found


def _relative(statement: ast.stmt) -> list[str]:
    """`from . import x` / `from .pkg import y`: modules beside the importing one."""
    if not (isinstance(statement, ast.ImportFrom) and statement.level == 1):
        return []
    base = statement.module or ""
    names = [f"{base}.{alias.name}" if base else alias.name for alias in statement.names]
    return [base, *names] if base else names


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


# --- Plotly Cloud -------------------------------------------------------------------------


def cloud_findings(source: AppSource) -> list[Finding]:
    """What `plotly app publish` would get wrong: the module it starts, the upload's size, the
    files and variables it leaves out."""
    from dashgen import cloud

    root = source.project_root
    project = cloud.upload(root)
    findings = _entrypoint_findings(source, root)
    if project.total > cloud.MAX_UPLOAD_BYTES:
        findings.append(_upload_size_finding(source, project))
    for opened in cloud.opened_files(project):
        pattern = project.exclusions.match(opened.path)
        if pattern is None:
            continue
        fix = f"Move the file out of what `{pattern}` matches: Plotly Cloud's CLI never uploads it."
        if pattern in project.exclusions.gitignore:
            fix = f"Remove `{pattern}` from .gitignore (the CLI reads no `!` lines) or move the file out of it."
        findings.append(
            Finding(
                WARNING, "cloud-file-excluded", opened.module, opened.line,
                f"{opened.module} opens {opened.path}, which {project.exclusions.why(pattern)} leaves out of "
                "the upload, so the app cannot find it on Plotly Cloud.",
                fix,
            )
        )  # fmt: skip
    names = cloud.env_names(root)
    if names:
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        findings.append(
            Finding(
                WARNING, "cloud-env-not-uploaded", ".env", 0,
                f".env is never uploaded by Plotly Cloud's CLI, so {shown} are not set in the cloud.",
                "Set them as environment variables in the app's settings on Plotly Cloud (keep .env out of the "
                "upload: it holds secrets).",
            )
        )  # fmt: skip
    return findings


# --- Background callbacks -----------------------------------------------------------------


def background_findings(
    source: AppSource, procfile_text: str | None, requirements: Requirements | None, target: str | None
) -> list[Finding]:
    """What stops the app's background callbacks (`background=True`) from running its jobs."""
    managers = background.job_managers(source.tree)
    kinds = {manager.kind for manager in managers}
    findings = []
    if background.CELERY in kinds and procfile_text is not None:
        findings += _worker_findings(source, procfile_text, managers)
    if requirements is not None:
        findings += _manager_package_findings(requirements, managers)
    if target == "docker" and kinds == {background.DISKCACHE}:
        manager = managers[0]
        findings.append(
            Finding(
                WARNING, "background-diskcache-containers", source.path.name, manager.line,
                "DiskcacheManager keeps each job in its own container's cache folder, so with more than one web "
                "container a job started on one is polled on another and its result never reaches the page.",
                f"Run one web container, or use CeleryManager with Redis (as `dashgen new --background-callbacks` "
                f"does when {background.REDIS_URL_ENV} is set).",
            )
        )  # fmt: skip
    return findings


def cloud_next_step(source: AppSource) -> str:
    """What to run after deploy-files --target cloud."""
    from dashgen import cloud

    module = cloud.module_name(source.project_root, source.entry.path)
    return (
        f'Next: pip install "dash[cloud]", then `{cloud.publish_command(module)}` from {source.project_root} '
        "(the entrypoint module is fixed at the first publish)."
    )


def _entrypoint_findings(source: AppSource, root: Path) -> list[Finding]:
    from dashgen import cloud

    served = source.entry
    if not served.importable or root not in served.path.parents:
        return []
    wanted = cloud.module_name(root, served.path)
    detected = cloud.detected_entrypoint(root)
    if detected == wanted:
        return []
    why = source.notes[0] if source.notes else f"{wanted} (it creates the app)"
    if detected is None:
        problem = (
            f"None of {', '.join(cloud.ENTRYPOINT_CANDIDATES)} is at the project root, so `{cloud.PUBLISH}` names "
            f"no entrypoint module and Plotly Cloud does not start {wanted}, the module that completes the app: {why}."
        )
    else:
        problem = (
            f"`{cloud.PUBLISH}` would start {detected} (the first of {', '.join(cloud.ENTRYPOINT_CANDIDATES)} at "
            f"the root), but the module that completes the app is {why}."
        )
    published = cloud.published_app_id(root)
    if published:
        # The CLI records the app, not the entrypoint it was created with: which one is set cannot be read.
        return [
            Finding(
                WARNING, "cloud-entrypoint", cloud.CONFIG_FILE, 0,
                f"{problem[:-1]}, unless app {published} was first published with --entrypoint-module {wanted}.",
                "The entrypoint is fixed at the first publish and later publishes ignore the option: if the app "
                f"does not start, publish it as a new app with `{cloud.publish_command(wanted, new_app=True)}`.",
            )
        ]  # fmt: skip
    return [
        Finding(
            ERROR, "cloud-entrypoint", served.path.relative_to(root).as_posix(), 0, problem,
            f"Publish the first time with `{cloud.publish_command(wanted)}`: the entrypoint module is fixed at the "
            "first publish, later publishes cannot change it, and a wrong one means deleting the app and "
            "publishing a new one.",
        )
    ]  # fmt: skip


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
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and called_name(decorator.func) == "callback":
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
    for node in nodes(tree, ast.Call):
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
        # A background callback runs in the job manager's process, not on the server's event loop.
        on_loop = backend.asgi and not callback.asynchronous and not _is_true(callback.keywords.get("background"))
        blocking = _blocking_call(callback.node) if on_loop else None
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


# --- Dash Pages ---------------------------------------------------------------------------


def pages_findings(source: AppSource) -> list[Finding]:
    """What breaks the pages of an app created with use_pages=True."""
    from dashgen.errors import Refused
    from dashgen.pages import page_ids, pages_config, read_pages

    try:
        config = pages_config(source)
    except Refused:
        return []  # a computed pages_folder: nothing to read it from
    if not config.use_pages:
        return []
    if not config.folder.is_dir():
        return [
            Finding(
                ERROR, "pages-folder-missing", source.path.name, config.line,
                f"Pages are on but the pages folder {config.folder_text!r} does not exist, so Dash raises "
                "InvalidConfig and the app cannot start.",
                f"Create {config.folder_text}/ with a page in it, or point pages_folder at the folder that has them.",
                "dashgen add-page home --path /",
            )
        ]  # fmt: skip
    root = source.path.parent
    pages = read_pages(config)
    findings = []
    first: dict[str, object] = {}
    for page in pages:
        key = "/" + page.path.strip("/")
        if key in first:
            findings.append(
                Finding(
                    ERROR, "pages-duplicate-path", _path_in(page.file, root), page.line,
                    f"{_path_in(page.file, root)} registers {page.path}, as {_path_in(first[key].file, root)} does, "
                    "so Dash refuses to route and every page answers 500.",
                    "Give one of them another path= in register_page.",
                )
            )  # fmt: skip
        else:
            first[key] = page
    users: dict[str, list[tuple[str, int]]] = {}
    for page in pages:
        for component_id, line in page_ids(page.file).items():
            users.setdefault(component_id, []).append((_path_in(page.file, root), line))
    for component_id, places in users.items():
        if len(places) > 1:
            files = " and ".join(file for file, _ in places)
            findings.append(
                Finding(
                    WARNING, "pages-duplicate-id", places[1][0], places[1][1],
                    f"The component id {component_id!r} is used by {files}: Dash ids are global to the app, so "
                    "one page's callbacks can answer for the other's components.",
                    "Start each page's ids with its module name (as dashgen add-page writes them).",
                )
            )  # fmt: skip
    return findings


def uses_websocket_callbacks(source: AppSource) -> bool:
    return bool(_global_websocket_line(source.tree)) or any(
        _is_true(callback.keywords.get("websocket")) for callback in callback_defs(source.tree)
    )


def websocket_library_findings(source: AppSource, requirements: Requirements) -> list[Finding]:
    """WebSocket callbacks on an ASGI server with nothing installed to speak WebSocket."""
    if not BACKENDS[source.backend].websocket_callbacks or not uses_websocket_callbacks(source):
        return []
    present = any(requirements.lists(library) for library in _WEBSOCKET_LIBRARIES) or any(
        (line := requirements.get(package)) is not None and extra in line.extras
        for package, extra in (("uvicorn", "standard"), ("dash", "fastapi"), ("dash", "quart"))
    )
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


def _upload_size_finding(source: AppSource, project) -> Finding:
    from dashgen import cloud

    largest = ", ".join(f"{entry} {cloud.megabytes(size)}" for entry, size in project.by_top_level()[:3])
    entry = source.entry.path.relative_to(source.project_root).parts
    keep = {"requirements.txt", "assets/", *([f"{entry[0]}/"] if len(entry) > 1 else [])}
    lines = project.lines_below_limit(keep)
    if lines:
        fix = (
            "Add to .gitignore, one a line (the CLI leaves out what they match): "
            + ", ".join(f"`{line}`" for line in lines)
            + "; keep what the app needs in storage it downloads from instead."
        )
    else:
        fix = "Leave the app's large files out with .gitignore lines and load them from storage instead."
    return Finding(
        ERROR, "cloud-upload-too-large", ".gitignore", 0,
        f"The upload `{cloud.PUBLISH}` makes holds {cloud.megabytes(project.total)} of files, over Plotly Cloud's "
        f"{cloud.megabytes(cloud.MAX_UPLOAD_BYTES)} limit, so the CLI refuses it; the largest: {largest}.",
        fix,
    )  # fmt: skip


def lifespan_findings(source: AppSource, web: WebCommand | None) -> list[Finding]:
    """`--lifespan off` where Dash adds its catch-all route at lifespan start-up (FastAPI)."""
    if web is None or not source.serving.routes_at_lifespan:
        return []
    option = web.option("--lifespan")
    if option is None or option.value != "off":
        return []
    label = source.serving.label
    if _uses_pages(source):
        code, problem = (
            "pages-lifespan-off",
            (
                f"uvicorn runs with --lifespan off, so {label} never gets Dash's catch-all route and every page "
                "but the first answers 404."
            ),
        )
    else:
        code, problem = (
            "procfile-lifespan-off",
            (
                "The Procfile runs uvicorn with --lifespan off, so Dash never adds its catch-all route and every "
                "page but the app's first answers 404."
            ),
        )
    return [
        Finding(ERROR, code, "Procfile", web.line, problem, "Remove --lifespan off.", _deploy("enterprise", force=True))
    ]


def setup_race_findings(source: AppSource, web: WebCommand | None) -> list[Finding]:
    """Several workers of an app whose framework runs Dash's first-request set-up in a thread,
    with nothing finishing it at start: a fresh worker answers the scripts a page loads while
    the set-up runs with 500 (tests: first_requests_are_scripts)."""
    served = source.entry
    if web is None or served.wrapper or not BACKENDS[source.backend].setup_in_thread:
        return []
    workers = web.option("--workers", "-w")
    count = workers.value if workers else "1"
    default = re.fullmatch(r"\$\{\w+:-(\d+)\}", count or "")
    count = default.group(1) if default else count
    if count and count.isdigit() and int(count) < 2 or "before_serving" in served.file.text:
        return []
    app, server = served.app_name, served.server_name or f"{served.app_name}.server"
    return [
        Finding(
            WARNING, "setup-race", served.path.name, served.app_line,
            f"{source.serving.label} runs Dash's first-request set-up in a thread, so with several workers a "
            "fresh worker answers the scripts a page loads meanwhile with 500 (Dash 4.4).",
            f"Make each worker's first request when it starts: @{server}.before_serving, then "
            f"`async def finish_dash_setup(): await {server}.test_client().get({app}.config.routes_pathname_prefix)`.",
        )
    ]  # fmt: skip


def _uses_pages(source: AppSource) -> bool:
    from dashgen.pages import pages_config

    try:
        return pages_config(source).use_pages
    except Refused:
        return False


def _worker_findings(source: AppSource, procfile_text: str, managers: list) -> list[Finding]:
    fix_command = _deploy("enterprise")
    line = next(manager.line for manager in managers if manager.kind == background.CELERY)
    variable = background.celery_variable(source.tree)
    expected = background.worker_command(source.module, variable)
    worker = background.worker_line(procfile_text)
    if worker is None:
        return [
            Finding(
                ERROR, "background-no-worker", "Procfile", 0,
                f"{source.path.name}:{line} runs its background callbacks on Celery, but the Procfile starts no "
                "worker, so every job waits in the queue forever and the page shows nothing.",
                f"Add the line worker: {expected}", fix_command,
            )
        ]  # fmt: skip
    number, command = worker
    target = background.celery_target(command)
    if target is None:
        return []
    module, _, name = target.partition(":")
    path = source.path.parent / f"{module.replace('.', '/')}.py"
    if module == source.module:
        tree = source.tree
    elif path.is_file():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            return []
    else:
        tree = None
    if tree is not None and (not name or name.split(".")[0] in background.module_level_names(tree)):
        return []
    missing = (
        f"the module {module!r}, which does not exist"
        if tree is None
        else f"{name!r}, which {path.name} does not define"
    )
    return [
        Finding(
            ERROR, "background-worker-target-missing", "Procfile", number,
            f"The worker: line loads {missing}, so the Celery worker cannot start and no job ever runs.",
            f"Point it at {source.module}:{variable}: worker: {expected}", _deploy("enterprise", force=True),
        )
    ]  # fmt: skip


def _manager_package_findings(requirements: Requirements, managers: list) -> list[Finding]:
    dash = requirements.get("dash")
    extras = dash.extras if dash else set()
    findings = []
    for kind in sorted({manager.kind for manager in managers}):
        packages = background.MANAGER_PACKAGES[kind]
        if kind in extras or all(requirements.lists(package) for package in packages):
            continue
        manager = next(manager for manager in managers if manager.kind == kind)
        name = next(name for name, value in background.MANAGER_CLASSES.items() if value == kind)
        findings.append(
            Finding(
                ERROR, "background-manager-not-installed", "requirements.txt", dash.line if dash else 0,
                f"The app creates a {name} (line {manager.line}), but requirements.txt installs neither "
                f"dash[{kind}] nor {', '.join(packages)}, so the app cannot start.",
                f"Write dash[{kind}] on the dash line, keeping its version.", _deploy(None),
            )
        )  # fmt: skip
    return findings


def _path_in(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
