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

from dashgen import background
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
    findings += background_findings(source, procfile_text, requirements, target)
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


# --- Background callbacks -----------------------------------------------------------------


def background_findings(
    source: AppSource, procfile_text: str | None, requirements_text: str | None, target: str | None
) -> list[Finding]:
    """What stops the app's background callbacks (`background=True`) from running its jobs."""
    managers = background.job_managers(source.tree)
    kinds = {manager.kind for manager in managers}
    findings = []
    if background.CELERY in kinds and procfile_text is not None:
        findings += _worker_findings(source, procfile_text, managers)
    if requirements_text is not None:
        findings += _manager_package_findings(requirements_text, managers)
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


def _manager_package_findings(requirements_text: str, managers: list) -> list[Finding]:
    parsed = parse_requirements(requirements_text)
    dash = parsed.get("dash")
    extras = dash[1].extras if dash else set()
    findings = []
    for kind in sorted({manager.kind for manager in managers}):
        packages = background.MANAGER_PACKAGES[kind]
        if kind in extras or all(package in parsed for package in packages):
            continue
        manager = next(manager for manager in managers if manager.kind == kind)
        name = next(name for name, value in background.MANAGER_CLASSES.items() if value == kind)
        findings.append(
            Finding(
                ERROR, "background-manager-not-installed", "requirements.txt", dash[0] + 1 if dash else 0,
                f"The app creates a {name} (line {manager.line}), but requirements.txt installs neither "
                f"dash[{kind}] nor {', '.join(packages)}, so the app cannot start.",
                f"Write dash[{kind}] on the dash line, keeping its version.", _deploy(None),
            )
        )  # fmt: skip
    return findings
