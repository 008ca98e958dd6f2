"""An existing app, read from its source (never imported or run): the module that creates the
Dash app, its backend, server variable, prefix variable, routes and main block."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import NamedTuple

from dashgen.backends import ASGI_WRAPPERS, BACKENDS, PREFIX_ENV, Backend
from dashgen.errors import Refused
from dashgen.nodes import nodes
from dashgen.reading import PythonFile, read_python

# Paths Dash serves itself below its routes prefix.
# Dash and the subclasses of it apps are built with: dash-extensions' DashProxy (and its Dash),
# JupyterDash. Each is a Dash app with Dash's server, routes and prefixes.
DASH_CLASSES = (
    "dash.Dash",
    "dash.dash.Dash",
    "dash_extensions.enrich.DashProxy",
    "dash_extensions.enrich.Dash",
    "jupyter_dash.JupyterDash",
)
DASH_OWN_PATHS = ("/_dash-", "/_reload-hash", "/_favicon.ico", "/assets/", "/_alive_")
ROUTE_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
_REGISTRATIONS = ("route", "api_route", "websocket", "add_url_rule", "add_api_route", "mount")


class Route(NamedTuple):
    """A custom route found on the server, its path as seen below the prefix."""

    path: str  # "/api/items/{item_id}" or "/api/items/<int:item_id>"
    methods: tuple[str, ...]  # ("GET",), ("POST",) or ("WEBSOCKET",)
    prefixed: bool  # registered below DASH_ROUTES_PATHNAME_PREFIX
    function: str
    line: int  # the first decorator's line
    end_line: int

    @property
    def shape(self) -> str:
        """The path with every parameter reduced to {}: how two spellings are compared."""
        return re.sub(r"\{[^}]*\}|<[^>]*>", "{}", self.path)


class ServedModule(NamedTuple):
    """The module the platform imports: the one that creates the app, or the import root that
    completes it (`from server import app`, then `app.layout = ...`)."""

    file: PythonFile
    dotted: str  # its import name from the folder the server imports from
    app_dir: str  # that folder, relative to the project root ("" for the root itself)
    app_name: str  # the Dash app's name in it
    app_line: int  # the last line after which the app (and a server variable) exists in it
    server_name: str | None  # the name bound in it to the app's server, if any

    @property
    def path(self) -> Path:
        return self.file.path

    wrapper: str = ""  # the ASGI class (ASGI_WRAPPERS' key) whose app mounts Dash's Flask server

    @property
    def importable(self) -> bool:
        """Whether an import statement can name it: `my-app.py` and `my.app.py` cannot."""
        stem = self.path.parent.name if self.path.name == "__init__.py" else self.path.stem
        return stem.isidentifier() and all(part.isidentifier() for part in self.dotted.split("."))

    @property
    def loadable(self) -> bool:
        """Whether a server can load it by name: gunicorn, uvicorn and celery use
        importlib.import_module, which takes `68_charts` and `dash-chat` as well; a dot in the
        file's name (`my.app.py`) names a package instead, and `:` ends the module's name."""
        stem = self.path.parent.name if self.path.name == "__init__.py" else self.path.stem
        return bool(stem) and not any(character in stem for character in ".: \t") and all(self.dotted.split("."))


class AppSource(NamedTuple):
    """The module that creates the Dash app, as read: the app, its server and its prefix."""

    path: Path
    text: str
    tree: ast.Module
    backend: str
    evidence: str  # where the backend was read from, for the user
    app_name: str
    app_line: int  # the last line of the statement creating the app
    server_expression: str  # "server", "api", or "app.server"
    server_line: int  # the last line of the statement after which the server exists
    prefix_name: str | None  # the variable holding DASH_ROUTES_PATHNAME_PREFIX, if any
    prefix_line: int  # the last line of its assignment (0 when there is none)
    dash_mount: Route | None  # Dash's own routes_pathname_prefix, when it sets one
    routes: tuple[Route, ...]
    registrations_end: int  # the last line of the last statement registering a route
    main_line: int | None  # the `if __name__ == "__main__":` line
    async_callbacks: bool  # some callback is `async def`
    import_time_runs: tuple[tuple[int, str], ...]  # (line, call) of app.run(...) outside __main__
    call: ast.Call  # the Dash(...) call creating the app, here or in the factory that makes it
    call_path: Path | None  # the module that call is in, when it is another one (an imported factory)
    # The module's app factory the server calls (`gunicorn 'app:create_app()'`, `uvicorn --factory`)
    # when the app exists only inside it, and what it returns: "server" or "app" (the Dash object).
    factory: str = ""
    factory_returns: str = ""
    encoding: str = "utf-8"  # how the module is written back (PEP 263)
    root: Path | None = None  # the project: the folder holding Procfile / requirements.txt
    served: ServedModule | None = None  # what the platform imports, when not this module
    notes: tuple[str, ...] = ()  # how the project was read, for the user

    @property
    def project_root(self) -> Path:
        return self.root or self.path.parent

    @property
    def call_file(self) -> Path:
        """The module the Dash(...) call is in: where its keywords' lines are, and where Dash
        finds the pages folder and assets from."""
        return self.call_path or self.path

    @property
    def entry(self) -> ServedModule:
        if self.served is not None:
            return self.served
        file = PythonFile(self.path, self.text, self.encoding, self.tree)
        return ServedModule(file, self.path.stem, "", self.app_name, self.app_line, self.own_server_name)

    @property
    def serving(self) -> Backend:
        """How the platform serves the app: its backend's row, or the ASGI app's that mounts it."""
        return ASGI_WRAPPERS.get(self.entry.wrapper) or BACKENDS[self.backend]

    @property
    def module(self) -> str:
        """The module the production server loads."""
        return self.entry.dotted

    @property
    def dash_base(self) -> str:
        """Where Dash's routes start, below the prefix."""
        return self.dash_mount.path if self.dash_mount else "/"

    def dash_collision(self, path: str) -> str | None:
        """What of Dash's a custom route at `path` would shadow or be shadowed by, if anything."""
        base = self.dash_base
        if not path.startswith(base):
            return None
        if path == base:
            return f"Dash's page (Dash serves {base})"
        if base != "/" or ("/" + path[len(base) :]).startswith(DASH_OWN_PATHS):
            return f"Dash's own routes (Dash serves {base})"
        return None

    @property
    def own_server_name(self) -> str | None:
        return None if "." in self.server_expression else self.server_expression

    @property
    def server_name(self) -> str | None:
        """The server's name in the served module."""
        return self.entry.server_name


