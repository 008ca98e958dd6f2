"""The third-party packages the served app's modules import at start, against what its
requirements install (the listed distributions and what they require in turn)."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from dashgen import background
from dashgen.distributions import IMPORT_NAMES, SUBMODULE_NEEDS, normalised, provided
from dashgen.project import SERVER_PACKAGES, SERVERS
from dashgen.requirements import parse_requirement
from dashgen.rules import ERROR, WARNING, checker, rule
from dashgen.rules.requirements import needed_requirements
from dashgen.rules.source import LEGACY_COMPONENTS

# What a failed import of these is answered with: the import is optional, the boot goes on.
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

# Folders that hold installed packages, not the project's own.
_NOT_OWN = {"node_modules", "site-packages", "__pycache__"}
_MAX_FILES = 20_000

# The production servers, by the distribution that installs each.
_SERVERS = {SERVER_PACKAGES.get(server, server) for server in SERVERS}
# Dash's extras that install a package the app uses by importing it, or by its backend.
_EXTRA_PACKAGES = {"celery": "celery", "diskcache": "diskcache", "fastapi": "fastapi", "quart": "quart"}

NOT_INSTALLED = rule(
    "import-not-installed", ERROR,
    summary="The app imports a third-party package that no requirements file installs.",
    why="The platform installs only what requirements.txt (or pyproject.toml) lists and what that requires: "
    "a module-level import of anything else stops the app at import with ModuleNotFoundError "
    "(tests/apps/missing_dependency, imported in a venv built from its requirements.txt).",
    fix="Add the distribution that provides it to requirements.txt.",
)  # fmt: skip


UNUSED = rule(
    "requirement-unused", WARNING,
    summary="requirements.txt lists a server the Procfile does not run, or a Dash extra the app does not use, "
    "and nothing imports it.",
    why="Nothing fails: the platform installs it for nothing. But a server the Procfile does not run is often "
    "the one meant to serve the app (a Procfile left behind), and an unused extra installs a framework or a "
    "job queue into every build.",
    fix="Remove it from requirements.txt, or run (use) it.",
)  # fmt: skip


@checker(NOT_INSTALLED)
def imports_installed(project):
    """One finding per missing distribution, at the first module-level import of it. Said only
    when what the requirements install is known: every line names its distribution (what `-e .`
    or a bare URL installs is known once pip builds it), and what each listed distribution
    requires is in the installed metadata where dashgen runs or in distributions.REQUIRES."""
    listed, file = project.listed
    if listed is None or not any(normalised(each.name) == "dash" for each in listed):
        return  # no list, or one without dash (requirements-no-dash): the packages are installed elsewhere
    own = _project_modules(project.root)
    # `web: python app.py` runs the served module's __main__ block; a server that imports it does not.
    run_as_main = project.source.entry.path if project.web is not None and project.web.server == "python" else None
    imports = [
        (project.shown(path), line, dotted)
        for path, tree in project.modules
        for line, dotted in boot_imports(tree.body, main_runs=path == run_as_main)
        if not _first_party_or_stdlib(dotted.split(".")[0], own)
    ]
    reported = _reported_elsewhere(project)
    direct = {normalised(each.name) for each in listed} | reported
    if all(_installed_by(dotted, direct) for _, _, dotted in imports):
        # The listed distributions themselves install every import: what they require in turn
        # (read from their metadata, with packaging's marker parser) cannot change that.
        return
    installed, unknown = project.installed
    if unknown:
        return  # one of them may install the import: only a venv with them installed can tell
    installed = installed | reported
    said: set[str] = set()
    for shown, line, dotted in imports:
        module = dotted.split(".")[0]
        if not provided(module, installed):
            distribution = _suggested(module)
            named = module if normalised(module) == distribution else f"{module} (from {distribution})"
            missing = [(distribution, f"{shown} imports {named}, which {file} does not list")]
        else:
            missing = [
                (needed, f"{shown} imports {dotted}, which needs {needed}, which {file} does not list")
                for needed in SUBMODULE_NEEDS.get(dotted, ())
                if needed not in installed
            ]
        for distribution, problem in missing:
            if distribution not in said:
                said.add(distribution)
                yield NOT_INSTALLED.finding(
                    shown, line, f"{problem}, so the app stops at import (ModuleNotFoundError).",
                    f"Add {distribution} to {file}.",
                )  # fmt: skip


def _first_party_or_stdlib(module: str, own: frozenset[str]) -> bool:
    return module in sys.stdlib_module_names or module == "__future__" or module in own


def _installed_by(dotted: str, installed: set[str]) -> bool:
    """Whether these distributions install the module an import names, and what it needs."""
    return provided(dotted.split(".")[0], installed) and all(
        needed in installed for needed in SUBMODULE_NEEDS.get(dotted, ())
    )


def _reported_elsewhere(project) -> set[str]:
    """What other rules already report missing: dash, the framework, the job manager's packages,
    the component packages Dash 3 dropped."""
    _, _, *frameworks = needed_requirements(project.source)
    managers = {manager.kind for manager in project.job_managers}
    packages = {package for kind in managers for package in background.MANAGER_PACKAGES[kind]}
    named = {"dash", *(parse_requirement(each).name for each in frameworks), *packages, *LEGACY_COMPONENTS}
    return {normalised(name) for name in named}


def _suggested(module: str) -> str:
    """The distribution to add: the table's first, else the import's own name, which is the
    distribution's on PyPI for most packages (dash_ag_grid is dash-ag-grid)."""
    return IMPORT_NAMES.get(module, (normalised(module),))[0]


