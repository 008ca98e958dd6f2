"""The app's own source: its layout, routes, URL prefixes, run calls, imports and secrets."""

from __future__ import annotations

import ast
import bisect
import re
from pathlib import Path

from dashgen.backends import BACKENDS, PREFIX_ENV
from dashgen.errors import Refused
from dashgen.reading import MAX_SOURCE_BYTES, is_readable_file, module_file, read_bytes
from dashgen.rules import ERROR, WARNING, checker, rule
from dashgen.rules.requirements import DASH_WITHOUT_LEGACY, Installed
from dashgen.source import dash_call

# Dash 2 installed these beside itself; Dash 3 stopped installing them. Their replacement:
LEGACY_COMPONENTS = {
    "dash_core_components": "from dash import dcc",
    "dash_html_components": "from dash import html",
    "dash_table": "from dash import dash_table",
}
_LINE_END = re.compile(r"\r\n|\r|\n")
# Names that say what a credential is for, not the credential: token_url, password_field, ...
_NOT_A_SECRET = re.compile(r"(url|uri|path|route|endpoint|file|dir|name|label|placeholder|field|header|type)s?$", re.I)
# The lookahead lets re skip, with one test, the positions where no alternative can start: the
# same matches, found in 0.4x the time (0.064 to 0.025 s on a 54,000-line app's text).
_SECRET_NAME = re.compile(r"(?=[stpac])(?:secret|token|passw(or)?d|api_?key|private_?key|access_?key|credential)", re.I)
# The project's modules read for the word "layout", at most; a project with more is not judged.
_MAX_LAYOUT_SCAN = 500
# Enough for any app's own package; a vendored library is not followed past it.
_MAX_MODULES = 200

NO_LAYOUT = rule(
    "app-no-layout", ERROR,
    summary="Nothing in the project sets the Dash app's layout.",
    why="Dash raises NoLayoutException on the first page request, so every page answers 500 "
    "(tests/apps/no_layout, booted).",
    fix="Set app.layout = html.Div(...) after the app is created.",
)  # fmt: skip
ROUTE_COLLIDES = rule(
    "route-collides-with-dash", ERROR,
    summary="A custom route takes a path Dash serves (its page or its own /_dash- routes).",
    why="Two handlers for one path: the server answers with one of them, so either the route or Dash's page "
    "never answers.",
    fix="Move the route to another path.",
)  # fmt: skip
ROUTE_WITHOUT_PREFIX = rule(
    "route-without-prefix", WARNING,
    summary=f"A custom route is registered without {PREFIX_ENV}.",
    why="Dash Enterprise serves the app below /<app-name>/ and sets the prefix variable; a route at a literal "
    "path is outside it and unreachable there.",
    fix=f'Register it at f"{{PREFIX}}path" with PREFIX read from {PREFIX_ENV} (default "/").',
    command="dashgen add-route",
)  # fmt: skip
URL_BASE = rule(
    "url-base-with-prefix", ERROR,
    summary=f"Dash(url_base_pathname=...) on Dash Enterprise, which sets {PREFIX_ENV}.",
    why="Dash refuses url_base_pathname together with the prefix variables: under Dash Enterprise the app stops "
    "at import with InvalidConfig (tests/apps/url_base_pathname, booted with the prefix).",
    fix=f'Use routes_pathname_prefix=f"{{PREFIX}}..." with PREFIX read from {PREFIX_ENV}, as `dashgen new '
    '--mount` writes it.',
    targets=("enterprise",),
)  # fmt: skip
LITERAL_REQUESTS_PREFIX = rule(
    "literal-requests-prefix", ERROR,
    summary="requests_pathname_prefix is a literal string while Dash's routes follow the prefix variable.",
    why="The page asks for its layout and callbacks at the literal prefix while Dash serves them below "
    f"{PREFIX_ENV}: under Dash Enterprise the page never loads (tests/apps/literal_requests_prefix).",
    fix="Remove it (Dash reads DASH_REQUESTS_PATHNAME_PREFIX itself), or read it from that variable.",
    targets=("enterprise",),
)  # fmt: skip
MOUNT_WITHOUT_PREFIX = rule(
    "dash-mount-without-prefix", WARNING,
    summary=f"Dash is mounted at a literal routes_pathname_prefix that ignores {PREFIX_ENV}.",
    why="An explicit routes_pathname_prefix makes Dash ignore the prefix variable, so on Dash Enterprise the "
    "app is served outside /<app-name>/ and unreachable.",
    fix='Compose it: routes_pathname_prefix=f"{PREFIX}dash/", as `dashgen new --mount` writes it.',
)  # fmt: skip
RUN_AT_IMPORT = rule(
    "run-at-import", ERROR,
    summary="app.run(...) runs at import time, outside `if __name__ == \"__main__\":`.",
    why="Every worker of the production server imports the module and starts Dash's development server instead "
    "of serving (tests/apps/run_at_import, booted: no answer); with run_server on Dash 3 the import fails.",
    fix='Move it under `if __name__ == "__main__":`.',
)  # fmt: skip
RUN_SERVER_REMOVED = rule(
    "run-server-removed", ERROR,
    summary="The Procfile runs `python app.py`, which calls run_server, removed in Dash 3.",
    why="`python app.py` stops with AttributeError on Dash 3 and later, so the web process exits at start.",
    fix="Call app.run(...) instead.",
)  # fmt: skip
RUN_SERVER_IN_MAIN = rule(
    "run-server-in-main", WARNING,
    summary="The __main__ block calls run_server, removed in Dash 3.",
    why="The production server does not run the __main__ block, but `python app.py` stops with AttributeError "
    "on Dash 3 and later.",
    fix="Call app.run(...) instead.",
)  # fmt: skip
LEGACY_IMPORT = rule(
    "legacy-component-import", ERROR,
    summary="The app imports dash_core_components, dash_html_components or dash_table.",
    why="Dash 3 and later no longer install these packages: the module stops at import with "
    "ModuleNotFoundError (seen booting real apps of the corpus).",
    fix="Import from dash: `from dash import dcc, html, dash_table`.",
)  # fmt: skip
SECRET = rule(
    "secret-in-source", WARNING,
    summary="A credential is written as a literal in the source.",
    why="Everyone with the code, and every image built from it, has the credential.",
    fix="Read it from the environment (os.environ[...]).",
)  # fmt: skip
SETUP_RACE = rule(
    "setup-race", WARNING,
    summary="Quart with several workers and nothing finishing Dash's first-request set-up at start.",
    why="Quart runs Dash's first-request set-up in a thread: a fresh worker answers the scripts a page loads "
    "meanwhile with 500 (Dash 4.4; shown by tests/test_check_shapes.py with a slowed set-up).",
    fix="Make each worker's first request at start, in @server.before_serving.",
)  # fmt: skip