def read_app(path: Path | PythonFile, project_module=None, called: str | None = None) -> AppSource:
    """Describe the Dash app in `path` from its syntax tree. `project_module(dotted)`, when given,
    is the syntax tree of one of the project's modules (or None): a server imported from it
    (`from server import server`), or an app factory imported from it, is read there. `called`
    is the function the server calls (`app:create_app()`), when it names one."""
    file = path if isinstance(path, PythonFile) else read_python(path)
    path, text, tree = file.path, file.text, file.tree
    names = _import_aliases(tree)
    created = _dash_creation(tree, names, project_module)
    factory = None if created else _served_factory(path, tree, names, called, project_module)
    bound = _bound_call(tree, factory.name) if factory is not None and factory.server is not None else None
    if factory is not None:
        created = factory.statement, factory.app_name, factory.call, factory.call_path
    if created is None:
        raise Refused(f"{path} does not create a Dash app at module level (app = Dash(...)): pass the right --app.")
    app_statement, app_name, call, call_path = created
    if factory is not None and factory.server is not None:
        backend, evidence = factory.server
        # `server = create_app()` at module level: that server is what is served.
        server_expression, server_line = bound or ("", 0)
    else:
        backend, evidence, server_expression, server_line = _backend_and_server(
            tree, names, app_statement, app_name, call, project_module
        )
    if bound is not None:
        factory = None
    elif factory is not None:
        # What exists at module level is the factory: the server is what calling it returns.
        server_expression, server_line = f"{factory.name}()", factory.end_line
    prefix_name, prefix_line = _prefix_variable(tree, names)
    prefix_names = {prefix_name} if prefix_name else set()
    server_expressions = {server_expression, f"{app_name}.server"}
    routes, registrations_end = _routes(tree, server_expressions, prefix_names)
    # url_base_pathname sets the routes prefix too.
    mount = _keyword(call, "routes_pathname_prefix") or _keyword(call, "url_base_pathname")
    dash_mount = None
    if mount is not None:
        found = _route_path(mount, prefix_names)
        if found is not None:
            dash_mount = Route(found[0], ("GET",), found[1], "", mount.lineno, mount.end_lineno or mount.lineno)
    return AppSource(
        path=path,
        text=text,
        tree=tree,
        backend=backend,
        evidence=evidence,
        app_name=app_name,
        app_line=app_statement.end_lineno or app_statement.lineno,
        server_expression=server_expression,
        server_line=server_line,
        prefix_name=prefix_name,
        prefix_line=prefix_line,
        dash_mount=dash_mount,
        routes=tuple(routes),
        registrations_end=registrations_end,
        main_line=_main_block_line(tree),
        async_callbacks=_has_async_callbacks(tree),
        import_time_runs=_import_time_runs(tree, app_name),
        call=call,
        call_path=call_path,
        factory=factory.name if factory else "",
        factory_returns=factory.returns if factory else "",
        encoding=file.encoding,
    )


