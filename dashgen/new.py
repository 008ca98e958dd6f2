"""A new project: the validated options of `dashgen new`, and the plan that creates it."""

from __future__ import annotations

import keyword
import os
import re
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

from dashgen.backends import BACKENDS, websocket_callback_backends
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import Plan, change_for

# The distributions a generated app installs: a project named after one would shadow it.
DEPENDENCY_NAMES = frozenset(
    {
        "dash", "flask", "fastapi", "quart", "plotly", "uvicorn", "gunicorn", "hypercorn",
        "werkzeug", "starlette", "pydantic", "jinja2", "asgiref", "httpx", "pytest", "ruff",
        "requests", "uvloop", "httptools", "websockets", "dashgen", "copier", "app", "tests",
        "celery", "redis", "diskcache", "kombu", "psutil", "multiprocess",
    }
)  # fmt: skip

# The answers file of a generated project (copier's default name, as the templates set it).
_MOUNT_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
# pyproject.toml's project.name (PEP 508), which the project name also is.
_DISTRIBUTION_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


class NewProject(NamedTuple):
    """The answers `dashgen new` renders a project from."""

    name: str
    backend: str
    own_server: bool
    mount: str  # "" or a path such as "/dash/"
    static_site: bool
    async_callbacks: bool
    background_callbacks: bool
    directory: Path  # the parent folder
    websocket_callbacks: bool = False
    # A Dash Pages app: pages/ with a home page, one more, a 404 page, and a page for the live
    # chart (pages/live.py) and for the job (pages/job.py) when those are on.
    pages: bool = False
    mcp: bool = False  # Dash's MCP server, behind a bearer token and an Origin check

    @property
    def root(self) -> Path:
        return self.directory / self.name

    def answers(self) -> dict[str, object]:
        """The template's answers (the copier questions of the same names)."""
        return {
            "project_name": self.name,
            "backend": self.backend,
            "own_server": self.own_server or bool(self.mount) or self.static_site,
            "mount": self.mount,
            "static_site": self.static_site,
            "async_callbacks": self.async_callbacks,
            "websocket_callbacks": self.websocket_callbacks,
            "background_callbacks": self.background_callbacks,
            "pages": self.pages,
            "mcp": self.mcp,
        }


def new_project(
    name: str,
    *,
    backend: str,
    own_server: bool = False,
    mount: str = "",
    static_site: bool = False,
    async_callbacks: bool = False,
    background_callbacks: bool = False,
    directory: Path = Path("."),
    websocket_callbacks: bool = False,
    pages: bool = False,
    mcp: bool = False,
) -> NewProject:
    name = validate_name(name)
    validate_directory(directory, name)
    return NewProject(
        name=name,
        backend=validate_backend(backend),
        own_server=own_server,
        mount=normalize_mount(mount, static_site=static_site),
        static_site=static_site,
        async_callbacks=async_callbacks,
        background_callbacks=background_callbacks,
        directory=directory,
        websocket_callbacks=validate_websocket_callbacks(backend, websocket_callbacks),
        pages=pages,
        mcp=mcp,
    )


def validate_websocket_callbacks(backend: str, websocket_callbacks: bool) -> bool:
    if websocket_callbacks and not BACKENDS[backend].websocket_callbacks:
        able = websocket_callback_backends()
        labels = " and ".join(other.label for other in able)
        options = " or ".join(f"--backend {other.name}" for other in able)
        raise InvalidInput(
            f"Dash has WebSocket callbacks only on {labels}, not on {BACKENDS[backend].label}: use {options}."
        )
    return websocket_callbacks


def validate_directory(directory: Path, name: str) -> None:
    """--directory must be (or become) a folder, and the name must fit in it."""
    existing = directory
    while not existing.exists() and existing != existing.parent and existing != Path("."):
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise Refused(f"{existing} is a file, not a folder: give --directory a folder.")
    limit = os.pathconf(existing if existing.exists() else ".", "PC_NAME_MAX")
    length = len(os.fsencode(name))
    if length > limit:
        raise InvalidInput(
            f"The project name is {length} bytes long, more than the {limit} a file name can have: use a shorter one."
        )


def validate_backend(backend: str) -> str:
    if backend not in BACKENDS:
        choices = ", ".join(BACKENDS)
        raise InvalidInput(f"Unknown backend {backend!r}: choose one of {choices}.")
    return backend


def validate_name(name: str) -> str:
    suggestion = _suggest_name(name)
    if not name.isidentifier() or keyword.iskeyword(name):
        raise InvalidInput(
            f"{name!r} is not a valid project name: use a Python identifier (did you mean {suggestion!r}?)."
        )
    if not _DISTRIBUTION_NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} cannot be the project's name in pyproject.toml (ASCII letters, digits and _, "
            f"starting and ending with a letter or digit): did you mean {suggestion!r}?"
        )
    if name.lower() in DEPENDENCY_NAMES or name in sys.stdlib_module_names:
        raise InvalidInput(
            f"{name!r} would shadow the {name!r} module the app imports or depends on: "
            f"choose another name (did you mean {suggestion!r}?)."
        )
    return name


def _suggest_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    candidate = re.sub(r"\W+", "_", ascii_name.strip()).strip("_").lower() or "my_app"
    if candidate[0].isdigit():
        candidate = f"app_{candidate}"
    if keyword.iskeyword(candidate) or candidate in DEPENDENCY_NAMES or candidate in sys.stdlib_module_names:
        candidate = f"my_{candidate}"
    return candidate


def normalize_mount(mount: str, *, static_site: bool) -> str:
    """`dash`, `/dash` and `/dash/` all mean the mount `/dash/`."""
    if not mount:
        return ""
    segments = [segment for segment in mount.strip().split("/") if segment]
    if not segments:
        raise InvalidInput("--mount / is Dash at the root: leave --mount out (or use --own-server).")
    bad = [segment for segment in segments if not _MOUNT_SEGMENT.fullmatch(segment) or not segment.strip(".")]
    if bad:
        raise InvalidInput(f"--mount {mount!r} is not a path: use letters, digits, - and _, like /dash/.")
    normalized = "/" + "/".join(segments) + "/"
    reserved = ["/api/"] + (["/app/"] if static_site else [])
    if normalized in reserved or segments[0].startswith("_dash"):
        raise InvalidInput(f"--mount {normalized} is taken by the app's own routes: choose another path.")
    return normalized


def plan_new(project: NewProject, *, force: bool = False) -> Plan:
    """Render the template in memory, check the code compiles, and plan the files."""
    from dashgen.render import render_template  # jinja2 and yaml are only needed here

    root = project.root
    if root.exists() and not root.is_dir():
        raise Refused(f"{root} exists and is a file: choose another name or --directory.")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise Refused(f"{root} already exists and is not empty: choose another name, or use --force.")
    _, files = render_template(project.answers())
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")  # a template bug must fail here, before anything is written
    plan = Plan(root)
    plan.changes = [change_for(root, path, text, force=force) for path, text in sorted(files.items())]
    return plan
