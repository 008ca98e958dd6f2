"""`dashgen add-page`: Dash Pages found in an app's source, and the page module a new page gets.

Dash imports every `.py` file of the pages folder whose text mentions `register_page` (names
starting with `_` or `.` are skipped) when the app is created, and routes each URL below its
own routes prefix to the page registered at that path.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dashgen.backends import BACKENDS, websocket_callback_backends
from dashgen.background import job_managers
from dashgen.errors import InvalidInput, Refused
from dashgen.nodes import called_name, nodes
from dashgen.reading import MAX_SOURCE_BYTES, is_readable_file, read_bytes, read_python
from dashgen.source import DASH_OWN_PATHS, AppSource, Route, dash_call

if TYPE_CHECKING:
    from dashgen.plan import Plan

_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


class PagesConfig(NamedTuple):
    """What `Dash(...)` says about Pages."""

    use_pages: bool
    folder: Path  # absolute
    folder_text: str  # as the source writes it, for messages ("pages")
    line: int  # the line of the Dash(...) call


class Page(NamedTuple):
    """A page module in the pages folder and the path it registers."""

    file: Path
    relative: str  # "sales/monthly.py", below the pages folder
    path: str  # "/sales/monthly"
    line: int  # the register_page call's line


class PageSpec(NamedTuple):
    """A page to add, as the user asked for it."""

    parts: tuple[str, ...]  # ("sales", "monthly"): the module below the pages folder
    path: str  # "/sales/monthly"
    name: str  # what the navigation shows
    title: str  # the browser tab's title
    kind: str = "page"  # "page" (a button that counts), "live" (the live chart) or "job" (the long job)

    @property
    def relative(self) -> str:
        return "/".join(self.parts) + ".py"

    @property
    def id_prefix(self) -> str:
        """Module names have no "-", so joining them with it gives every page its own prefix."""
        return "-".join(self.parts)


def page_spec(
    module: str,
    *,
    path: str | None = None,
    name: str | None = None,
    title: str | None = None,
    live: bool = False,
    job: bool = False,
) -> PageSpec:
    """Validate what was typed: a bad module name or path is exit status 2."""
    if live and job:
        raise InvalidInput("--live and --job make two different pages: add them one at a time.")
    parts = tuple(part for part in module.strip().removesuffix(".py").replace(".", "/").split("/") if part)
    if not parts:
        raise InvalidInput("Give the page's module, such as reports or sales/monthly.")
    for part in parts:
        if not part.isidentifier() or keyword.iskeyword(part):
            raise InvalidInput(f"{module!r} is not a module path: use Python names joined by /, like sales/monthly.")
        if part.startswith("_"):
            raise InvalidInput(f"Dash skips page modules and folders whose names start with _: rename {part!r}.")
    default_name = parts[-1].replace("_", " ").capitalize()
    title = _one_line(title, "--title")
    name = _one_line(name, "--name") or title or default_name
    title = title or name
    page_path = validate_page_path(path) if path is not None else "/" + "/".join(parts).replace("_", "-").lower()
    return PageSpec(parts, page_path, name, title, "live" if live else "job" if job else "page")


def _one_line(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    if not text.strip() or "\n" in text or "\r" in text:
        raise InvalidInput(f"{option} {text!r} is empty or spans lines: give it one line of text.")
    return text.strip()


def validate_page_path(path: str) -> str:
    original = path
    path = path.strip()
    path = path if path.startswith("/") else "/" + path
    segments = [segment for segment in path.split("/")[1:] if segment != ""] if path != "/" else []
    bad = (
        not original.strip()
        or "//" in path
        or any(segment in (".", "..") or not _SEGMENT.fullmatch(segment) for segment in segments)
    )
    if bad:
        raise InvalidInput(
            f"The page path {original!r} is not a path: use letters, digits, -, _ and . between slashes, "
            "like /sales/monthly."
        )
    path = "/" + "/".join(segments)
    if (path + "/").startswith(DASH_OWN_PATHS) or path.startswith(DASH_OWN_PATHS):
        raise InvalidInput(f"{path} is one of Dash's own routes (/_dash-*, /assets/, ...): choose another path.")
    return path


# --- Reading the app --------------------------------------------------------------------------


def pages_config(source: AppSource) -> PagesConfig:
    """use_pages and pages_folder of the app's Dash(...) call, as Dash reads them."""
    call = dash_call(source)
    folder_node = _keyword(call, "pages_folder")
    folder_text = "pages"
    if folder_node is not None:
        if not (isinstance(folder_node, ast.Constant) and isinstance(folder_node.value, str)):
            raise Refused(
                f"{source.call_file.name}:{folder_node.lineno} computes pages_folder: write it as a string "
                'such as pages_folder="pages" so dashgen can find the pages.'
            )
        folder_text = folder_node.value
    use_node = _keyword(call, "use_pages")
    if use_node is None:
        # Dash turns Pages on by itself when pages_folder is not the default.
        use_pages = folder_text != "pages"
    else:
        use_pages = isinstance(use_node, ast.Constant) and bool(use_node.value)
    folder = Path(folder_text)
    folder = folder if folder.is_absolute() else source.call_file.parent / folder
    return PagesConfig(use_pages, folder, folder_text, call.lineno)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((item.value for item in call.keywords if item.arg == name), None)


