"""`dashgen deploy-files`: the files each platform needs, derived from the app as it is, and
merged into what the user already has."""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dashgen.backends import BACKENDS, DASH_MIN_VERSION, PREFIX_ENV, Backend
from dashgen.edits import bound_names, insert_after_line
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import CREATE, IDENTICAL, INSERT, UPDATE, FileChange, Plan, change_for, read_text
from dashgen.project import AppSource

TARGETS = ("enterprise", "cloud", "docker")
ADDED_MARKER = "# added by dashgen"

DOCKERIGNORE = """\
__pycache__/
*.py[cod]
.git/
.venv/
venv/
.env
.pytest_cache/
.ruff_cache/
tests/
Dockerfile
.dockerignore
"""


@dataclass
class Deployment:
    """What deploy-files decided, for the CLI to print."""

    plan: Plan
    target: str  # module:server
    warnings: list[str] = field(default_factory=list)


def validate_target(target: str) -> str:
    if target not in TARGETS:
        raise InvalidInput(f"Unknown target {target!r}: choose one of {', '.join(TARGETS)}.")
    return target


def validate_python(version: str | None) -> str:
    if version is None:
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    if not re.fullmatch(r"3\.\d{1,2}", version):
        raise InvalidInput(f"--python {version!r} is not a Python version: write it like 3.12.")
    return version


def plan_deploy(
    source: AppSource, target: str, *, python: str, force: bool = False, dry_run: bool = False
) -> Deployment:
    backend = BACKENDS[source.backend]
    root = source.path.parent
    app_text, server = _with_server_variable(source)
    module_target = f"{source.module}:{server}"
    plan = Plan(root)
    if app_text != source.text:
        where = f"{source.path.name}:{source.app_line + 1}"
        plan.changes.append(FileChange(source.path.name, INSERT, app_text, source.text, where=where))

    requirements, requirement_warnings = merge_requirements(read_text(root / "requirements.txt"), needed(source))
    files: dict[str, str] = {}
    if target == "enterprise":
        files["Procfile"] = procfile(backend, module_target)
    if target == "docker":
        files["Dockerfile"] = dockerfile(backend, module_target, python, _page_path(source))
        files[".dockerignore"] = DOCKERIGNORE
    for name, text in files.items():
        plan.changes.append(change_for(root, name, text, force=force))
    old_requirements = read_text(root / "requirements.txt")
    action = CREATE if old_requirements is None else IDENTICAL if old_requirements == requirements else UPDATE
    plan.changes.append(FileChange("requirements.txt", action, requirements, old_requirements))

    deployment = Deployment(plan, module_target, [*requirement_warnings, *app_warnings(source, root)])
    if not dry_run:
        _refuse_conflicts(deployment, source)
    return deployment


def _refuse_conflicts(deployment: Deployment, source: AppSource) -> None:
    conflicts = deployment.plan.conflicts
    if not conflicts:
        return
    reasons = []
    for change in conflicts:
        problems = procfile_problems(source, change.old_text or "") if change.path == "Procfile" else []
        reasons.append(f"{change.path} differs" + (f" and is wrong: {'; '.join(problems)}" if problems else ""))
    raise Refused(
        f"{', '.join(reasons)}: run again with --force to replace it (the diff is below).",
        detail="".join(change.diff() for change in conflicts),
    )


def _with_server_variable(source: AppSource) -> tuple[str, str]:
    """The app's text with a module-level server variable, and that variable's name.

    Dash Enterprise's docs require `server = app.server`, and gunicorn cannot load `app:app.server`."""
    if source.server_name is not None:
        return source.text, source.server_name
    taken = bound_names(source.tree)
    name = next(candidate for candidate in ("server", "dash_server", "wsgi_server") if candidate not in taken)
    line = f"{name} = {source.server_expression}"
    text, _ = insert_after_line(source.text, source.app_line, line, blank_before=0, blank_after=0)
    return text, name