def _bound_call(tree: ast.Module, function: str) -> tuple[str, int] | None:
    """(name, last line) of the module-level `name = function()`, if there is one."""
    for statement in tree.body:
        assigned = _assignment(statement)
        value = assigned[1] if assigned else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == function:
            return assigned[0], statement.end_lineno or statement.lineno
    return None


def _served_factory(path: Path, tree: ast.Module, names: dict[str, str], called: str | None, project_module=None):
    """The app factory the server calls, when the module creates its app only inside one: the
    one `called` names, else the module's only factory."""
    factories = {**_dash_factories(tree), **_server_factories(tree, names, project_module)}
    if called is not None:
        return factories.get(called)
    factories = {name: factory for name, factory in factories.items() if not factory.parameters}
    if len(factories) > 1:
        spelled = ", ".join(f"{name}()" for name in factories)
        raise Refused(
            f"{path.name} builds a Dash app in each of {spelled}: name the one the server calls in the Procfile "
            f"(web: gunicorn '{path.stem}:{next(iter(factories))}()')."
        )
    return next(iter(factories.values()), None)


# Statements whose bodies run when the module is imported.
_BLOCKS = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While, getattr(ast, "TryStar", ast.Try))


def _module_level(statements: list[ast.stmt]):
    """Every statement that runs at import time, in `if`/`try`/`with` blocks too, but not the
    bodies of functions and classes: what a large app has most of is never walked."""
    for statement in statements:
        yield statement
        if not isinstance(statement, _BLOCKS):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _module_level(getattr(statement, field, []))
        for handler in getattr(statement, "handlers", []):
            yield from _module_level(handler.body)


def creates_dash(tree: ast.Module, project_module=None) -> bool:
    """Whether the module creates a Dash app at module level (itself or through a factory of the
    project's), or defines the app factory a server calls."""
    names = _import_aliases(tree)
    if _dash_creation(tree, names, project_module) is not None:
        return True
    factories = [*_dash_factories(tree).values(), *_server_factories(tree, names, project_module).values()]
    return any(not factory.parameters for factory in factories)


def factories_with_parameters(tree: ast.Module) -> list[str]:
    """`make_app(server)` for each function creating a Dash app that a server cannot call as it is."""
    factories = _dash_factories(tree).values()
    return [f"{factory.name}({', '.join(factory.parameters)})" for factory in factories if factory.parameters]


