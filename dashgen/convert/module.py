"""The edits that move one module onto the backend."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from dashgen.convert import extensions, fastapi, session
from dashgen.convert.flask_code import (
    CACHE_DECORATORS,
    FASTAPI_REFUSED,
    HOOKS,
    OLD_COMPONENTS,
    REFUSED_IMPORTS,
    REFUSED_NAMES,
    ROUTE_REGISTRATIONS,
    SERVER_ATTRIBUTE_BLOCKERS,
    SERVER_ATTRIBUTES,
    SERVER_CONSUMERS,
    Blocker,
    blocker_for_import,
)
from dashgen.convert.names import FLASK, Edit, aliases, end_of, own_nodes
from dashgen.convert.quart import awaits, response_bodies, session_vary
from dashgen.edits import Spans, bound_names, ensure_import, python_lines
from dashgen.nodes import nodes
from dashgen.reading import PythonFile
from dashgen.source import dash_call

if TYPE_CHECKING:
    from dashgen.convert.modules import Modules


class ModuleEdit:
    """The edits that move one module onto the backend, and what blocks them."""

    def __init__(self, modules: Modules, file: PythonFile) -> None:
        self.modules = modules
        self.backend = modules.backend
        self.file = file
        self.tree = file.tree
        self.names = modules.names[file.path]
        self.shown = modules.project.shown(file.path)
        self.spans = Spans(file.text)
        self.lines, self.starts = self.spans.lines, self.spans.starts
        self.edits: list[Edit] = []
        self.notes: list[tuple[int, str]] = []
        self.blockers: list[Blocker] = []
        self.imports_left: set[str] = set()
        self.imports_added: list[tuple[str, str | None]] = []  # (module, name): put where isort would
        # Calls that give the server to an extension this module maps: `LoginManager(server)`.
        self.server_calls: set[ast.Call] = set()
        # flask_login's LoginManager objects and login_required decorator, as the module names them.
        self.login_managers: set[str] = set()
        self.login_decorators: set[str] = set()
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.servers = self.names.server_expressions()
        self.aliases = aliases(self.tree)
        # Names bound to what a Flask-Caching Cache(...) call makes: `cache.init_app(server)`.
        self.caches: set[str] = set()
        self.caches = {
            target.id
            for node in nodes(self.tree, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
            and isinstance(node.value, ast.Call)
            and self.called(node.value.func) == SERVER_CONSUMERS[0]
        }

    # --- positions ---

    def offset(self, line: int, column: int) -> int:
        return self.spans.offset(line, column)

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.spans.span(node)

    def replace_node(self, node: ast.AST, text: str) -> None:
        self.edits.append(Edit(*self.span(node), text))

    def block(self, node: ast.AST, what: str, how: str) -> None:
        self.blockers.append(Blocker(self.shown, getattr(node, "lineno", 0), what, how))

    def text(self) -> str:
        text = self._spliced()
        for module, name in self.imports_added:
            text = ensure_import(text, module, name)
        return text

    def _spliced(self) -> str:
        text = self.file.text
        last = len(text) + 1
        for edit in sorted(self.edits, key=lambda edit: (edit.start, edit.end), reverse=True):
            if edit.end > last:
                raise AssertionError(f"overlapping edits in {self.shown}")  # a bug, never a user's file
            text = text[: edit.start] + edit.text + text[edit.end :]
            last = edit.start
        return text

    # --- the conversion ---

    def run(self) -> list[Blocker]:
        self._imports()
        self._flask_class()
        if self.modules.project.source.backend == self.backend.name:
            # The server is the backend's already: its routes and uses are its own, not Flask's.
            return self.blockers
        self._server_uses()
        extensions.private_cache_apps(self)
        extensions.app_handed_to_packages(self)
        awaiting = self._views()
        if self.backend.flask_api:  # Quart's coroutines; onto FastAPI each read was mapped or blocked
            awaits(self, awaiting)
            response_bodies(self, awaiting)
            session_vary(self)
        if self.file.path == self.modules.project.source.path:
            self._dash_call()
        return self.blockers

    def _imports(self) -> None:
        backend = self.backend
        for node in nodes(self.tree, ast.Import, ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            if extensions.handles_import(self, node):
                continue
            modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            top = {module.split(".")[0] for module in modules}
            found = next(
                (
                    found
                    for module in modules
                    if (found := blocker_for_import(module, backend.flask_api, backend.label))
                ),
                None,
            )
            if found is not None and fastapi.flask_import(self, node):
                continue
            if found is not None:
                self.block(node, *found)
                self.imports_left |= top
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OLD_COMPONENTS:
                self._old_components_from(node)
            elif isinstance(node, ast.Import) and any(alias.name in OLD_COMPONENTS for alias in node.names):
                self._old_components_import(node)
            elif isinstance(node, ast.ImportFrom) and node.module == FLASK.server_module:
                self._from_flask(node)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{FLASK.server_module}."):
                self.block(node, f"`from {node.module} import ...`, a module of Flask's own", REFUSED_IMPORTS["flask."])
            elif isinstance(node, ast.Import) and FLASK.server_module in {alias.name for alias in node.names}:
                self._import_flask(node)
            else:
                self.imports_left |= top
        self.imports_left.add(backend.server_module)

    def drop_statement(self, node: ast.stmt, why: str) -> None:
        start, end = self.starts[node.lineno - 1], self.starts[node.end_lineno]
        self.edits.append(Edit(start, end, ""))
        self.notes.append((node.lineno, f"removed `{self.as_written(node)}`: {why}"))

    def as_written(self, node: ast.stmt) -> str:
        """The statement as the user wrote it, where the module is converted from another form
        of it (fastapi.from_imports)."""
        original = self.modules.originals[self.file.path]
        if original == self.file.text:
            return ast.unparse(node)
        return " ".join(line.strip() for line in python_lines(original)[node.lineno - 1 : node.end_lineno])

    def _old_components_import(self, node: ast.Import) -> None:
        if len(node.names) != 1 or "." in node.names[0].name:
            self.block(node, "an import of several old Dash component packages", REFUSED_IMPORTS["components"])
            return
        alias = node.names[0]
        new = OLD_COMPONENTS[alias.name]
        local = alias.asname or alias.name
        self.replace_node(node, f"from dash import {new}" + ("" if local == new else f" as {local}"))
        self.notes.append((node.lineno, f"`{alias.name}` is part of Dash since 2.0 and no longer installs: from dash"))

    def _old_components_from(self, node: ast.ImportFrom) -> None:
        start = self.offset(node.lineno, node.col_offset)
        package = node.module.split(".")[0]
        match = re.compile(r"from\s+(" + re.escape(package) + r")\b").match(self.file.text, start)
        if match is None:
            self.block(node, "an import dashgen cannot read", REFUSED_IMPORTS["components"])
            return
        self.edits.append(Edit(match.start(1), match.end(1), f"dash.{OLD_COMPONENTS[package]}"))
        self.notes.append((node.lineno, f"`{node.module}` is part of Dash since 2.0 and no longer installs"))

    def _from_flask(self, node: ast.ImportFrom) -> None:
        backend = self.backend
        for alias in node.names:
            if alias.name == "*":
                self.block(node, "`from flask import *`", "name what the module uses from flask, then run this again")
                return
            if alias.name in REFUSED_NAMES:
                self.block(node, f"flask.{alias.name}", REFUSED_NAMES[alias.name])
        start = self.offset(node.lineno, node.col_offset)
        match = re.compile(r"from\s+(flask)\b").match(self.file.text, start)
        if match is None:
            self.block(node, "an import of flask dashgen cannot read", "write it as `from flask import ...`")
            return
        self.edits.append(Edit(match.start(1), match.end(1), backend.server_module))
        for alias in node.names:
            if alias.name == FLASK.server_class:
                name_end = self.offset(alias.lineno, alias.col_offset) + len(alias.name)
                self.edits.append(Edit(self.offset(alias.lineno, alias.col_offset), name_end, backend.server_class))
        names = ", ".join(
            backend.server_class if alias.name == FLASK.server_class else alias.name for alias in node.names
        )
        self.notes.append((node.lineno, f"{names} from {backend.server_module}, {backend.label}'s own"))

    def _import_flask(self, node: ast.Import) -> None:
        if len(node.names) != 1:
            self.block(node, "`import flask` beside other modules", "give `import flask` a line of its own")
            return
        alias = node.names[0]
        start = self.offset(alias.lineno, alias.col_offset)
        self.edits.append(Edit(start, start + len(alias.name), self.backend.server_module))
        self.notes.append((node.lineno, f"import {self.backend.server_module}: {self.backend.label} in place of Flask"))
        if alias.asname:
            return
        for name in nodes(self.tree, ast.Name):
            if name.id != FLASK.server_module:
                continue
            parent = self.parents.get(name)
            if not isinstance(parent, ast.Attribute):
                self.block(name, "`flask` used as a module object", "use `flask.<name>` or `from flask import <name>`")
                continue
            if parent.attr == "session":
                continue  # quart.session_vary: _flask_session()
            self.replace_node(name, self.backend.server_module)
            if parent.attr in REFUSED_NAMES:
                self.block(parent, f"flask.{parent.attr}", REFUSED_NAMES[parent.attr])
            elif parent.attr == FLASK.server_class:
                end = self.offset(parent.end_lineno, parent.end_col_offset)
                self.edits.append(Edit(end - len(parent.attr), end, self.backend.server_class))

    def _flask_class(self) -> None:
        """`Flask` (from `from flask import Flask`) is called, and only called: `Flask(__name__)`."""
        local = next((local for local, name in self.names.flask_names.items() if name == FLASK.server_class), None)
        if local is None:
            return
        renamed = local == FLASK.server_class
        # Flask(__name__) given to Flask-Caching on FastAPI is a private app, never the server.
        private = extensions.private_flask
        uses = [name for name in nodes(self.tree, ast.Name) if name.id == local and not private(self, name)]
        if uses and renamed and self.backend.server_class in bound_names(self.tree):
            self.block(self.tree.body[0], f"the module binds {self.backend.server_class} already", "rename it")
            return
        for name in uses:
            parent = self.parents.get(name)
            if isinstance(parent, ast.ClassDef):
                self.block(name, f"class {parent.name}, a Flask subclass", REFUSED_NAMES["subclass"])
            elif not (isinstance(parent, ast.Call) and parent.func is name):
                self.block(name, "Flask used otherwise than called", "leave only `Flask(...)` calls, then run again")
            elif self.backend.route_style == "method":
                fastapi.server_call(self, parent)
            elif renamed:
                self.replace_node(name, self.backend.server_class)
                self.notes.append((name.lineno, f"{self.backend.server_class}(...): the same arguments as Flask(...)"))

    def _server_uses(self) -> None:
        """Every use of the server object is one the backend has as Flask has it; anything else
        (an extension given the server, its WSGI app, a test client) blocks the conversion."""
        for node in nodes(self.tree, ast.Name, ast.Attribute):
            if not self.is_server(node):
                continue
            parent = self.parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                if self._route_decorator(parent) and not self.backend.flask_api:
                    continue  # a route or a hook: fastapi.method_route / hook convert it or say why not
                if not self.backend.flask_api and self._unused_secret_key(parent):
                    self.drop_statement(self.parents[parent], "nothing here signs a Flask session with it, and "
                                        "FastAPI has none")  # fmt: skip
                elif not self.backend.flask_api and (keyed := session.secret_key_statement(self, parent)):
                    session.carry_secret_key(self, parent, keyed)
                elif not self.backend.flask_api and parent.attr in ("config", "secret_key"):
                    how = FASTAPI_REFUSED["config"]
                    self.block(parent, f"{ast.unparse(parent)}, Flask's config", how)
                elif not self.backend.flask_api and (app := self._dev_run(parent)):
                    self.replace_node(parent, f"{app}.run")
                    self.notes.append((parent.lineno, f"{app}.run(...): Dash runs its FastAPI server for `python "
                                       "file.py` as Flask's run did"))  # fmt: skip
                elif not self.backend.flask_api:
                    how = SERVER_ATTRIBUTE_BLOCKERS["no_flask_api"].format(label=self.backend.label)
                    self.block(parent, f"{ast.unparse(parent)}, Flask's server API", how)
                elif parent.attr in SERVER_ATTRIBUTE_BLOCKERS:
                    self.block(parent, f"{ast.unparse(parent)}", SERVER_ATTRIBUTE_BLOCKERS[parent.attr])
                elif parent.attr not in SERVER_ATTRIBUTES:
                    self.block(parent, f"{ast.unparse(parent)}, a use of the server dashgen cannot map",
                               SERVER_ATTRIBUTE_BLOCKERS["unknown"])  # fmt: skip
            elif not (
                isinstance(parent, ast.Call)
                and node in parent.args
                and self.called(parent.func) in SERVER_CONSUMERS
                or parent in self.server_calls
                or isinstance(parent, ast.keyword)
                and parent.arg == "server"
                or isinstance(parent, ast.Assign)
                and parent.value is node
                or isinstance(node, ast.Attribute)
                and self.is_server(parent)  # app.server inside app.server.route: the outer node is checked
            ):
                self.block(node, f"{ast.unparse(parent or node)[:60]}: the server handed to other code",
                           SERVER_ATTRIBUTE_BLOCKERS["passed"])  # fmt: skip

    def _dev_run(self, attribute: ast.Attribute) -> str | None:
        """The Dash app whose run() takes the place of `server.run(host=, port=, debug=)` called
        under `if __name__ == "__main__":` (the development server: a production server never
        runs it), or None."""
        call = self.parents.get(attribute)
        guard = self.parents.get(self.parents.get(call))
        apps = sorted(self.names.apps)
        if not (
            attribute.attr == "run"
            and isinstance(call, ast.Call)
            and call.func is attribute
            and len(call.args) <= 2
            and {keyword.arg for keyword in call.keywords} <= {"host", "port", "debug"}
            and isinstance(guard, ast.If)
            and guard in self.tree.body
            and ast.unparse(guard.test) in ("__name__ == '__main__'", '__name__ == "__main__"')
            and len(apps) == 1
        ):
            return None
        return apps[0]

    def _unused_secret_key(self, attribute: ast.Attribute) -> bool:
        """`server.secret_key = ...` at module level, of a value without side effects, in a
        project where nothing could sign with it: Flask reads it only for its session (and what
        builds on it: flash, flask_login, itsdangerous through current_app)."""
        statement = self.parents.get(attribute)
        if not (
            attribute.attr == "secret_key"
            and isinstance(statement, ast.Assign)
            and statement in self.tree.body
            and statement.targets == [attribute]
        ):
            return False
        value = statement.value
        plain = isinstance(value, ast.Constant) or ast.unparse(value).startswith(("os.environ.get(", "os.getenv("))
        return plain and not self.modules.signs_with_secret_key()

    def _route_decorator(self, attribute: ast.Attribute) -> bool:
        call = self.parents.get(attribute)
        function = self.parents.get(call)
        if attribute.attr == "add_url_rule" and isinstance(call, ast.Call) and call.func is attribute:
            return True  # converted with its view, or refused there
        if attribute.attr in HOOKS and isinstance(call, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return attribute in call.decorator_list  # `@server.before_request`, uncalled
        return (
            attribute.attr in (*ROUTE_REGISTRATIONS, *HOOKS)
            and isinstance(call, ast.Call)
            and call.func is attribute
            and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            and call in function.decorator_list
        )

    def called(self, func: ast.expr) -> str:
        """The dotted name of what a call calls, through the module's imports and caches."""
        if isinstance(func, ast.Name):
            return self.aliases.get(func.id, func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.caches:
            return f"{SERVER_CONSUMERS[0]}.{func.attr}"
        return ""

    def is_server(self, node: ast.AST | None) -> bool:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return False
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            return False
        servers = self.servers if not self.names.parameters else self.names.server_expressions(self.function_of(node))
        return ast.unparse(node) in servers

    def function_of(self, node: ast.AST) -> str | None:
        """The module-level function a node is in, None at module level."""
        while (parent := self.parents.get(node)) is not None and parent is not self.tree:
            node = parent
        return node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None

    def registration(self, decorator: ast.expr) -> str | None:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(func, ast.Attribute) and self.is_server(func.value):
            if func.attr in ROUTE_REGISTRATIONS:
                return "route"
            if func.attr in HOOKS:
                return "hook"
        return None

    def _views(self) -> dict[ast.AST, str]:
        """The functions the server calls (routes and hooks), made ready to await: routes are
        `async def`, hooks become so when they await. Returns each one with its kind."""
        module_level = {id(statement) for statement in self.tree.body}
        functions = {
            node.name: node for node in self.tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        views: dict[ast.AST, str] = {}
        for function in nodes(self.tree, ast.FunctionDef, ast.AsyncFunctionDef):
            kinds = {kind for decorator in function.decorator_list if (kind := self.registration(decorator))}
            if not kinds:
                continue
            if id(function) not in module_level:
                self.block(function, f"{function.name}, a view defined inside another block", REFUSED_NAMES["nested"])
                continue
            views[function] = "route" if "route" in kinds else "hook"
        for call in nodes(self.tree, ast.Call):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "add_url_rule" and self.is_server(func.value)):
                continue
            view = (
                call.args[2]
                if len(call.args) > 2
                else next((keyword.value for keyword in call.keywords if keyword.arg == "view_func"), None)
            )
            if view is None:
                continue
            if isinstance(view, ast.Name) and view.id in functions:
                views[functions[view.id]] = "route"
            else:
                self.block(call, f"add_url_rule with the view {ast.unparse(view)[:40]}", REFUSED_NAMES["view"])
        for function in nodes(self.tree, ast.FunctionDef, ast.AsyncFunctionDef):
            for decorator in function.decorator_list:
                called = self.called(decorator.func if isinstance(decorator, ast.Call) else decorator)
                cached = called.rpartition(".")[2] in CACHE_DECORATORS and called.startswith(SERVER_CONSUMERS[0])
                if cached and (function in views or isinstance(function, ast.AsyncFunctionDef)):
                    self.block(decorator, f"@{ast.unparse(decorator)[:40]} on {function.name}", REFUSED_NAMES["cached"])
        for function, kind in views.items():
            if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in own_nodes(function)):
                self.block(function, f"{function.name}, a view that streams (yields)", REFUSED_NAMES["stream"])
            elif kind == "route" and self.backend.route_style == "method":
                fastapi.method_route(self, function)
            elif self.backend.route_style == "method":
                decorator = next(decorator for decorator in function.decorator_list if self.registration(decorator))
                fastapi.hook(self, function, (decorator.func if isinstance(decorator, ast.Call) else decorator).attr)
            elif kind == "route" and isinstance(function, ast.FunctionDef):
                self.make_async(function, "a route: the backend awaits its helpers inside")
        if self.backend.route_style == "method":
            fastapi.finish(self)
        return views

    def make_async(self, function: ast.FunctionDef, why: str) -> None:
        start = self.offset(function.lineno, function.col_offset)
        self.edits.append(Edit(start, start, "async "))
        self.notes.append((function.lineno, f"async def {function.name}: {why}"))

    def _dash_call(self) -> None:
        source = self.modules.project.source
        call = dash_call(source)
        backend = self.backend
        keywords = {keyword.arg: keyword for keyword in call.keywords}
        if None in keywords:
            self.block(call, "Dash(**...)", "write Dash's arguments out, so its backend and server can be read")
            return
        if "compress" in keywords:
            extensions.compress(self, call, keywords["compress"])
        chosen = keywords.get("backend")
        if chosen is not None:
            value = chosen.value
            if isinstance(value, ast.Constant) and value.value == FLASK.name:
                self.replace_node(value, f'"{backend.name}"')
                self.notes.append((call.lineno, f'Dash(backend="{backend.name}") in place of Flask'))
            return
        if "server" in keywords:
            server = keywords["server"].value
            if isinstance(server, ast.Constant):
                self.block(server, f"Dash(server={server.value!r})", "pass a server object, or none")
            return  # the server passed is converted where it is made: Dash takes its backend from it
        if source.backend == backend.name:
            return
        last = max((*call.args, *(keyword.value for keyword in call.keywords)), key=end_of, default=None)
        if last is None:
            end = self.offset(call.end_lineno, call.end_col_offset) - 1
            self.edits.append(Edit(end, end, f'backend="{backend.name}"'))
        else:
            end = self.offset(last.end_lineno, last.end_col_offset)
            self.edits.append(Edit(end, end, f', backend="{backend.name}"'))
        self.notes.append((call.lineno, f'Dash(..., backend="{backend.name}"): Dash serves itself on {backend.label}'))
