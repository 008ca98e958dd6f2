"""requirements.txt, the Procfile and the Dockerfile of a conversion."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from dashgen.backends import DASH_MIN_VERSION
from dashgen.convert.flask_code import RETIRED_REQUIREMENTS, Blocker
from dashgen.convert.modules import Modules
from dashgen.convert.names import FLASK
from dashgen.deploy import docker_command, mend_procfile, mended_command, merge_requirements
from dashgen.edits import python_lines
from dashgen.plan import IDENTICAL, UPDATE, FileChange
from dashgen.procfile import dockerfile_command, logical_lines, production_command
from dashgen.project import Project
from dashgen.reading import read_text
from dashgen.requirements import FILE, Requirements
from dashgen.rules.requirements import Installed, needed_requirements
from dashgen.source import AppSource

if TYPE_CHECKING:
    from dashgen.convert import Conversion

_DOCKERFILE = "Dockerfile"


def requirements_change(
    project: Project,
    converted: AppSource,
    modules: Modules,
    conversion: Conversion,
    blockers: list[Blocker],
    rewritten: list[FileChange],
) -> FileChange | None:
    requirements = project.requirements
    if requirements is None:
        conversion.notes.append(
            f"No requirements.txt: the app now needs {', '.join(needed_requirements(converted))} installed."
        )
        return None
    backend = conversion.backend
    dash = requirements.get("dash")
    if dash is not None and not Installed(requirements).dash_from(DASH_MIN_VERSION):
        blockers.append(
            Blocker(project.shown(dash.file), dash.line, f"dash pinned to {dash.specifier}, which has no "
                    f"{backend.label} backend", f"allow dash>={DASH_MIN_VERSION} first (test the app on it)")
        )  # fmt: skip
    text = merge_requirements(requirements, [*needed_requirements(converted), *modules.requirements_added])
    retired = _retired(project, requirements, modules, rewritten)
    text = _without_lines(text, [requirement.line for requirement, _ in retired])
    for requirement, why in retired:
        conversion.notes.append(f"{FILE}:{requirement.line}: removed {requirement.name}: {why}.")
    if text != requirements.text:
        conversion.notes.append(f"{FILE}: {', '.join(needed_requirements(converted))} for {backend.label}.")
    action = IDENTICAL if text == requirements.text else UPDATE
    return FileChange(FILE, action, text, requirements.text, encoding=requirements.encoding)


def _retired(
    project: Project, requirements: Requirements, modules: Modules, rewritten: list[FileChange]
) -> list[tuple[object, str]]:
    """The user's lines for packages nothing imports any more (Flask, the old component
    packages) and gunicorn once nothing runs it; each with why it goes."""
    found = []
    for requirement in requirements.entries:
        if requirement.url is not None or _continued(requirements.text, requirement.line):
            continue
        packages = RETIRED_REQUIREMENTS.get(requirement.name)
        if packages is not None and not any(
            imported == package or imported.startswith(f"{package}_")
            for imported in modules.imports_left
            for package in packages
        ):
            found.append((requirement, "no module imports it any more"))
        elif requirement.name == "gunicorn" and not _runs_gunicorn(project, rewritten):
            found.append((requirement, "the Procfile runs uvicorn now and nothing else runs gunicorn"))
    return found


def _continued(text: str, line: int) -> bool:
    lines = re.split(r"\r\n|\n|\r", text)
    return lines[line - 1].rstrip().endswith("\\")


def _without_lines(text: str, numbers: list[int]) -> str:
    return "".join(line for number, line in enumerate(python_lines(text), 1) if number not in numbers)


def _runs_gunicorn(project: Project, rewritten: list[FileChange]) -> bool:
    """Whether anything names gunicorn once the conversion has rewritten the Procfile (and the
    Dockerfile's CMD): another process, a Dockerfile, a script, a module."""
    texts = {change.path: change.new_text for change in rewritten}
    root = project.root
    for path in [root / "Procfile", root / "Dockerfile", *root.glob("*.sh"), *root.glob("*.py")]:
        try:
            text = texts.get(path.name) if path.parent == root and path.name in texts else None
            if text is None and path.is_file():
                text = path.read_text(errors="replace")
        except OSError:
            return True
        if text is not None and "gunicorn" in text:
            return True
    return False


def dockerfile_change(
    project: Project, converted: AppSource, conversion: Conversion, blockers: list[Blocker]
) -> FileChange | None:
    """The Dockerfile's CMD that runs gunicorn, run by the backend's server instead: options
    carried over as in the Procfile, in the CMD's own form (exec form through `sh -c` where a
    variable needs expanding), on one line where it was continued over several. A CMD dashgen
    cannot rewrite with certainty (a comment inside its continuation, a launch script, another
    WSGI server) blocks."""
    web = dockerfile_command(project.root)
    if web is None or web.is_asgi or web.server not in (FLASK.server_name, "waitress-serve"):
        _unread_gunicorn(project, web, converted, blockers)
        return None
    text = read_text(project.root / _DOCKERFILE)
    lines = python_lines(text)
    last = web.line  # the CMD's last physical line: a continued one runs on
    while last < len(lines) and lines[last - 1].rstrip("\r\n").endswith("\\"):
        last += 1
    continued = [line.rstrip("\r\n") for line in lines[web.line - 1 : last]]
    body = " ".join(part.removesuffix("\\").strip() for part in continued)
    match = re.match(r"(\s*CMD\s+)(.*?)\s*$", continued[0].removesuffix("\\") + " ", re.IGNORECASE)
    command = production_command(converted)
    # A comment line inside the continuation is dropped by Docker: dashgen would not read it so.
    commented = any(part.lstrip().startswith("#") or not part.strip() for part in continued[1:])
    if web.server != FLASK.server_name or web.script or web.chdir or match is None or commented or body.endswith("\\"):
        blockers.append(
            Blocker(_DOCKERFILE, web.line, f"CMD runs {web.server}, which cannot serve a {converted.serving.label} app",
                    f"run `{command}` there by hand, or `dashgen deploy-files --target docker --force` once the "
                    "rest is converted")
        )  # fmt: skip
        return None
    new_command, dropped = mended_command(web, _with_port(command, web), converted)
    written = json.dumps(docker_command(new_command)) if match.group(2).startswith("[") else new_command
    ending = lines[last - 1][len(lines[last - 1].rstrip("\r\n")) :]
    lines[web.line - 1 : last] = [f"{match.group(1)}{written}{ending}"]
    conversion.notes += [note.replace("Procfile:", f"{_DOCKERFILE}:{web.line}:", 1) for note in dropped]
    return FileChange(_DOCKERFILE, UPDATE, "".join(lines), text)


def _unread_gunicorn(project: Project, web, converted: AppSource, blockers: list[Blocker]) -> None:
    """A CMD or ENTRYPOINT that runs gunicorn where dashgen read no gunicorn command (an
    ENTRYPOINT, a CMD it cannot read): the image would still serve Flask's way, so it blocks."""
    text = read_text(project.root / _DOCKERFILE) if (project.root / _DOCKERFILE).is_file() else None
    for number, line in logical_lines(text or ""):
        instruction = re.match(r"\s*(CMD|ENTRYPOINT)\s", line, re.IGNORECASE)
        if instruction and FLASK.server_name in line and (web is None or number != web.line):
            what = f"{instruction.group(1).upper()} runs gunicorn in a form dashgen cannot read"
            blockers.append(Blocker(_DOCKERFILE, number, what, f"run `{production_command(converted)}` there by hand"))


def procfile_change(
    project: Project, converted: AppSource, conversion: Conversion, blockers: list[Blocker]
) -> FileChange | None:
    procfile, web = project.procfile, project.web
    if project.procfile_error is not None:
        raise project.procfile_error
    command = production_command(converted)
    if procfile is None or web is None:
        conversion.notes.append(f"No Procfile web: line: serve the app with `{command}`.")
        return None
    if web.is_asgi:
        return FileChange("Procfile", IDENTICAL, procfile.text, procfile.text)
    if web.server != FLASK.server_name:
        blockers.append(Blocker("Procfile", web.line, f"`{web.text}` does not run gunicorn",
                                f"serve the app with `{command}` by hand"))  # fmt: skip
        return None
    text, dropped = mend_procfile(procfile.text, web, _with_port(command, web), converted)
    conversion.notes += dropped
    return FileChange("Procfile", UPDATE, text, procfile.text)


def _with_port(command: str, web) -> str:
    """The backend's command for a gunicorn command without a bind: gunicorn binds to $PORT when
    the platform sets it, and uvicorn reads no such variable."""
    if web.option("-b", "--bind") is not None:
        return command
    return command.replace("--port 8000", "--port ${PORT:-8000}")