# Finding the app and reading it ask for the same module's imports; a tree is keyed by identity.
@functools.lru_cache(maxsize=16)
def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name, from every import that runs at import time; a class the
    module derives from a Dash class is `dash.Dash` (what it creates is a Dash app)."""
    names = dict(pair for node in _module_level(tree.body) for pair in _aliases(node))
    for node in _module_level(tree.body):
        if isinstance(node, ast.ClassDef) and any(_dotted(base, names) in DASH_CLASSES for base in node.bases):
            names[node.name] = "dash.Dash"
    return names


def _aliases(node: ast.AST) -> list[tuple[str, str]]:
    """(local name, dotted name) of what an import statement binds; none for other statements."""
    if isinstance(node, ast.Import):
        return [
            (alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0])
            for alias in node.names
        ]
    if isinstance(node, ast.ImportFrom) and node.module and node.level <= 1:
        # `from .main import x` is ".main.x": a module beside this one, never a library's.
        relative = "." if node.level else ""
        return [(alias.asname or alias.name, f"{relative}{node.module}.{alias.name}") for alias in node.names]
    return []


def _dotted(node: ast.AST, names: dict[str, str]) -> str:
    if isinstance(node, ast.Name):
        return names.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value, names)}.{node.attr}"
    return ""


def _is_dash_class(node: ast.AST, names: dict[str, str]) -> bool:
    return _dotted(node, names) in DASH_CLASSES


def _assignment(statement: ast.stmt) -> tuple[str, ast.expr] | None:
    """(name, value) of a module-level `name = value` or `name: T = value`."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target, value = statement.targets[0], statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return None
    return (target.id, value) if isinstance(target, ast.Name) else None


class Factory(NamedTuple):
    """A module-level function that creates a Dash app and returns it or its server."""

    name: str
    statement: ast.stmt  # the `app = Dash(...)` in its body
    app_name: str  # the app's name in its body
    call: ast.Call
    returns: str  # "app" or "server"
    end_line: int  # the function's last line
    parameters: tuple[str, ...]  # those without a default: a server calling it passes none
    # (backend, evidence) when the function makes the server itself and puts a Dash app of
    # another factory on it (`server = Flask(...)`, `init_dashboard(server)`, `return server`).
    server: tuple[str, str] | None = None
    call_path: Path | None = None  # the module the Dash(...) call is in, when not this one


def _dash_creation(tree: ast.Module, names: dict[str, str], project_module=None):
    """The statement creating the app that is in effect when the import ends (the last one):
    `app = Dash(...)`, or `app = make_app(...)` where make_app, the module's own or imported from
    one of the project's modules, returns a Dash(...)."""
    factories = _dash_factories(tree)
    found = None
    for statement in tree.body:
        assigned = _assignment(statement)
        if not assigned or not isinstance(assigned[1], ast.Call):
            continue
        function = assigned[1].func
        if _is_dash_class(function, names):
            found = statement, assigned[0], assigned[1], None
        elif (factory := _factory_called(function, names, factories, project_module)) is not None:
            found = statement, assigned[0], factory.call, factory.call_path
    return found


def _factory_called(function: ast.expr, names: dict[str, str], factories: dict[str, Factory], project_module):
    """The factory returning a Dash app that `function` names, if it is one."""
    factory = _factory_named(function, names, factories, project_module)
    return factory if factory is not None and factory.returns == "app" else None


def _factory_named(function: ast.expr, names: dict[str, str], factories: dict[str, Factory], project_module):
    """The Dash factory `function` names: the module's own, or one imported from the project."""
    if not isinstance(function, ast.Name):
        return None
    factory = factories.get(function.id)
    imported = names.get(function.id, "").lstrip(".")
    if factory is None and "." in imported and project_module is not None:
        module, _, name = imported.rpartition(".")
        other = project_module(module)
        found = _dash_factories(other.tree).get(name) if other is not None else None
        factory = found._replace(call_path=other.path) if found is not None and found.call_path is None else found
    return factory