@checker(ROUTE_COLLIDES, ROUTE_WITHOUT_PREFIX)
def routes(project):
    source = project.source
    name, file = source.path.name, project.shown(source.path)
    for route in source.routes:
        collision = source.dash_collision(route.path)
        if collision and route.function:
            yield ROUTE_COLLIDES.finding(
                file, route.line,
                f"The route {'/'.join(route.methods)} {route.path} ({route.function}) collides with {collision}, so "
                "one of them never answers.",
            )  # fmt: skip
        elif not route.prefixed:
            verb = "mounts" if route.methods == ("MOUNT",) else f"registers {'/'.join(route.methods)}"
            yield ROUTE_WITHOUT_PREFIX.finding(
                file, route.line,
                f"{name} {verb} {route.path} without {PREFIX_ENV}, so on Dash Enterprise (below /<app-name>/) it is "
                "unreachable.",
                f'Register it at f"{{PREFIX}}{route.path.lstrip("/")}".',
                "",  # add-route refuses a path the app already registers, by design
            )  # fmt: skip


@checker(URL_BASE, LITERAL_REQUESTS_PREFIX, MOUNT_WITHOUT_PREFIX)
def pathnames(project):
    """Dash's URL keywords against the prefix variables Dash Enterprise sets."""
    source = project.source
    file = project.shown(source.call_file)
    keywords = {keyword.arg: keyword.value for keyword in dash_call(source).keywords if keyword.arg}
    url_base = keywords.get("url_base_pathname")
    requests = keywords.get("requests_pathname_prefix")
    if url_base is not None and not (isinstance(url_base, ast.Constant) and url_base.value is None):
        yield URL_BASE.finding(
            file, url_base.lineno,
            f"Dash(url_base_pathname=...) cannot be combined with the {PREFIX_ENV} Dash Enterprise sets, so the app "
            "stops at import with InvalidConfig.",
        )  # fmt: skip
        return
    literal_requests = isinstance(requests, ast.Constant) and isinstance(requests.value, str)
    if literal_requests and "routes_pathname_prefix" not in keywords:
        yield LITERAL_REQUESTS_PREFIX.finding(
            file, requests.lineno,
            f"requests_pathname_prefix={requests.value!r} is written in the source while Dash serves its routes "
            f"below {PREFIX_ENV}, so on Dash Enterprise the page asks for its layout and callbacks where nothing "
            "answers.",
        )  # fmt: skip
        return
    if source.dash_mount is not None and not source.dash_mount.prefixed:
        yield MOUNT_WITHOUT_PREFIX.finding(
            file, source.dash_mount.line,
            f"Dash is mounted at the literal {source.dash_mount.path}, which ignores {PREFIX_ENV}, so on Dash "
            "Enterprise the app is unreachable.",
            f'Compose it: routes_pathname_prefix=f"{{PREFIX}}{source.dash_mount.path.lstrip("/")}" (as `dashgen '
            "new --mount` writes it).",
        )  # fmt: skip


