"""`dashgen deploy-files`: the files each platform needs, derived from the app as it is, and
merged into what the user already has."""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass, field

from dashgen import background
from dashgen.backends import BACKENDS, Backend
from dashgen.checks import (
    Finding,
    app_findings,
    background_findings,
    needed_requirements,
    parse_requirements,
    procfile_findings,
    requirements_findings,
)
from dashgen.edits import bound_names, insert_after_line
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import CREATE, IDENTICAL, INSERT, UPDATE, FileChange, Plan, change_for, read_text
from dashgen.source import AppSource

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
    warnings: list[Finding] = field(default_factory=list)


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

    kinds = background.manager_kinds(source.tree)
    wanted = with_background_requirements(needed_requirements(source), kinds)
    requirements = merge_requirements(read_text(root / "requirements.txt"), wanted)
    worker = (
        background.worker_command(source.module, background.celery_variable(source.tree))
        if background.CELERY in kinds
        else None
    )
    files: dict[str, str] = {}
    if target == "enterprise":
        files["Procfile"] = procfile(backend, module_target, worker)
    if target == "docker":
        files["Dockerfile"] = dockerfile(backend, module_target, python, _page_path(source))
        files[".dockerignore"] = dockerignore(source)
        if worker is not None:
            files["compose.yaml"] = compose_yaml(source, worker)
    for name, text in files.items():
        if name == "Procfile":
            plan.changes.append(_procfile_change(root, text, force=force))
        else:
            plan.changes.append(change_for(root, name, text, force=force))
    old_requirements = read_text(root / "requirements.txt")
    action = CREATE if old_requirements is None else IDENTICAL if old_requirements == requirements else UPDATE
    plan.changes.append(FileChange("requirements.txt", action, requirements, old_requirements))

    # What deploy-files cannot fix itself is reported: a pin it must not touch, the app's own code.
    remaining = requirements_findings(source, requirements, None, target)
    remaining += background_findings(source, files.get("Procfile"), requirements, target)
    deployment = Deployment(plan, module_target, [*remaining, *app_findings(source, root)])
    if not dry_run:
        _refuse_conflicts(deployment, source)
    return deployment


def _refuse_conflicts(deployment: Deployment, source: AppSource) -> None:
    conflicts = deployment.plan.conflicts
    if not conflicts:
        return
    reasons = []
    for change in conflicts:
        findings = procfile_findings(source, change.old_text or "") if change.path == "Procfile" else []
        problems = " ".join(finding.problem for finding in findings)
        reasons.append(f"{change.path} differs" + (f" and is wrong ({problems})" if problems else ""))
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


def procfile(backend: Backend, target: str, worker: str | None = None) -> str:
    return f"web: {backend.command(target)}\n" + (f"worker: {worker}\n" if worker else "")


def _procfile_change(root, text: str, *, force: bool) -> FileChange:
    """A Procfile that only lacks lines of the new one (a worker: line) gets them, without --force."""
    old = read_text(root / "Procfile")
    if old is not None and old != text and set(old.splitlines()) <= set(text.splitlines()):
        return FileChange("Procfile", UPDATE, text, old)
    return change_for(root, "Procfile", text, force=force)


def dockerignore(source: AppSource) -> str:
    """Each container keeps its own job cache: a developer's cache folder has no place in the image."""
    managers = background.job_managers(source.tree)
    folders = sorted({f"{manager.cache_folder}/" for manager in managers if manager.cache_folder})
    compose = ["compose.yaml"] if any(manager.kind == background.CELERY for manager in managers) else []
    return DOCKERIGNORE + "".join(f"{line}\n" for line in [*compose, *folders])


def compose_yaml(source: AppSource, worker: str) -> str:
    """web and worker from the one image the Dockerfile builds, and Redis between them."""
    image = re.sub(r"[^a-z0-9_.-]+", "-", source.path.parent.name.lower()).strip("-.") or "dash-app"
    redis_url = f"{background.REDIS_URL_ENV}: redis://redis:6379/0"
    ping = f"celery -A {background.celery_target(worker)} inspect ping --timeout 5"
    return f"""\
# Built by `dashgen deploy-files --target docker`: the app's web processes, its Celery worker
# (the same image, the Procfile's worker: command) and Redis, the jobs' broker and result store.
services:
  web:
    build: .
    image: {image}
    ports:
      - "8000:8000"
    environment:
      {redis_url}
    depends_on:
      redis:
        condition: service_healthy
  worker:
    build: .
    image: {image}
    command: {worker}
    environment:
      {redis_url}
    depends_on:
      redis:
        condition: service_healthy
    # The image's own HEALTHCHECK asks for the web page, which a worker does not serve.
    healthcheck:
      test: ["CMD-SHELL", "{ping}"]
      interval: 30s
      timeout: 10s
      retries: 3
  redis:
    image: redis:7
    command: ["redis-server", "--save", "", "--appendonly", "no"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 3s
      retries: 5
"""


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


def with_background_requirements(wanted: list[str], kinds: set[str]) -> list[str]:
    """The dash line with the extras of the app's job managers, and the Redis client for Celery."""
    from packaging.requirements import Requirement

    extras, others = background.requirements_for(kinds)
    if not extras:
        return wanted
    lines = []
    for line in wanted:
        requirement = Requirement(line)
        if requirement.name == "dash":
            names = ",".join(sorted(requirement.extras | extras))
            line = f"dash[{names}]{requirement.specifier}"
        lines.append(line)
    return lines + others


def merge_requirements(existing: str | None, wanted: list[str]) -> str:
    """Every existing line kept as written; a missing extra added to the user's own line; what
    is missing appended under a marker comment. A version specifier is never changed."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = existing or ""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines()
    parsed = parse_requirements(text)
    missing: list[str] = []
    for line in wanted:
        want = Requirement(line)
        found = parsed.get(canonicalize_name(want.name))
        if found is None:
            missing.append(line)
        elif not want.extras <= found[1].extras:
            lines[found[0]] = _with_extras(lines[found[0]], found[1], want.extras)
    if missing:
        if lines and lines[-1].strip():
            lines.append("")
        lines += [ADDED_MARKER, *missing]
    return newline.join(lines) + newline


def _with_extras(line: str, requirement, extras: set[str]) -> str:
    """The same line with the extras added to the name; specifier, markers and comment as written."""
    match = re.match(r"\s*([A-Za-z0-9._-]+)(\s*\[[^\]]*\])?", line)
    assert match is not None
    names = ",".join(sorted(requirement.extras | extras))
    return line[: match.start(1)] + f"{match.group(1)}[{names}]" + line[match.end() :]
