"""Background callbacks: the job manager an app uses (read from its source), what that manager
needs installed, and the Celery worker that runs the jobs when the manager is Celery's."""

from __future__ import annotations

import ast
import re
import shlex
from typing import NamedTuple

from dashgen.edits import bound_names
from dashgen.nodes import called_name, nodes

# How `dashgen new --background-callbacks` names it; read apps may name it otherwise.
CELERY_APP = "celery_app"
REDIS_URL_ENV = "REDIS_URL"
# One process per core of a typical 2-core container, as the web: line has it.
CONCURRENCY_ENV = "WORKER_CONCURRENCY"

DISKCACHE = "diskcache"
CELERY = "celery"
MANAGER_CLASSES = {"DiskcacheManager": DISKCACHE, "CeleryManager": CELERY}
# What each manager imports; dash[<kind>] brings them all.
MANAGER_PACKAGES = {DISKCACHE: ("diskcache", "multiprocess", "psutil"), CELERY: ("celery", "redis")}
# dash[celery] brings redis too; the app names the client it talks to Redis with all the same.
REDIS_REQUIREMENT = "redis>=4.5"


class JobManager(NamedTuple):
    """A `DiskcacheManager(...)` or `CeleryManager(...)` call in the app's source, or one of a
    subclass of either."""

    kind: str  # DISKCACHE or CELERY
    line: int
    celery_app: str | None  # the variable passed to CeleryManager, when it is one
    cache_folder: str | None  # the folder literal given to diskcache.Cache, when there is one


def job_managers(tree: ast.Module) -> list[JobManager]:
    classes = manager_classes(tree)
    assigned = {
        statement.targets[0].id: statement.value
        for statement in tree.body
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)
    }
    managers = []
    for node in nodes(tree, ast.Call):
        kind = classes.get(called_name(node.func))
        if kind is None:
            continue
        first = node.args[0] if node.args else None
        if kind == DISKCACHE and isinstance(first, ast.Name):
            first = assigned.get(first.id, first)  # cache = diskcache.Cache("./cache") above
        celery_app = first.id if kind == CELERY and isinstance(first, ast.Name) else None
        folder = _cache_folder(first) if kind == DISKCACHE and first is not None else None
        managers.append(JobManager(kind, node.lineno, celery_app, folder))
    return sorted(managers, key=lambda manager: manager.line)


def manager_classes(tree: ast.Module) -> dict[str, str]:
    """Dash's manager classes and the app's own subclasses of them (`class Jobs(CeleryManager)`,
    as `dashgen new` writes), each with its kind."""
    classes = dict(MANAGER_CLASSES)
    definitions = list(nodes(tree, ast.ClassDef))
    found = True
    while found:  # a subclass of a subclass is found on a later round
        found = False
        for definition in definitions:
            kinds = {classes.get(called_name(base)) for base in definition.bases} - {None}
            if definition.name not in classes and len(kinds) == 1:
                classes[definition.name] = kinds.pop()
                found = True
    return classes


def _cache_folder(node: ast.expr) -> str | None:
    """The last folder named in `diskcache.Cache("./cache")` or `Cache(Path(__file__).parent / "cache")`."""
    names = [
        found.value.strip("./")
        for found in ast.walk(node)
        if isinstance(found, ast.Constant) and isinstance(found.value, str) and found.value.strip("./")
    ]
    return names[-1] if names else None


def manager_kinds(managers: list[JobManager]) -> set[str]:
    return {manager.kind for manager in managers}


def celery_variable(managers: list[JobManager]) -> str:
    """The Celery app a worker loads: the one handed to CeleryManager, else dashgen's name."""
    return next((m.celery_app for m in managers if m.celery_app), CELERY_APP)


def worker_command(module: str, variable: str) -> str:
    return f"celery -A {module}:{variable} worker --concurrency ${{{CONCURRENCY_ENV}:-2}} --loglevel INFO"


def requirements_for(kinds: set[str]) -> tuple[set[str], list[str]]:
    """(the extras dash needs, the other lines) for the managers an app uses."""
    return set(kinds), ([REDIS_REQUIREMENT] if CELERY in kinds else [])


def worker_line(procfile_text: str) -> tuple[int, str] | None:
    for number, line in enumerate(procfile_text.splitlines(), start=1):
        if line.startswith("worker:"):
            return number, line.removeprefix("worker:").strip()
    return None


def celery_import_string(command: str) -> str | None:
    """The `-A module:variable` (or `--app`) a celery command loads."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    for index, word in enumerate(words):
        if word in ("-A", "--app") and index + 1 < len(words):
            return words[index + 1]
        match = re.fullmatch(r"(?:-A|--app=)(\S+)", word)
        if match:
            return match.group(1)
    return None


def module_level_names(tree: ast.Module) -> set[str]:
    """Names a module binds when imported, also inside `if`/`try` blocks (`if REDIS_URL:
    celery_app = Celery(...)`)."""
    statements: list[ast.stmt] = []
    pending = list(tree.body)
    while pending:
        statement = pending.pop()
        statements.append(statement)
        if isinstance(statement, (ast.If, ast.Try, ast.With)):
            pending += [*statement.body, *getattr(statement, "orelse", []), *getattr(statement, "finalbody", [])]
            pending += [child for handler in getattr(statement, "handlers", []) for child in handler.body]
    return bound_names(ast.Module(body=statements, type_ignores=[]))
