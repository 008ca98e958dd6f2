"""requirements.txt, as pip reads it (includes followed), against what the app imports and the
Procfile runs."""

from __future__ import annotations

from typing import NamedTuple

from dashgen.backends import BACKENDS, DASH_MIN_VERSION
from dashgen.requirements import Requirements, admits, parse_requirement
from dashgen.rules import ERROR, WARNING, checker, rule
from dashgen.source import dash_call

# Packages Dash 2 installed beside itself and Dash 3 stopped installing.
DASH_WITHOUT_LEGACY = "3.0.0"

MISSING = rule(
    "requirements-missing", ERROR,
    summary="There is no requirements.txt.",
    why="The platform installs what requirements.txt lists; without it neither Dash nor a server is installed "
    "and the web process cannot start.",
    fix="Write one with the backend's extra and the production server.",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
NO_DASH = rule(
    "requirements-no-dash", ERROR,
    summary="requirements.txt does not list dash.",
    why="Without dash installed the served module stops at `import dash` (ModuleNotFoundError).",
    fix="Add the dash line the backend needs (dash[fastapi], dash[quart] or dash).",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
MISSING_EXTRA = rule(
    "requirements-missing-extra", ERROR,
    summary="dash is listed without the extra the app needs (dash[fastapi], dash[quart], dash[async]).",
    why="Dash cannot create or serve a FastAPI or Quart server without its extra, and async def callbacks "
    "answer 500 on Flask without dash[async]: the booted app fails its first request.",
    fix="Write the extra on the dash line, keeping its version.",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
DASH_TOO_OLD = rule(
    "requirements-dash-too-old", ERROR,
    summary="The dash pin rules out every Dash with server backends, which the app needs.",
    why=f"Server backends (Dash(backend=...), a FastAPI or Quart server) exist from Dash {DASH_MIN_VERSION}: an "
    "older pin installs a Dash that rejects the app at import.",
    fix=f"Raise the pin, e.g. dash>={DASH_MIN_VERSION}.",
)  # fmt: skip
DASH_UNBOUNDED = rule(
    "requirements-dash-unbounded", WARNING,
    summary="dash has no lower bound while the app needs server backends.",
    why="An environment with an old Dash already installed, or a resolver constrained by other pins, can keep "
    "a Dash without server backends.",
    fix=f"Write dash>={DASH_MIN_VERSION} (with the extra it needs).",
)  # fmt: skip
MISSING_SERVER = rule(
    "requirements-missing-server", ERROR,
    summary="requirements.txt does not list the production server the Procfile runs.",
    why="The web: command starts a program that is not installed, so the web process exits at once.",
    fix="Add the server (gunicorn, or uvicorn[standard]).",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
MISSING_FRAMEWORK = rule(
    "requirements-missing-framework", ERROR,
    summary="requirements.txt does not list a framework the served module imports (FastAPI, Quart).",
    why="The served module imports the framework it builds its server with; without it the import fails.",
    fix="Add the framework.",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
ENVIRONMENT_YML = rule(
    "environment-yml-ignored", WARNING,
    summary="environment.yml sits beside requirements.txt.",
    why="With a requirements.txt Dash Enterprise uses only the pip buildpack and ignores environment.yml, so "
    "what only environment.yml lists is not installed.",
    fix="Keep one of the two files.",
)  # fmt: skip


def needed_requirements(source) -> list[str]:
    """The dash line, the production server and the frameworks the served module needs."""
    backend = source.serving
    dash = backend.async_callbacks_requirement if source.async_callbacks else backend.dash_requirement
    return [dash, backend.server_requirement, *backend.extra_requirements]


def needs_backends(source) -> bool:
    """Whether the app needs a Dash with server backends: `Dash(backend=...)` or a FastAPI or
    Quart server. A plain Flask app runs on any Dash (Dash 2.18 serves it as well)."""
    call = dash_call(source)
    return BACKENDS[source.backend].asgi or any(keyword.arg == "backend" for keyword in call.keywords)


class Installed(NamedTuple):
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


@checker(MISSING)
def requirements_present(project):
    if project.requirements is None and (project.target is not None or project.procfile is not None):
        yield MISSING.finding(
            "requirements.txt", 0,
            "There is no requirements.txt, so the platform installs neither Dash nor a server.",
            command=f"dashgen deploy-files --target {project.target or 'cloud'}",
        )  # fmt: skip


@checker(NO_DASH, MISSING_EXTRA, DASH_TOO_OLD, DASH_UNBOUNDED, MISSING_SERVER, MISSING_FRAMEWORK)
def requirements_listed(project):
    """What the requirements (as pip reads them, includes followed) lack for this app."""
    requirements = project.requirements
    if requirements is None:
        return
    source, target = project.source, project.platform
    dash_line, server_line, *frameworks = needed_requirements(source)
    command = f"dashgen deploy-files --target {target}"
    want = parse_requirement(dash_line)
    found = requirements.get("dash")
    if found is None:
        yield NO_DASH.finding(
            "requirements.txt", 0, "requirements.txt does not list dash, so the platform cannot import the app.",
            f"Add {dash_line}.", command,
        )  # fmt: skip
    else:
        yield from _dash_line(source, found, want, command)
    procfile_server = project.procfile_server
    server = procfile_server or (parse_requirement(server_line).name if target in ("enterprise", "docker") else None)
    if server and not requirements.lists(server):
        runs = "which the Procfile runs" if procfile_server else "the production server for this app"
        yield MISSING_SERVER.finding(
            "requirements.txt", 0,
            f"requirements.txt does not list {server}, {runs}, so the web process cannot start.",
            f"Add {server_line if parse_requirement(server_line).name == server else server}.", command,
        )  # fmt: skip
    for framework in frameworks:
        if not requirements.lists(framework):
            yield MISSING_FRAMEWORK.finding(
                "requirements.txt", 0,
                f"requirements.txt does not list {framework}, which the served {source.module} imports, so the "
                "app cannot start.",
                f"Add {framework}.", command,
            )  # fmt: skip


def _dash_line(source, found, want, command: str):
    have, line = found.requirement, found.line
    label = BACKENDS[source.backend].label
    missing = sorted(want.extras - set(have.extras))
    if missing:
        extra = f"dash[{','.join(missing)}]"
        why = (
            "its async def callbacks fail with 500"
            if missing == ["async"]
            else f"Dash cannot create or serve a {label} server"
        )
        yield MISSING_EXTRA.finding(
            found.file.name, line, f"requirements.txt lists dash without the {extra} extra, so {why}.",
            f"Write {extra} on that line, keeping its version.", command,
        )  # fmt: skip
    needs = needs_backends(source)
    if needs and not admits(have.specifier, DASH_MIN_VERSION):
        yield DASH_TOO_OLD.finding(
            found.file.name, line,
            f"requirements.txt pins {have.name}{have.specifier}, which rules out every Dash with server backends "
            f"(from {DASH_MIN_VERSION}), so this {label} app cannot start.",
        )  # fmt: skip
    elif needs and not any(spec.operator in (">=", "==", "~=", ">", "===") for spec in have.specifier):
        yield DASH_UNBOUNDED.finding(
            found.file.name, line, "dash has no lower bound, so an old Dash without server backends can be installed."
        )


@checker(ENVIRONMENT_YML)
def environment_yml(project):
    if (project.root / "environment.yml").is_file() and (project.root / "requirements.txt").is_file():
        yield ENVIRONMENT_YML.finding(
            "environment.yml", 0,
            "environment.yml is beside requirements.txt, so Dash Enterprise uses only the pip buildpack and ignores "
            "environment.yml.",
        )  # fmt: skip