@checker(RUN_AT_IMPORT, RUN_SERVER_REMOVED, RUN_SERVER_IN_MAIN)
def run_calls(project):
    source = project.source
    name, file = source.path.name, project.shown(source.path)
    # `python app.py` serves through the module's own run call (the procfile rules warn about it).
    dev_server = project.web is not None and project.web.server == "python"
    dash_3 = Installed(project.requirements).dash_from(DASH_WITHOUT_LEGACY)
    for line, call in source.import_time_runs:
        removed = ".run_server(" in call and dash_3
        if removed:
            problem = f"{call} runs at import time, and Dash 3 removed run_server, so the module cannot be imported."
        elif dev_server:
            continue
        else:
            debug = " with debug=True" if "debug=True" in call.replace(" ", "") else ""
            problem = (
                f"{call} runs at import time{debug}, so every worker of the production server starts Dash's "
                "development server instead and never answers."
            )
        fix = 'Move it under `if __name__ == "__main__":`' + (" and call app.run instead." if removed else ".")
        yield RUN_AT_IMPORT.finding(file, line, problem, fix)
    if dash_3:
        found = RUN_SERVER_REMOVED if dev_server else RUN_SERVER_IN_MAIN
        for line in _guarded_run_server_lines(source):
            yield found.finding(
                file, line, f"`python {name}` calls run_server, which Dash 3 removed, so it stops with AttributeError."
            )


def _guarded_run_server_lines(source) -> list[int]:
    if source.main_line is None:
        return []
    block = next(statement for statement in source.tree.body if statement.lineno == source.main_line)
    return [
        node.lineno
        for node in ast.walk(block)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run_server"
    ]


@checker(LEGACY_IMPORT)
def legacy_imports(project):
    """Imports of the component packages Dash 3 no longer installs, at the top level of the served
    module and of the project's own modules it imports (a `try: ... except ImportError:` fallback
    is left alone)."""
    installed = Installed(project.requirements)
    if not installed.dash_from(DASH_WITHOUT_LEGACY):
        return
    for path, tree in project.modules:
        shown = project.shown(path)
        for statement in tree.body:
            for module in imported(statement):
                package = module.split(".")[0]
                if package in LEGACY_COMPONENTS and not installed.lists(package):
                    yield LEGACY_IMPORT.finding(
                        shown, statement.lineno,
                        f"{shown} imports {package}, which Dash 3 and later no longer install, so the app cannot be "
                        "imported.",
                        f"Write `{LEGACY_COMPONENTS[package]}` instead.",
                    )  # fmt: skip


def imported(statement: ast.stmt) -> list[str]:
    """The absolute modules a top-level import statement names ("" for a relative one)."""
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names]
    if isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
        return [statement.module, *(f"{statement.module}.{alias.name}" for alias in statement.names)]
    return []


def project_modules(project) -> list[tuple[Path, ast.Module]]:
    """The module that creates the app, the one the platform serves, and the project's own modules
    they import at module level, transitively (each read once; one that cannot be read is skipped)."""
    source, root = project.source, project.root
    queue = [(source.path, source.tree)]
    if source.entry.path != source.path:
        queue.append((source.entry.path, source.entry.file.tree))
    seen = {path for path, _ in queue}
    found: list[tuple[Path, ast.Module]] = []
    while queue and len(found) < _MAX_MODULES:
        path, tree = queue.pop(0)
        found.append((path, tree))
        for statement in tree.body:
            for module in imported(statement) + _relative(statement):
                for folder in {path.parent, root}:
                    candidate = module_file(module, (folder,))
                    if candidate is None or candidate in seen:
                        continue
                    seen.add(candidate)
                    file = project.python(candidate)
                    if file is not None:
                        queue.append((candidate, file.tree))
    return found