def _server_factories(tree: ast.Module, names: dict[str, str], project_module) -> dict[str, Factory]:
    """Module-level functions that make a server, call a Dash factory of the project that puts
    the app on it, and return the server: `create_app()` with `init_dashboard(server)`."""
    dash_factories = _dash_factories(tree)
    found = {}
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef) or statement.name in dash_factories:
            continue
        servers, dash = {}, None
        # The Dash factory is often imported inside it (`with server.app_context(): from .dashboard import ...`).
        local = {**names, **dict(pair for node in ast.walk(statement) for pair in _aliases(node))}
        for node in ast.walk(statement):
            assigned = _assignment(node) if isinstance(node, ast.stmt) else None
            if assigned and (backend := _server_backend(assigned[1], local)):
                servers[assigned[0]] = backend, node.lineno
            elif isinstance(node, ast.Call) and dash is None:
                factory = _factory_named(node.func, local, dash_factories, project_module)
                dash = (node, factory) if factory is not None else None
        returned = [
            node.value.id
            for node in statement.body
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name)
        ]
        if dash is None or not returned or returned[-1] not in servers:
            continue
        (call, factory), (backend, line) = dash, servers[returned[-1]]
        label = BACKENDS[backend].server_class
        evidence = f"{statement.name}() returns the {label}() of line {line}, with the app of {factory.name}() on it"
        found[statement.name] = Factory(
            statement.name, call, factory.app_name, factory.call, "server", statement.end_lineno or statement.lineno,
            _required_parameters(statement.args), (backend, evidence), factory.call_path,
        )  # fmt: skip
    return found


# Finding the app and reading it ask for it up to five times per module, each a walk of every
# function's body (60 ms on a 54,000-line app); the answer is never changed.
@functools.lru_cache(maxsize=16)
def _dash_factories(tree: ast.Module) -> dict[str, Factory]:
    """Module-level functions that create a Dash app and return it or its server, by name."""
    names = _import_aliases(tree)
    factories = {}
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef):
            continue
        created: dict[str, ast.stmt] = {}
        for node in statement.body:
            assigned = _assignment(node)
            if assigned and isinstance(assigned[1], ast.Call) and _is_dash_class(assigned[1].func, names):
                created[assigned[0]] = node
            elif isinstance(node, ast.Return) and node.value is not None:
                returned = _dotted(node.value, {})
                app_name = returned.removesuffix(".server")
                if app_name in created:
                    factories[statement.name] = Factory(
                        statement.name, created[app_name], app_name, created[app_name].value,
                        "app" if returned == app_name else "server", statement.end_lineno or statement.lineno,
                        _required_parameters(statement.args),
                    )  # fmt: skip
    return factories


def _required_parameters(arguments: ast.arguments) -> tuple[str, ...]:
    positional = [*arguments.posonlyargs, *arguments.args]
    required = positional[: len(positional) - len(arguments.defaults)]
    keyword_only = [
        arg for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if default is None
    ]
    return tuple(arg.arg for arg in [*required, *keyword_only])


def asgi_wrapper(tree: ast.Module, app_name: str, server_name: str | None) -> tuple[str, str] | None:
    """(variable, class) of a module-level ASGI app that mounts the Dash app's Flask server with
    WSGIMiddleware, when the module has one."""
    names = _import_aliases(tree)
    apps = {}
    for statement in tree.body:
        assigned = _assignment(statement)
        if assigned and isinstance(assigned[1], ast.Call) and _dotted(assigned[1].func, names) in ASGI_WRAPPERS:
            apps[assigned[0]] = _dotted(assigned[1].func, names)
    served = {f"{app_name}.server", *([server_name] if server_name else [])}
    for statement in tree.body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "mount"):
            continue
        owner = _dotted(call.func.value, {})
        for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
            if (
                owner in apps
                and isinstance(argument, ast.Call)
                and _dotted(argument.func, names).endswith("WSGIMiddleware")
                and argument.args
                and _dotted(argument.args[0], {}) in served
            ):
                return owner, apps[owner]
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _server_backend(call: ast.AST, names: dict[str, str]) -> str | None:
    if not isinstance(call, ast.Call):
        return None
    classes = {f"{b.server_module}.{b.server_class}": b.name for b in BACKENDS.values()}
    return classes.get(_dotted(call.func, names))