def page_files(folder: Path) -> list[Path]:
    """The files Dash imports as pages, in its order."""
    files = []
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).parts
        if any(part.startswith(("_", ".")) for part in relative):
            continue
        if b"register_page" in (_page_bytes(path) or b""):
            files.append(path)
    return files


def _page_bytes(path: Path) -> bytes | None:
    try:
        return read_bytes(path, MAX_SOURCE_BYTES) if is_readable_file(path) else None
    except Refused:
        return None


def _page_tree(file: Path) -> ast.Module | None:
    """A page module parsed as Python reads it (PEP 263: a latin-1 page is a page), or None when
    it cannot be read or parsed: Dash would fail on it, and the app's own error says so."""
    try:
        return read_python(file).tree
    except Refused:
        return None


def read_pages(config: PagesConfig) -> list[Page]:
    """Every page registered in the pages folder (files that do not parse are left out)."""
    pages = []
    for file in page_files(config.folder):
        relative = file.relative_to(config.folder).as_posix()
        tree = _page_tree(file)
        if tree is None:
            continue
        call = register_page_call(tree)
        if call is None:
            continue
        pages.append(Page(file, relative, _registered_path(call, relative), call.lineno))
    return pages


def register_page_call(tree: ast.Module) -> ast.Call | None:
    return next((node for node in nodes(tree, ast.Call) if called_name(node.func) == "register_page"), None)


def _registered_path(call: ast.Call, relative: str) -> str:
    """Where Dash serves a page: its path=, else its path_template= with "none" for each
    variable, else the module's path in the pages folder (as dash._pages._infer_path does)."""
    for name in ("path", "path_template"):
        node = _keyword(call, name)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            path = re.sub("<.*?>", "none", node.value)
            return path if path.startswith("/") else "/" + path
    return "/" + relative.removesuffix(".py").replace("_", "-").lower()


def page_ids(file: Path) -> dict[str, int]:
    """The string ids a page module gives its components, with the first line each is on."""
    tree = _page_tree(file)
    return {} if tree is None else _ids(tree)


def _ids(tree: ast.Module) -> dict[str, int]:
    ids: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            value = _keyword(node, "id")
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                ids.setdefault(value.value, value.lineno)
    return ids


def _has_async_callback(file: Path) -> bool:
    """Whether a page writes its callbacks as `async def`, as the new page's should be then."""
    tree = _page_tree(file)
    if tree is None:
        return False
    return any(
        isinstance(node, ast.AsyncFunctionDef)
        and any("callback" in ast.unparse(decorator).split("(")[0] for decorator in node.decorator_list)
        for node in tree.body
    )


def _normal(path: str) -> str:
    return "/" + path.strip("/")


# --- The plan ---------------------------------------------------------------------------------