def needed(source: AppSource) -> list[str]:
    backend = BACKENDS[source.backend]
    dash = backend.async_callbacks_requirement if source.async_callbacks else backend.dash_requirement
    return [dash, backend.server_requirement]


def procfile(backend: Backend, target: str) -> str:
    return f"web: {backend.command(target)}\n"


def docker_command(backend: Backend, target: str) -> list[str]:
    """The Procfile's command as a container runs it: gunicorn must bind to all interfaces, and
    ${WEB_CONCURRENCY:-2} needs a shell to expand."""
    command = backend.command(target)
    if "--host" not in command:
        command += " --bind 0.0.0.0:8000"
    if "$" in command:
        return ["sh", "-c", f"exec {command}"]
    return shlex.split(command)


def dockerfile(backend: Backend, target: str, python: str, page: str) -> str:
    command = ", ".join(f'"{word}"' for word in docker_command(backend, target))
    return f"""\
# Built by `dashgen deploy-files --target docker`: a {backend.label} Dash app served by {backend.server_name}.
FROM python:{python}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in their own layer: rebuilt only when requirements.txt changes.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --create-home --uid 10001 dash
COPY --chown=dash:dash . .
USER dash

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000{page}', timeout=4)"
CMD [{command}]
"""


def _page_path(source: AppSource) -> str:
    """Where Dash's page answers when DASH_ROUTES_PATHNAME_PREFIX is unset."""
    return source.dash_mount.path if source.dash_mount else "/"


# --- requirements.txt -------------------------------------------------------------------