def _backend_and_server(tree, names, app_statement, app_name, call, project_module=None):
    line = app_statement.lineno
    server = _keyword(call, "server")
    imported = names.get(server.id, "").lstrip(".") if isinstance(server, ast.Name) else ""
    if "." in imported and project_module is not None:
        module, _, variable = imported.rpartition(".")
        other = project_module(module)
        for statement in other.tree.body if other is not None else []:
            assigned = _assignment(statement)
            if (
                assigned
                and assigned[0] == variable
                and (backend := _server_backend(assigned[1], _import_aliases(other.tree)))
            ):
                evidence = (
                    f"server={server.id}, a {BACKENDS[backend].server_class}() imported from {module} "
                    f"(line {statement.lineno} there)"
                )
                return backend, evidence, server.id, app_statement.end_lineno
    if isinstance(server, ast.Name):
        for statement in tree.body:
            assigned = _assignment(statement)
            if assigned and assigned[0] == server.id:
                backend = _server_backend(assigned[1], names)
                if backend:
                    evidence = f"server={server.id}, a {BACKENDS[backend].server_class}() on line {statement.lineno}"
                    return backend, evidence, server.id, statement.end_lineno
        for node in nodes(tree, ast.Assign, ast.AnnAssign):  # made inside a factory function: app.server only
            assigned = _assignment(node)
            if assigned and assigned[0] == server.id and (backend := _server_backend(assigned[1], names)):
                evidence = f"server={server.id}, a {BACKENDS[backend].server_class}() on line {node.lineno}"
                return backend, evidence, f"{app_name}.server", app_statement.end_lineno
        raise Refused(
            f"Cannot tell which server {server.id!r} (Dash(server=...) on line {line}) is: "
            "create it with Flask(...), FastAPI() or Quart(...) in the same module."
        )
    if isinstance(server, ast.Call):
        backend = _server_backend(server, names)
        if backend is None:
            raise Refused(
                f"Cannot tell which server Dash(server=...) on line {line} is: pass a Flask, FastAPI or Quart object."
            )
        evidence = f"server={BACKENDS[backend].server_class}() on line {line}"
    else:
        chosen = _keyword(call, "backend")
        if isinstance(chosen, ast.Constant) and chosen.value in BACKENDS:
            backend, evidence = chosen.value, f'Dash(backend="{chosen.value}") on line {line}'
        elif chosen is None:
            backend, evidence = "flask", f"Dash() without a backend on line {line} (Flask, Dash's default)"
        else:
            raise Refused(f"Cannot tell the backend of Dash(backend=...) on line {line}: write it as a string.")
    app_server = f"{app_name}.server"
    for statement in tree.body:
        assigned = _assignment(statement)
        if assigned and _dotted(assigned[1], {}) == app_server and statement.lineno > line:
            return backend, evidence, assigned[0], statement.end_lineno
    return backend, evidence, app_server, app_statement.end_lineno


def _prefix_variable(tree: ast.Module, names: dict[str, str]) -> tuple[str | None, int]:
    """The variable holding the routes prefix, reused only when it is exactly the prefix with
    Dash's own default: `os.environ.get(PREFIX_ENV, "/")` or `os.getenv(PREFIX_ENV, "/")`.
    Anything else (no default, `.strip()`, a value composed from it) can hold None or a path
    without its slashes, and a route built on it would not be where Dash serves."""
    for statement in tree.body:
        assigned = _assignment(statement)
        if assigned and _reads_prefix(assigned[1], names):
            return assigned[0], statement.end_lineno or statement.lineno
    return None, 0


def _reads_prefix(value: ast.expr, names: dict[str, str]) -> bool:
    if not isinstance(value, ast.Call) or _dotted(value.func, names) not in ("os.environ.get", "os.getenv"):
        return False
    arguments = [*value.args, *(keyword.value for keyword in value.keywords if keyword.arg == "default")]
    return (
        len(arguments) == 2
        and len(value.keywords) == len(arguments) - len(value.args)
        and all(isinstance(argument, ast.Constant) for argument in arguments)
        and [argument.value for argument in arguments] == [PREFIX_ENV, "/"]
    )