def plan_add_page(source: AppSource, spec: PageSpec) -> Plan:
    # Imported here: check reads the pages (pages_config, read_pages) and plans nothing.
    from dashgen.plan import CREATE, IDENTICAL, FileChange, Plan, read_text

    config = pages_config(source)
    if not config.use_pages:
        raise Refused(
            f"{source.call_file.name}:{config.line} creates the Dash app without Pages: turn them on with "
            f"{source.app_name} = Dash(..., use_pages=True), put dash.page_container in its layout, "
            "and run this again."
        )
    _refuse_what_the_app_cannot_run(source, spec)
    root = source.path.parent
    target = config.folder.joinpath(*spec.parts[:-1], spec.parts[-1] + ".py")
    relative = target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target)
    pages = read_pages(config)
    asynchronous = source.async_callbacks or any(_has_async_callback(page.file) for page in pages)
    text = page_module(spec, relative, async_callbacks=asynchronous)
    existing = read_text(target)
    plan = Plan(root)
    if existing == text:
        plan.changes = [FileChange(relative, IDENTICAL, text, existing)]
        return plan
    if existing is not None:
        raise Refused(f"{relative} already exists: edit it there, or choose another module name.")
    taken = next((page for page in pages if _normal(page.path) == _normal(spec.path)), None)
    if taken is not None:
        where = taken.file.relative_to(root).as_posix() if taken.file.is_relative_to(root) else str(taken.file)
        raise Refused(f"{where}:{taken.line} already registers the page path {spec.path}: choose another --path.")
    if spec.kind != "page":  # a plain page's ids start with its module path
        _refuse_shared_ids(text, pages, root)
    route = route_at(source, spec.path)
    if route is not None:
        raise Refused(
            f"{source.path.name}:{route.line} already serves {route.path} ({route.function or 'a mount'}), "
            f"so a page at {spec.path} would never be shown: choose another --path."
        )
    compile(text, relative, "exec")
    plan.changes = [FileChange(relative, CREATE, text)]
    plan.notes.append(f"Dash loads pages when the app starts: restart it to serve {spec.path}.")
    return plan


def _refuse_what_the_app_cannot_run(source: AppSource, spec: PageSpec) -> None:
    """A live page needs Dash's WebSocket callbacks, a job page the app's background callback manager."""
    backend = BACKENDS[source.backend]
    if spec.kind == "live" and not backend.websocket_callbacks:
        able = " and ".join(other.label for other in websocket_callback_backends())
        raise Refused(
            f"{source.path.name} runs on {backend.label}, and Dash has WebSocket callbacks only on {able}: "
            "a live page cannot stream there."
        )
    if spec.kind == "job" and not job_managers(source.tree):
        raise Refused(
            f"{source.path.name} creates no background callback manager, so a job page's background callback "
            "could not run: create a DiskcacheManager or CeleryManager, pass it to "
            "Dash(background_callback_manager=...), and run this again."
        )


def _refuse_shared_ids(text: str, pages: list[Page], root: Path) -> None:
    """The live and job pages keep their sections' ids: an app has one of each, as Dash ids are global."""
    ids = _ids(ast.parse(text))
    for page in pages:
        theirs = page_ids(page.file)
        shared = sorted(ids.keys() & theirs.keys(), key=theirs.get)
        if shared:
            where = page.file.relative_to(root).as_posix() if page.file.is_relative_to(root) else str(page.file)
            raise Refused(
                f"{where}:{theirs[shared[0]]} already has a component with the id {shared[0]!r}, "
                "which the new page would give one too: an app has one live page and one job page."
            )


def route_at(source: AppSource, page_path: str) -> Route | None:
    """The app's own route that answers the URL of the page at `page_path`, if any."""
    full = _normal(source.dash_base.rstrip("/") + page_path)
    for route in source.routes:
        if route.methods == ("MOUNT",):
            if full == _normal(route.path) or full.startswith(_normal(route.path).rstrip("/") + "/"):
                return route
            continue
        if "GET" not in route.methods:
            continue
        pattern = re.sub(r"\\\{\\\}", "[^/]+", re.escape(_normal(route.shape)))
        if re.fullmatch(pattern, full):
            return route
    return None


def page_module(spec: PageSpec, relative: str, *, async_callbacks: bool) -> str:
    """The page module's text, from the template `new --pages` renders its pages with too."""
    from dashgen.render import shared_module

    module = shared_module("page.py.jinja")
    literals = {key: _python_string(getattr(spec, key)) for key in ("path", "name", "title")}
    if spec.kind == "live":
        text = module.live_page(**literals)
    elif spec.kind == "job":
        text = module.job_page(**literals)
    else:
        text = module.page(**literals, file=relative, prefix=spec.id_prefix, async_callbacks=async_callbacks)
    return str(text).strip("\n") + "\n"


def _python_string(text: str) -> str:
    """A double-quoted Python literal: JSON's string escapes are Python's too."""
    return json.dumps(text, ensure_ascii=False)
