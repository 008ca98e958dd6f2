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
    if target == "enterprise" and source.server_name is None:
        findings.append(
            Finding(
                ERROR, "server-variable-missing", source.path.name, source.app_line,
                f"{source.path.name} names no server variable, so a Procfile cannot point at the server "
                f"(gunicorn cannot load {source.module}:{source.server_expression}).",
                f"Add `server = {source.server_expression}` after the app is created.", _deploy(target),
            )
        )  # fmt: skip
    return findings + app_findings(source, root) + pages_findings(source, procfile_text)


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


# --- Dash Pages ---------------------------------------------------------------------------


def pages_findings(source: AppSource, procfile_text: str | None) -> list[Finding]:
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
                    ERROR, "pages-duplicate-path", _relative(page.file, root), page.line,
                    f"{_relative(page.file, root)} registers {page.path}, as {_relative(first[key].file, root)} does, "
                    "so Dash refuses to route and every page answers 500.",
                    "Give one of them another path= in register_page.",
                )
            )  # fmt: skip
        else:
            first[key] = page
    web = _web_line(procfile_text or "")
    if web and BACKENDS[source.backend].routes_at_lifespan and re.search(r"--lifespan[= ]+off\b", web[1]):
        findings.append(
            Finding(
                ERROR, "pages-lifespan-off", "Procfile", web[0],
                f"uvicorn runs with --lifespan off, so {BACKENDS[source.backend].label} never gets Dash's "
                "catch-all route and every page but the first answers 404.",
                "Remove --lifespan off from the web: command.", _deploy("enterprise", force=True),
            )
        )  # fmt: skip
    users: dict[str, list[tuple[str, int]]] = {}
    for page in pages:
        for component_id, line in page_ids(page.file).items():
            users.setdefault(component_id, []).append((_relative(page.file, root), line))
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


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
