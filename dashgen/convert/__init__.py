"""`dashgen convert`: a Flask-backed Dash app moved onto an ASGI backend, in place.

Every module the served app imports is rewritten by syntax-tree positions (every other byte
kept), requirements.txt is merged as deploy-files merges it, and the Procfile's gunicorn command
is mended into the backend's server. What cannot be converted with certainty is a blocker: one
blocker and nothing is written."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from dashgen import rules
from dashgen.backends import BACKENDS, Backend
from dashgen.convert.extensions import login_module_change
from dashgen.convert.files import dockerfile_change, procfile_change, requirements_change
from dashgen.convert.flask_code import CONVERTIBLE
from dashgen.convert.modules import Modules
from dashgen.convert.names import FLASK
from dashgen.convert.session import session_module_change
from dashgen.edits import ensure_import, insert_after_line, python_lines
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import UPDATE, FileChange, Plan
from dashgen.project import Project
from dashgen.rules.source import SETUP_RACE
from dashgen.rules.websocket import BLOCKING
from dashgen.source import AppSource, _main_block_line


@dataclass
class Conversion:
    """What convert decided, for the CLI to print."""

    plan: Plan
    backend: Backend
    notes: list[str] = field(default_factory=list)  # what changed in each file, and why
    already: bool = False  # the app ran on the backend before: nothing to convert
    # What check says of the converted app's sync callbacks that block the event loop: they stay
    # as they are (Dash runs them), but now hold up every request of their worker.
    warnings: list = field(default_factory=list)  # and check's setup-race where it cannot be fixed


def validate_backend(name: str) -> Backend:
    if name not in CONVERTIBLE:
        others = ", ".join(CONVERTIBLE)
        raise InvalidInput(f"--backend {name!r} is not a backend convert moves an app onto: choose {others}.")
    return BACKENDS[name]


def plan_convert(project: Project, backend: Backend) -> Conversion:
    """The plan that moves the project's app onto `backend`, or Refused listing every blocker."""
    source = project.source
    if source.backend not in (FLASK.name, backend.name) or source.entry.wrapper:
        raise Refused(
            f"{project.shown(source.path)} runs on {source.serving.label}: convert moves Flask-backed Dash apps only."
        )
    conversion = Conversion(Plan(project.root), backend, already=source.backend == backend.name)
    modules = Modules(project, backend)
    blockers = modules.convert()
    converted = source._replace(backend=backend.name)
    converted = converted._replace(served=source.entry._replace(server_name=_served_server(source)))
    procfile = procfile_change(project, converted, conversion, blockers)
    dockerfile = dockerfile_change(project, converted, conversion, blockers)
    rewritten = [change for change in (procfile, dockerfile) if change]
    requirements = requirements_change(project, converted, modules, conversion, blockers, rewritten)
    login = login_module_change(project, modules, blockers)
    session = session_module_change(project, modules, blockers)
    if blockers:
        blockers.sort(key=lambda found: (found.file, found.line))
        count = f"{len(blockers)} blocker" + ("s" if len(blockers) > 1 else "")
        raise Refused(
            f"{project.shown(source.path)} cannot move onto {backend.label} with certainty ({count}); "
            "nothing was changed:",
            detail="\n".join(str(found) for found in blockers) + "\n",
        )
    changes = _with_worker_start(project, converted, modules.changes, procfile, conversion)
    conversion.plan.changes += changes + [change for change in (requirements, *rewritten, login, session) if change]
    conversion.notes = modules.notes + conversion.notes
    conversion.warnings += rules.findings(
        project.with_source(converted), features=("websocket",), codes={BLOCKING.code}
    )
    return conversion


# The names the template's worker start-up uses (templates/<backend>/app.py.jinja).
_TEMPLATE_NAMES = ("app", "server")


def _with_worker_start(
    project: Project, converted: AppSource, changes: list[FileChange], procfile: FileChange | None, conversion
) -> list[FileChange]:
    """The served module with the worker start-up a generated app has, where check's setup-race
    would fire on the converted app (its framework sets Dash up in a thread, several workers):
    each worker then finishes Dash's set-up before it serves anyone."""
    after = project.with_source(converted)
    if procfile is not None:
        after = after.with_files(procfile=procfile.new_text)
    race = [finding.problem for finding in rules.findings(after, features=("source",), codes={SETUP_RACE.code})]
    pages = conversion.backend.name == "fastapi" and after.pages is not None and after.pages.use_pages
    pages = pages and "def finish_dash_setup(" not in converted.text  # a run before added it
    if pages:
        race.append(
            "Dash 4.4 on FastAPI sets a worker up at its first request to one of Dash's own routes, so a first "
            "request for a page such as /report got an incomplete page (measured)"
        )
    if not race:
        return changes
    # In the module that creates the app, whichever module the server loads (`wsgi.py` doing
    # `from app import server as application`): importing it registers the start-up on the server.
    source = converted
    named = (source.app_name, source.server_expression)
    if pages and named != _TEMPLATE_NAMES and named[0].isidentifier() and named[1] in (f"{named[0]}.server", "server"):
        pass  # the FastAPI block names the app and its server: written with the module's names below
    elif named != _TEMPLATE_NAMES:
        if pages:  # no warning to say it with: refused rather than left answering otherwise
            raise Refused(
                f"{project.shown(source.path)}: a Dash Pages app whose app and server are not named app and server "
                "cannot get the worker start-up FastAPI needs: rename them, or convert with --backend quart."
            )
        conversion.warnings += rules.findings(after, features=("source",), codes={SETUP_RACE.code})
        return changes
    from dashgen.render import render_block

    block = render_block(conversion.backend.name, "app.py.jinja", "worker_start", pages=pages).strip("\n")
    if pages:
        block = block.replace("app.backend.", f"{named[0]}.backend.").replace("server.router.", f"{named[1]}.router.")
    shown = project.shown(source.path)
    result = []
    for change in changes:
        if change.path == shown:
            # Last, above the main block (found again: a guard written in place of dash_auth's
            # BasicAuth adds lines): every line the notes name stays where it is.
            lines = python_lines(change.new_text)
            main_line = _main_block_line(ast.parse(change.new_text)) if source.main_line else None
            line = main_line - 1 if main_line else len(lines)
            while line > 0 and not lines[line - 1].strip():
                line -= 1
            text, first = insert_after_line(change.new_text, line, block, blank_before=2, blank_after=2)
            if pages:  # the block's own import, above it: the block moves down with it
                text = ensure_import(text, "inspect")
                first = text.splitlines().index(block.splitlines()[0]) + 1
            change = change._replace(action=UPDATE, new_text=text)
            conversion.notes.append(f"{shown}:{first}: each worker finishes Dash's set-up before serving: {race[0]}")
        result.append(change)
    return result


def _served_server(source: AppSource) -> str:
    """What the production server loads from the served module: its server variable, else the
    Dash app's `.server` attribute, which uvicorn's `module:app.server` reaches as well."""
    served = source.entry
    return served.server_name or f"{served.app_name}.server"