def merge_requirements(existing: str | None, wanted: list[str]) -> tuple[str, list[str]]:
    """Every existing line kept as written; a missing extra added to the user's own line; what
    is missing appended under a marker comment. Never a pin changed: a pin that rules out every
    Dash with backends is reported, not touched."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    text = existing or ""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    parsed: dict[str, tuple[int, Requirement]] = {}
    for index, line in enumerate(lines):
        body = line.split(" #", 1)[0].strip()
        if not body or body.startswith(("#", "-")) or "://" in body:
            continue
        try:
            requirement = Requirement(body)
        except InvalidRequirement:
            continue
        parsed.setdefault(canonicalize_name(requirement.name), (index, requirement))

    warnings: list[str] = []
    missing: list[str] = []
    for line in wanted:
        want = Requirement(line)
        found = parsed.get(canonicalize_name(want.name))
        if found is None:
            missing.append(line)
            continue
        index, have = found
        if not want.extras <= have.extras:
            lines[index] = _with_extras(lines[index], have, want.extras)
        if canonicalize_name(want.name) == "dash" and not _allows_backends(have.specifier):
            warnings.append(
                f"requirements.txt pins {have.name}{have.specifier}, which rules out every Dash with server "
                f"backends (they came in {DASH_MIN_VERSION}): raise the pin, e.g. dash>={DASH_MIN_VERSION}."
            )
    if missing:
        if lines and lines[-1].strip():
            lines.append("")
        lines += [ADDED_MARKER, *missing]
    return newline.join(lines) + newline, warnings


def _with_extras(line: str, requirement, extras: set[str]) -> str:
    """The same line with the extras added to the name; specifier, markers and comment as written."""
    match = re.match(r"\s*([A-Za-z0-9._-]+)(\s*\[[^\]]*\])?", line)
    assert match is not None
    names = ",".join(sorted(requirement.extras | extras))
    return line[: match.start(1)] + f"{match.group(1)}[{names}]" + line[match.end() :]


def _allows_backends(specifier) -> bool:
    """Whether the pin admits some Dash >= DASH_MIN_VERSION: tried on that version and on the
    versions the pin itself names, and the next ones after them."""
    from packaging.version import Version

    minimum = Version(DASH_MIN_VERSION)
    candidates = {minimum}
    for spec in specifier:
        named = Version(spec.version.replace(".*", ""))
        major, minor, micro = (named.release + (0, 0))[:3]
        candidates |= {
            named,
            Version(f"{major}.{minor}.{micro + 1}"),
            Version(f"{major}.{minor + 1}.0"),
            Version(f"{major + 1}.0.0"),
        }
    return any(specifier.contains(version, prereleases=True) for version in candidates if version >= minimum)


# --- What is wrong with an existing Procfile, and other warnings --------------------------

ASGI_SERVERS = ("uvicorn", "hypercorn", "daphne", "granian")
WSGI_SERVERS = ("gunicorn", "waitress-serve", "uwsgi")


def procfile_problems(source: AppSource, procfile_text: str) -> list[str]:
    """What would break if the platform ran this Procfile for this app."""
    line = next((line for line in procfile_text.splitlines() if line.startswith("web:")), None)
    if line is None:
        return ["it has no web: line, so the platform starts no web process"]
    words = shlex.split(line.removeprefix("web:").strip(), posix=True)
    if not words:
        return ["its web: line is empty"]
    server, problems = Path(words[0]).name, []
    asgi = BACKENDS[source.backend].asgi
    label = BACKENDS[source.backend].label
    uvicorn_worker = any("UvicornWorker" in word for word in words)
    if server == "gunicorn" and asgi and not uvicorn_worker:
        problems.append(
            f"it serves a {label} (ASGI) app with gunicorn, a WSGI server, so every request fails with 500; use uvicorn"
        )
    if server in ASGI_SERVERS and not asgi:
        problems.append(
            f"it serves a Flask (WSGI) app with {server}, an ASGI server, so every request fails with 500; use gunicorn"
        )
    target = next((word for word in words[1:] if ":" in word and not word.startswith(("-", "0.0.0.0"))), None)
    if target is not None:
        module, _, variable = target.partition(":")
        problems += _target_problems(source, module, variable)
    return problems


def _target_problems(source: AppSource, module: str, variable: str) -> list[str]:
    if module != source.module:
        if not (source.path.parent / f"{module.replace('.', '/')}.py").is_file():
            return [f"it loads the module {module!r}, which does not exist"]
        return []
    if variable == source.app_name and BACKENDS[source.backend].asgi:
        return [f"it serves the Dash object {variable!r}, not its server: use {module}:{source.server_expression}"]
    if variable not in bound_names(source.tree) and "." not in variable:
        return [f"it loads {module}:{variable}, but {source.path.name} defines no {variable!r}"]
    return []


def app_warnings(source: AppSource, root: Path) -> list[str]:
    name = source.path.name
    warnings = []
    for route in source.routes:
        if not route.prefixed and route.methods != ("MOUNT",):
            method = "/".join(route.methods)
            warnings.append(
                f"{name}:{route.line} registers {method} {route.path} without {PREFIX_ENV}: on Dash Enterprise "
                f"it is unreachable (the app lives below /<app-name>/); register it at "
                f'f"{{PREFIX}}{route.path.lstrip("/")}" as `dashgen add-route {route.path}` writes it.'
            )
        elif not route.prefixed:
            warnings.append(
                f"{name}:{route.line} mounts {route.path} without {PREFIX_ENV}: on Dash Enterprise it is unreachable."
            )
    if source.dash_mount is not None and not source.dash_mount.prefixed:
        warnings.append(
            f"{name}:{source.dash_mount.line} mounts Dash at the literal {source.dash_mount.path}, which ignores "
            f"{PREFIX_ENV}: on Dash Enterprise the app is unreachable; compose it as "
            f'f"{{PREFIX}}{source.dash_mount.path.lstrip("/")}" (see `dashgen new --mount`).'
        )
    for line, call in source.import_time_runs:
        detail = " with debug=True" if "debug=True" in call.replace(" ", "") else ""
        warnings.append(
            f"{name}:{line} runs {call} at import time{detail}: the production server imports the module, so move "
            'it under `if __name__ == "__main__":`.'
        )
    if (root / "environment.yml").is_file() and (root / "requirements.txt").is_file():
        warnings.append(
            "environment.yml is beside requirements.txt: Dash Enterprise then uses only the pip buildpack and "
            "ignores environment.yml; keep one of them."
        )
    return warnings