def _route_path(node: ast.expr, prefix_names: set[str]) -> tuple[str, bool] | None:
    """(path below the prefix, whether the prefix is included) of a route's path expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    lead, rest = None, None
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.FormattedValue):
        lead = node.values[0].value
        parts = node.values[1:]
        if all(isinstance(part, ast.Constant) for part in parts):
            rest = "".join(part.value for part in parts)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.right, ast.Constant):
        lead, rest = node.left, node.right.value
    elif isinstance(node, ast.Name):
        lead, rest = node, ""
    if isinstance(lead, ast.Name) and isinstance(rest, str):
        prefixed = lead.id in prefix_names
        return "/" + rest.lstrip("/"), prefixed
    return None


def _routes(tree: ast.Module, servers: set[str], prefix_names: set[str]) -> tuple[list[Route], int]:
    routes: list[Route] = []
    last = 0
    for statement in tree.body:
        calls = []
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            calls = [(d, statement.name) for d in statement.decorator_list if isinstance(d, ast.Call)]
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            calls = [(statement.value, "")]
        for call, function in calls:
            registration = _registration(call, servers)
            if registration is None:
                continue
            last = statement.end_lineno or statement.lineno
            path_node = call.args[0] if call.args else _keyword(call, "path") or _keyword(call, "rule")
            found = _route_path(path_node, prefix_names) if path_node is not None else None
            if found is None:
                continue
            first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", []))])
            routes.append(Route(found[0], _methods(call, registration), found[1], function, first, last))
    return routes, last


def _registration(call: ast.Call, servers: set[str]) -> str | None:
    if not isinstance(call.func, ast.Attribute):
        return None
    attribute = call.func.attr
    if attribute not in ROUTE_METHODS + _REGISTRATIONS:
        return None
    return attribute if _dotted(call.func.value, {}) in servers else None


def _methods(call: ast.Call, registration: str) -> tuple[str, ...]:
    if registration in ROUTE_METHODS:
        return (registration.upper(),)
    if registration == "websocket":
        return ("WEBSOCKET",)
    if registration == "mount":
        return ("MOUNT",)
    methods = _keyword(call, "methods")
    if isinstance(methods, (ast.List, ast.Tuple, ast.Set)):
        return tuple(str(item.value).upper() for item in methods.elts if isinstance(item, ast.Constant))
    return ("GET",)


def _main_block_line(tree: ast.Module) -> int | None:
    for statement in tree.body:
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            return statement.lineno
    return None


def _is_main_test(test: ast.expr) -> bool:
    """`__name__ == "__main__"`, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [side for side in sides if isinstance(side, ast.Name) and side.id == "__name__"]
    mains = [side for side in sides if isinstance(side, ast.Constant) and side.value == "__main__"]
    return len(names) == 1 and len(mains) == 1


def _has_async_callbacks(tree: ast.Module) -> bool:
    return any(
        isinstance(statement, ast.AsyncFunctionDef)
        and any(
            isinstance(decorator, ast.Call) and _dotted(decorator.func, {}).split(".")[-1] == "callback"
            for decorator in statement.decorator_list
        )
        for statement in tree.body
    )


def _import_time_runs(tree: ast.Module, app_name: str) -> tuple[tuple[int, str], ...]:
    """`app.run(...)` calls at module level outside `if __name__ == "__main__":`."""
    runs = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, ast.If) and _is_main_test(statement.test):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("run", "run_server")
                and _dotted(node.func.value, {}) == app_name
            ):
                runs.append((node.lineno, _call_text(node)))
    return tuple(runs)


def _call_text(node: ast.Call) -> str:
    """`app.run(...)` with its keyword names, without unparsing arbitrary user expressions."""
    keywords = ", ".join(f"{keyword.arg}=" + _short(keyword.value) for keyword in node.keywords if keyword.arg)
    return f"{_dotted(node.func, {})}({keywords})"


def _short(value: ast.expr) -> str:
    if isinstance(value, ast.Constant) and len(repr(value.value)) < 40:
        return repr(value.value)
    return "..."


def dash_call(source: AppSource) -> ast.Call:
    """The `Dash(...)` call that creates the app (at module level or in a factory function)."""
    return source.call