@cache
def _project_modules(root: Path) -> frozenset[str]:
    """The names of the project's own modules and packages, anywhere in it: a folder a Procfile
    puts on the path (`gunicorn --pythonpath lib`) is imported by its modules' names. Hidden
    folders and virtual environments are not the project's; at most _MAX_FILES are looked at."""
    names: set[str] = set()
    seen = 0
    for _, folders, files in os.walk(root):
        folders[:] = [name for name in folders if not name.startswith(".") and name not in _NOT_OWN]
        if "pyvenv.cfg" in files:
            folders[:] = []
            continue
        names.update(name for name in folders)
        names.update(name[:-3] for name in files if name.endswith(".py"))
        seen += len(files)
        if seen > _MAX_FILES:
            break
    return frozenset(names)


def boot_imports(body: list[ast.stmt], *, main_runs: bool = False) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of each absolute module an import that runs when the module is imported
    names (`from a import b` names a and a.b, as b may be a submodule):
    module level, into if/with/try blocks; not a function's, not one a `try:` answers an
    ImportError for, nor one under `if TYPE_CHECKING:` or (unless `main_runs`) `if __name__ ==
    "__main__":`."""
    for statement in body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                yield statement.lineno, alias.name
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            yield statement.lineno, statement.module
            for alias in statement.names:
                yield statement.lineno, f"{statement.module}.{alias.name}"
        elif isinstance(statement, ast.If) and not _type_checking(statement.test):
            if main_runs or not _main_guard(statement.test):
                yield from boot_imports(statement.body, main_runs=main_runs)
            yield from boot_imports(statement.orelse, main_runs=main_runs)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            yield from boot_imports(statement.body, main_runs=main_runs)
        elif isinstance(statement, (ast.Try, ast.TryStar)):
            if not any(_catches_import_error(handler) for handler in statement.handlers):
                yield from boot_imports(statement.body, main_runs=main_runs)
            yield from boot_imports(statement.orelse, main_runs=main_runs)
            yield from boot_imports(statement.finalbody, main_runs=main_runs)


def _type_checking(test: ast.expr) -> bool:
    """`if TYPE_CHECKING:`, never true at run time."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _main_guard(test: ast.expr) -> bool:
    """`if __name__ == "__main__":`, not run by a server that imports the module."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(each, ast.Constant) and each.value == "__main__" for each in test.comparators)
    )


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = {each.id if isinstance(each, ast.Name) else getattr(each, "attr", "") for each in caught}
    return bool(names & _IMPORT_ERRORS)


@checker(UNUSED)
def requirements_used(project):
    """Said only of this file's own lines, and of a server only with a Procfile whose server can
    serve the app (which server runs is known; a wrong one is the procfile rules' to report)."""
    requirements, procfile = project.requirements, project.procfile
    if requirements is None or procfile is None or project.web is None:
        return
    right_server = project.web.server in SERVERS and project.web.is_asgi == project.source.serving.asgi
    imported = {
        dotted.split(".")[0] for _, tree in project.modules for _, dotted in boot_imports(tree.body, main_runs=True)
    }
    for line in requirements.entries:
        if line.constraint:
            continue
        # The server the web command runs (through a script it starts, too), or one its text names
        # (gunicorn -k uvicorn.workers.UvicornWorker runs uvicorn's worker).
        runs = line.name == project.procfile_server or line.name in procfile.text or line.name in project.web.text
        if right_server and line.name in _SERVERS and not runs and line.name not in imported:
            yield UNUSED.finding(
                line.file.name, line.line,
                f"requirements.txt lists {line.name}, which the Procfile does not run and nothing imports, so it "
                "is installed for nothing (or the Procfile does not start the server meant).",
                f"Remove {line.name} from requirements.txt, or run it in the Procfile.",
            )  # fmt: skip
        if line.name == "dash":
            yield from _unused_extras(project, line, imported)


def _unused_extras(project, line, imported: set[str]):
    managers = {manager.kind for manager in project.job_managers}
    backend = project.source.backend
    for extra in sorted(line.extras & set(_EXTRA_PACKAGES)):
        if extra in managers or extra == backend or _EXTRA_PACKAGES[extra] in imported:
            continue
        yield UNUSED.finding(
            line.file.name, line.line,
            f"requirements.txt lists dash[{extra}], which installs {_EXTRA_PACKAGES[extra]}, but the app neither "
            f"uses it nor imports it, so every build installs it for nothing.",
            f"Remove the {extra} extra from the dash line.",
        )  # fmt: skip