def _relative(statement: ast.stmt) -> list[str]:
    """`from . import x` / `from .pkg import y`: modules beside the importing one."""
    if not (isinstance(statement, ast.ImportFrom) and statement.level == 1):
        return []
    base = statement.module or ""
    names = [f"{base}.{alias.name}" if base else alias.name for alias in statement.names]
    return [base, *names] if base else names


@checker(SECRET)
def secrets(project):
    source = project.source
    # Only the statements spanning a line that names a secret are walked: a large app is mostly
    # callbacks that name none.
    marked = _lines_matching(source.text, _SECRET_NAME)
    for statement in source.tree.body:
        first = bisect.bisect_left(marked, statement.lineno)
        if first == len(marked) or marked[first] > (statement.end_lineno or statement.lineno):
            continue
        for node in ast.walk(statement):
            named = None
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and _is_literal_secret(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                named = next((_target_name(t) for t in targets if _is_secret_name(_target_name(t))), None)
            elif isinstance(node, ast.keyword) and node.arg and _is_secret_name(node.arg):
                named = node.arg if _is_literal_secret(node.value) else None
            if named:
                yield SECRET.finding(
                    project.shown(source.path), node.value.lineno,
                    f"{named} is written in the source, so everyone with the code has it.",
                    f'Read it from the environment: os.environ["{named.upper()}"].',
                )  # fmt: skip


def _lines_matching(text: str, pattern: re.Pattern) -> list[int]:
    """The numbers of the lines, as Python counts them, where `pattern` matches."""
    starts = [match.start() for match in pattern.finditer(text)]
    if not starts:
        return []
    ends = [match.end() for match in _LINE_END.finditer(text)]
    return sorted({bisect.bisect_right(ends, start) + 1 for start in starts})


def _is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_A_SECRET.search(name)


def _is_literal_secret(value) -> bool:
    """A string that could be a credential: not a path, a plain URL or words."""
    if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and len(value.value) >= 4):
        return False
    text = value.value
    if any(character.isspace() for character in text):
        return False
    return "@" in text or not text.startswith(("/", "./", "../", "http://", "https://"))


def _target_name(target: ast.expr) -> str:
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


@checker(NO_LAYOUT)
def layout(project):
    """An app whose layout nothing sets answers every page with 500 (NoLayoutException). Said
    only when no module of the project so much as mentions a layout or Dash Pages: where the
    layout is set cannot always be followed, but it cannot be set without the word."""
    source = project.source
    modules = []
    for path in project.root.rglob("*.py"):
        if len(modules) == _MAX_LAYOUT_SCAN:
            return
        modules.append(path)
    for path in modules:
        try:
            data = read_bytes(path, MAX_SOURCE_BYTES) if is_readable_file(path) else None
        except Refused:
            return
        if data is None or b"layout" in data or b"use_pages" in data:
            return
    yield NO_LAYOUT.finding(
        project.shown(source.path), source.app_line,
        f"Nothing in the project sets the layout of the Dash app {source.app_name!r}, so every page answers 500 "
        "(NoLayoutException).",
        f"Set {source.app_name}.layout = html.Div(...) after the app is created.",
    )  # fmt: skip


@checker(SETUP_RACE)
def setup_race(project):
    """Several workers of an app whose framework runs Dash's first-request set-up in a thread,
    with nothing finishing it at start: a fresh worker answers the scripts a page loads while
    the set-up runs with 500 (tests: first_requests_are_scripts)."""
    source, web = project.source, project.web
    served = source.entry
    if web is None or served.wrapper or not BACKENDS[source.backend].setup_in_thread:
        return
    if "before_serving" in served.file.text or "before_serving" in source.text or _worker_count(web) < 2:
        return
    app, server = served.app_name, served.server_name or f"{served.app_name}.server"
    yield SETUP_RACE.finding(
        project.shown(served.path), served.app_line,
        f"{source.serving.label} runs Dash's first-request set-up in a thread, so with several workers a fresh "
        "worker answers the scripts a page loads meanwhile with 500 (Dash 4.4).",
        f"Make each worker's first request when it starts: @{server}.before_serving, then `async def "
        f"finish_dash_setup(): await {server}.test_client().get({app}.config.routes_pathname_prefix)`.",
    )  # fmt: skip


def _worker_count(web) -> int:
    """The Procfile's --workers, `${WEB_CONCURRENCY:-2}` counting as its default; 2 when it
    cannot be told, as several workers are what the platform may start."""
    option = web.option("--workers", "-w")
    count = option.value if option else "1"
    default = re.fullmatch(r"\$\{\w+:-(\d+)\}", count or "")
    count = default.group(1) if default else count
    return int(count) if count and count.isdigit() else 2
