"""`dashgen convert`: a Flask-backed Dash app moved onto an ASGI backend, in place.

Every module the served app imports is rewritten by syntax-tree positions (every other byte
kept), requirements.txt is merged as deploy-files merges it, and the Procfile's gunicorn command
is mended into the backend's server. What cannot be converted with certainty is a blocker: one
blocker and nothing is written."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from dashgen import rules
from dashgen.backends import BACKENDS, DASH_MIN_VERSION, Backend
from dashgen.convert_rules import (
    CACHE_DECORATORS,
    CONVERTIBLE,
    HOOKS,
    OLD_COMPONENTS,
    REFUSED_ATTRIBUTES,
    REFUSED_IMPORTS,
    REFUSED_NAMES,
    RESPONSE_BODY,
    RESPONSE_MAKERS,
    RETIRED_REQUIREMENTS,
    ROUTE_REGISTRATIONS,
    SERVER_ATTRIBUTE_BLOCKERS,
    SERVER_ATTRIBUTES,
    SERVER_CONSUMERS,
    Blocker,
    blocker_for_import,
)
from dashgen.deploy import mend_procfile, merge_requirements
from dashgen.edits import bound_names, insert_after_line, python_lines
from dashgen.errors import InvalidInput, Refused
from dashgen.nodes import nodes
from dashgen.plan import IDENTICAL, UPDATE, FileChange, Plan
from dashgen.procfile import dockerfile_command, production_command
from dashgen.project import Project
from dashgen.reading import PythonFile, module_file
from dashgen.requirements import FILE, Requirements
from dashgen.rules.requirements import Installed, needed_requirements
from dashgen.rules.source import SETUP_RACE
from dashgen.rules.websocket import BLOCKING
from dashgen.source import AppSource, dash_call

FLASK = BACKENDS["flask"]
# Modules read beyond the app's imports: the pages folder, the project's top folder.
_MAX_PAGES = 500


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
    modules = _Modules(project, backend)
    blockers = modules.convert()
    converted = replace(source, backend=backend.name)
    converted = replace(converted, served=replace(source.entry, server_name=_served_server(source)))
    requirements = _requirements_change(project, converted, modules, conversion, blockers)
    procfile = _procfile_change(project, converted, conversion, blockers)
    blockers += _dockerfile_blockers(project, converted)
    if blockers:
        blockers.sort(key=lambda found: (found.file, found.line))
        count = f"{len(blockers)} blocker" + ("s" if len(blockers) > 1 else "")
        raise Refused(
            f"{project.shown(source.path)} cannot move onto {backend.label} with certainty ({count}); "
            "nothing was changed:",
            detail="\n".join(str(found) for found in blockers) + "\n",
        )
    changes = _with_worker_start(project, converted, modules.changes, procfile, conversion)
    conversion.plan.changes += changes + [change for change in (requirements, procfile) if change]
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
    race = rules.findings(after, features=("source",), codes={SETUP_RACE.code})
    if not race:
        return changes
    served, source = converted.entry, converted
    if served.path != source.path or (served.app_name, served.server_name) != _TEMPLATE_NAMES:
        conversion.warnings += race  # names the template does not use: said, with the fix
        return changes
    from dashgen.render import render_block

    block = render_block(conversion.backend.name, "app.py.jinja", "worker_start").strip("\n")
    shown = project.shown(served.path)
    result = []
    for change in changes:
        if change.path == shown:
            # Last, above the main block: every line the notes name stays where it is, and the
            # conversion's edits add no line to a module moving onto Quart, so main_line holds.
            lines = python_lines(change.new_text)
            line = source.main_line - 1 if source.main_line else len(lines)
            while line > 0 and not lines[line - 1].strip():
                line -= 1
            text, first = insert_after_line(change.new_text, line, block, blank_before=2, blank_after=2)
            change = replace(change, action=UPDATE, new_text=text)
            conversion.notes.append(
                f"{shown}:{first}: each worker finishes Dash's set-up before serving: {race[0].problem}"
            )
        result.append(change)
    return result


def _served_server(source: AppSource) -> str:
    """What the production server loads from the served module: its server variable, else the
    Dash app's `.server` attribute, which uvicorn's `module:app.server` reaches as well."""
    served = source.entry
    return served.server_name or f"{served.app_name}.server"


# --- the modules ---------------------------------------------------------------------------------


@dataclass
class _Names:
    """What one module binds to Flask, Dash and the server, by local name."""

    flask_names: dict[str, str] = field(default_factory=dict)  # local -> name in flask
    flask_modules: set[str] = field(default_factory=set)  # `import flask` (as f)
    apps: set[str] = field(default_factory=set)  # the Dash app
    servers: set[str] = field(default_factory=set)  # the app's server

    def server_expressions(self) -> set[str]:
        return self.servers | {f"{app}.server" for app in self.apps}


class _Modules:
    def __init__(self, project: Project, backend: Backend) -> None:
        self.project = project
        self.backend = backend
        paths = [path for path, _ in project.modules]
        pages = project.pages
        if pages is not None and pages.use_pages and pages.folder.is_dir():
            # Dash imports the pages itself, at start: no import statement leads to them.
            paths += sorted(pages.folder.rglob("*.py"))[:_MAX_PAGES]
        self.files: list[PythonFile] = [
            file for path in dict.fromkeys(path.absolute() for path in paths) if (file := project.python(path))
        ]
        self.names: dict[Path, _Names] = {file.path: _Names() for file in self.files}
        self.changes: list[FileChange] = []
        self.notes: list[str] = []
        self.imports_left: set[str] = set()  # top-level packages the converted modules import

    def convert(self) -> list[Blocker]:
        self._bind_names()
        blockers: list[Blocker] = self._unreached()
        for file in self.files:
            edit = _ModuleEdit(self, file)
            blockers += edit.run()
            self.imports_left |= edit.imports_left
            shown = self.project.shown(file.path)
            new_text = edit.text()
            try:
                ast.parse(new_text)
            except SyntaxError as error:  # dashgen's own mistake: never written
                blockers.append(Blocker(shown, error.lineno or 0, "the converted module does not parse", "report it"))
                continue
            action = IDENTICAL if new_text == file.text else UPDATE
            self.changes.append(FileChange(shown, action, new_text, file.text, encoding=file.encoding))
            self.notes += [f"{shown}:{line}: {note}" for line, note in edit.notes]
        return blockers

    def _unreached(self) -> list[Blocker]:
        """A module beside the app that imports flask but that no import of the app leads to (one
        loaded by name at run time, say): it would be left on Flask, so it blocks."""
        converted = {file.path for file in self.files}
        blockers = []
        for path in sorted(self.project.root.glob("*.py"))[:_MAX_PAGES]:
            file = None if path.absolute() in converted else self.project.python(path)
            if file is None:
                continue
            for node in nodes(file.tree, ast.Import, ast.ImportFrom):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(module.split(".")[0] == FLASK.server_module for module in modules):
                    blockers.append(Blocker(self.project.shown(path), node.lineno, "an import of flask in a module "
                                            "the app does not import where dashgen can follow",
                                            "convert that module by hand, or import it from the app"))  # fmt: skip
                    break
        return blockers

    def _bind_names(self) -> None:
        """Apps and servers by local name in every module, imports between them followed until
        nothing new is learnt (`from server import server`, then `from app import app`)."""
        source = self.project.source
        for file in self.files:
            names = self.names[file.path]
            aliases = _aliases(file.tree)
            for local, dotted in aliases.items():
                if dotted == "flask":
                    names.flask_modules.add(local)
                elif dotted.startswith("flask.") and dotted.count(".") == 1:
                    names.flask_names[local] = dotted.split(".", 1)[1]
            if file.path == source.path:
                names.apps.add(source.app_name)
        for _ in range(len(self.files) + 1):
            learnt = False
            for file in self.files:
                learnt |= self._learn(file)
            if not learnt:
                break

    def _learn(self, file: PythonFile) -> bool:
        names = self.names[file.path]
        before = (len(names.apps), len(names.servers))
        for statement in file.tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module and statement.level == 0:
                path = module_file(statement.module, (file.path.parent, self.project.root))
                other = self.names.get(path.absolute()) if path is not None else None
                for alias in statement.names if other is not None else ():
                    local = alias.asname or alias.name
                    if alias.name in other.apps:
                        names.apps.add(local)
                    if alias.name in other.servers:
                        names.servers.add(local)
            elif isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
                if not isinstance(target, ast.Name):
                    continue
                if ast.unparse(value) in names.server_expressions() or self._is_flask_call(names, value):
                    names.servers.add(target.id)
        return (len(names.apps), len(names.servers)) != before

    @staticmethod
    def _is_flask_call(names: _Names, value: ast.expr) -> bool:
        return isinstance(value, ast.Call) and _flask_ref(names, value.func) == FLASK.server_class


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name of every import in the module."""
    found = {}
    for node in nodes(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                found[alias.asname or top] = alias.name if alias.asname else top
        elif node.module and node.level == 0:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def _flask_ref(names: _Names, node: ast.AST) -> str | None:
    """What of flask an expression names: `Flask`, `request`, `request.form`, `send_file`."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    if node.id in names.flask_modules and parts:
        return ".".join(reversed(parts))
    if node.id in names.flask_names:
        return ".".join([names.flask_names[node.id], *reversed(parts)])
    return None


@dataclass(frozen=True)
class _Edit:
    start: int  # offsets in the module's text
    end: int
    text: str


class _ModuleEdit:
    """The edits that move one module onto the backend, and what blocks them."""

    def __init__(self, modules: _Modules, file: PythonFile) -> None:
        self.modules = modules
        self.backend = modules.backend
        self.file = file
        self.tree = file.tree
        self.names = modules.names[file.path]
        self.shown = modules.project.shown(file.path)
        self.lines = python_lines(file.text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self.edits: list[_Edit] = []
        self.notes: list[tuple[int, str]] = []
        self.blockers: list[Blocker] = []
        self.imports_left: set[str] = set()
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.servers = self.names.server_expressions()
        self.aliases = _aliases(self.tree)
        # Names bound to what a Flask-Caching Cache(...) call makes: `cache.init_app(server)`.
        self.caches: set[str] = set()
        self.caches = {
            target.id
            for node in nodes(self.tree, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
            and isinstance(node.value, ast.Call)
            and self._called(node.value.func) == SERVER_CONSUMERS[0]
        }

    # --- positions ---

    def offset(self, line: int, column: int) -> int:
        """The text offset of a syntax tree's (line, UTF-8 byte column)."""
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode("utf-8")[:column].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def replace_node(self, node: ast.AST, text: str) -> None:
        self.edits.append(_Edit(*self.span(node), text))

    def block(self, node: ast.AST, what: str, how: str) -> None:
        self.blockers.append(Blocker(self.shown, getattr(node, "lineno", 0), what, how))

    def text(self) -> str:
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
        awaiting = self._views()
        self._awaits(awaiting)
        self._response_bodies(awaiting)
        if self.file.path == self.modules.project.source.path:
            self._dash_call()
        return self.blockers

    def _imports(self) -> None:
        backend = self.backend
        for node in nodes(self.tree, ast.Import, ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.level:
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
            if found is not None and self._only_jsonify(node):
                self._drop_statement(node, "jsonify's dicts are returned as they are: FastAPI answers them as JSON")
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

    def _only_jsonify(self, node: ast.stmt) -> bool:
        """`from flask import jsonify` at module level, onto a backend whose routes return dicts."""
        return (
            self.backend.route_style == "method"
            and isinstance(node, ast.ImportFrom)
            and node.module == FLASK.server_module
            and node in self.tree.body
            and all(alias.name == "jsonify" and not alias.asname for alias in node.names)
        )

    def _drop_statement(self, node: ast.stmt, why: str) -> None:
        start, end = self.starts[node.lineno - 1], self.starts[node.end_lineno]
        self.edits.append(_Edit(start, end, ""))
        self.notes.append((node.lineno, f"removed `{ast.unparse(node)}`: {why}"))

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
        self.edits.append(_Edit(match.start(1), match.end(1), f"dash.{OLD_COMPONENTS[package]}"))
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
        self.edits.append(_Edit(match.start(1), match.end(1), backend.server_module))
        for alias in node.names:
            if alias.name == FLASK.server_class:
                name_end = self.offset(alias.lineno, alias.col_offset) + len(alias.name)
                self.edits.append(_Edit(self.offset(alias.lineno, alias.col_offset), name_end, backend.server_class))
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
        self.edits.append(_Edit(start, start + len(alias.name), self.backend.server_module))
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
            self.replace_node(name, self.backend.server_module)
            if parent.attr in REFUSED_NAMES:
                self.block(parent, f"flask.{parent.attr}", REFUSED_NAMES[parent.attr])
            elif parent.attr == FLASK.server_class:
                end = self.offset(parent.end_lineno, parent.end_col_offset)
                self.edits.append(_Edit(end - len(parent.attr), end, self.backend.server_class))

    def _flask_class(self) -> None:
        """`Flask` (from `from flask import Flask`) is called, and only called: `Flask(__name__)`."""
        local = next((local for local, name in self.names.flask_names.items() if name == FLASK.server_class), None)
        if local is None:
            return
        renamed = local == FLASK.server_class
        if renamed and self.backend.server_class in bound_names(self.tree):
            self.block(self.tree.body[0], f"the module binds {self.backend.server_class} already", "rename it")
            return
        for name in nodes(self.tree, ast.Name):
            if name.id != local:
                continue
            parent = self.parents.get(name)
            if isinstance(parent, ast.ClassDef):
                self.block(name, f"class {parent.name}, a Flask subclass", REFUSED_NAMES["subclass"])
            elif not (isinstance(parent, ast.Call) and parent.func is name):
                self.block(name, "Flask used otherwise than called", "leave only `Flask(...)` calls, then run again")
            elif renamed:
                self.replace_node(name, self.backend.server_class)
                self.notes.append((name.lineno, f"{self.backend.server_class}(...): the same arguments as Flask(...)"))

    def _server_uses(self) -> None:
        """Every use of the server object is one the backend has as Flask has it; anything else
        (an extension given the server, its WSGI app, a test client) blocks the conversion."""
        for node in nodes(self.tree, ast.Name, ast.Attribute):
            if not self._is_server(node):
                continue
            parent = self.parents.get(node)
            if isinstance(parent, ast.Attribute) and parent.value is node:
                if self._route_decorator(parent) and not self.backend.flask_api:
                    continue  # a route: _method_route converts it or says why not
                if not self.backend.flask_api:
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
                and self._called(parent.func) in SERVER_CONSUMERS
                or isinstance(parent, ast.keyword)
                and parent.arg == "server"
                or isinstance(parent, ast.Assign)
                and parent.value is node
                or isinstance(node, ast.Attribute)
                and self._is_server(parent)  # app.server inside app.server.route: the outer node is checked
            ):
                self.block(node, f"{ast.unparse(parent or node)[:60]}: the server handed to other code",
                           SERVER_ATTRIBUTE_BLOCKERS["passed"])  # fmt: skip

    def _route_decorator(self, attribute: ast.Attribute) -> bool:
        call = self.parents.get(attribute)
        function = self.parents.get(call)
        return (
            attribute.attr in ("route", "get")
            and isinstance(call, ast.Call)
            and call.func is attribute
            and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            and call in function.decorator_list
        )

    def _called(self, func: ast.expr) -> str:
        """The dotted name of what a call calls, through the module's imports and caches."""
        if isinstance(func, ast.Name):
            return self.aliases.get(func.id, func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.caches:
            return f"{SERVER_CONSUMERS[0]}.{func.attr}"
        return ""

    def _is_server(self, node: ast.AST | None) -> bool:
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return False
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            return False
        return ast.unparse(node) in self.servers

    def _registration(self, decorator: ast.expr) -> str | None:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(func, ast.Attribute) and self._is_server(func.value):
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
            kinds = {kind for decorator in function.decorator_list if (kind := self._registration(decorator))}
            if not kinds:
                continue
            if id(function) not in module_level:
                self.block(function, f"{function.name}, a view defined inside another block", REFUSED_NAMES["nested"])
                continue
            views[function] = "route" if "route" in kinds else "hook"
        for call in nodes(self.tree, ast.Call):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "add_url_rule" and self._is_server(func.value)):
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
                called = self._called(decorator.func if isinstance(decorator, ast.Call) else decorator)
                cached = called.rpartition(".")[2] in CACHE_DECORATORS and called.startswith(SERVER_CONSUMERS[0])
                if cached and (function in views or isinstance(function, ast.AsyncFunctionDef)):
                    self.block(decorator, f"@{ast.unparse(decorator)[:40]} on {function.name}", REFUSED_NAMES["cached"])
        for function, kind in views.items():
            if any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in _own_nodes(function)):
                self.block(function, f"{function.name}, a view that streams (yields)", REFUSED_NAMES["stream"])
            elif kind == "route" and self.backend.route_style == "method":
                self._method_route(function)
            elif kind == "route" and isinstance(function, ast.FunctionDef):
                self._make_async(function, "a route: the backend awaits its helpers inside")
        if self.backend.route_style == "method":
            self._jsonify_left()
        return views

    def _method_route(self, function: ast.AST) -> None:
        """A Flask GET route as FastAPI writes one: `@server.get("/items/{id:int}")`, the same
        parameters (typed as the converters typed them), jsonify's dict returned as it is.
        Anything more (another method, request, a response that is not JSON) blocks."""
        how = REFUSED_NAMES["method_route"].format(label=self.backend.label)
        decorators = [decorator for decorator in function.decorator_list if self._registration(decorator)]
        if not decorators:  # registered with add_url_rule, which is blocked where it is called
            return
        decorator = decorators[0]
        path = decorator.args[0] if isinstance(decorator, ast.Call) and len(decorator.args) == 1 else None
        methods = [keyword for keyword in getattr(decorator, "keywords", []) if keyword.arg == "methods"]
        get_only = all(
            isinstance(keyword.value, (ast.List, ast.Tuple))
            and [ast.literal_eval(element) for element in keyword.value.elts] == ["GET"]
            for keyword in methods
        )
        others = [keyword for keyword in getattr(decorator, "keywords", []) if keyword.arg != "methods"]
        if len(function.decorator_list) != 1 or not isinstance(path, ast.Constant) or not get_only or others:
            self.block(function, f"{function.name}, a route beyond a plain GET", how)
            return
        converted, parameters = _braces_path(path.value)
        arguments = function.args
        plain = not (arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg)
        if converted is None or not plain or arguments.defaults or {a.arg for a in arguments.args} != set(parameters):
            self.block(function, f"{function.name}, a route whose parameters FastAPI would read otherwise", how)
            return
        returns = [node for node in _own_nodes(function) if isinstance(node, ast.Return)]
        if not returns or not all(self._json_return(node.value) for node in returns):
            self.block(function, f"{function.name}, a route that does not return jsonify(...) or a dict", how)
            return
        server = ast.unparse(decorator.func.value)
        self.replace_node(decorator, f'{server}.get("{converted}")')
        for argument in arguments.args:
            if argument.annotation is None and parameters[argument.arg] != "str":
                end = self.offset(argument.end_lineno, argument.end_col_offset)
                self.edits.append(_Edit(end, end, f": {parameters[argument.arg]}"))
        for node in returns:
            call = node.value
            if isinstance(call, ast.Call) and call.args:
                self.replace_node(call, self.file.text[slice(*self.span(call.args[0]))])
            elif isinstance(call, ast.Call):
                self.replace_node(call.func, "dict")
        self.notes.append((decorator.lineno, f'{server}.get("{converted}"): FastAPI\'s route for {function.name}'))

    def _json_return(self, value: ast.expr | None) -> bool:
        if isinstance(value, ast.Dict):
            return True
        return (
            isinstance(value, ast.Call)
            and _flask_ref(self.names, value.func) == "jsonify"
            and isinstance(value.func, ast.Name)
            and (
                len(value.args) == 1
                and not value.keywords
                and not isinstance(value.args[0], ast.Starred)
                or not value.args
                and all(keyword.arg for keyword in value.keywords)
            )
        )

    def _jsonify_left(self) -> None:
        """jsonify's import goes: a use of it that is not a route's return would be a NameError."""
        returned = {
            id(node.value.func)
            for node in nodes(self.tree, ast.Return)
            if isinstance(node.value, ast.Call) and self._json_return(node.value)
        }
        for name in nodes(self.tree, ast.Name):
            if self.names.flask_names.get(name.id) == "jsonify" and id(name) not in returned:
                how = REFUSED_NAMES["method_route"].format(label=self.backend.label)
                self.block(name, "jsonify used otherwise than returned by a GET route", how)

    def _make_async(self, function: ast.FunctionDef, why: str) -> None:
        start = self.offset(function.lineno, function.col_offset)
        self.edits.append(_Edit(start, start, "async "))
        self.notes.append((function.lineno, f"async def {function.name}: {why}"))

    def _response_bodies(self, views: dict[ast.AST, str]) -> None:
        """A response's body read in a view or hook (`response.get_data()`, `.json`): a coroutine on
        Quart, on an object dashgen cannot always follow (the after_request hook's argument, what
        make_response or jsonify returned), so it blocks."""
        for function in views:
            responses = (
                {argument.arg for argument in function.args.args[:1]} if self._is_after_hook(function) else set()
            )
            for node in _own_nodes(function):
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    made = _flask_ref(self.names, node.value.func)
                    if made in RESPONSE_MAKERS:
                        responses |= {target.id for target in node.targets if isinstance(target, ast.Name)}
            for node in _own_nodes(function):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in RESPONSE_BODY
                    and isinstance(node.value, ast.Name)
                    and node.value.id in responses
                ):
                    self.block(node, f"{ast.unparse(node)}, a response's body", REFUSED_NAMES["response_body"])

    def _is_after_hook(self, function: ast.AST) -> bool:
        return any(
            isinstance(decorator, ast.Attribute)
            and decorator.attr == "after_request"
            and self._is_server(decorator.value)
            for decorator in function.decorator_list
        )

    def _awaits(self, views: dict[ast.AST, str]) -> None:
        """Every coroutine helper and awaitable request property awaited, where its function can be
        made to await; anywhere else it blocks the conversion."""
        backend = self.backend
        hooks_made_async = set()
        for node in nodes(self.tree, ast.Call, ast.Attribute, ast.Name):
            ref = _flask_ref(self.names, node.func if isinstance(node, ast.Call) else node)
            if ref is None:
                continue
            if ref in REFUSED_ATTRIBUTES:
                self.block(node, ref, REFUSED_ATTRIBUTES[ref])
                continue
            if isinstance(node, ast.Call):
                awaited = ref in backend.coroutine_functions
            else:
                parent = self.parents.get(node)
                awaited = ref in backend.awaitable_attributes and not (
                    isinstance(parent, ast.Call) and parent.func is node
                )
            if not awaited or isinstance(self.parents.get(node), ast.Await):
                continue
            function, nested = self._enclosing(node)
            kind = views.get(function)
            if function is None or nested or (kind is None and isinstance(function, ast.FunctionDef)):
                where = f"in {function.name}, which is not a route" if function is not None else "at module level"
                self.block(node, f"{ref}, a coroutine on {backend.label}, {where}", REFUSED_NAMES["outside"])
                continue
            if kind == "hook" and isinstance(function, ast.FunctionDef) and function not in hooks_made_async:
                hooks_made_async.add(function)
                self._make_async(function, f"a hook that awaits {ref}")
            parent = self.parents.get(node)
            primary = (
                isinstance(parent, (ast.Attribute, ast.Subscript))
                and parent.value is node
                or isinstance(parent, ast.Call)
                and parent.func is node
            )
            start, end = self.span(node)
            self.edits.append(_Edit(start, start, "(await " if primary else "await "))
            if primary:
                self.edits.append(_Edit(end, end, ")"))
            self.notes.append((node.lineno, f"await {ref}: a coroutine on {backend.label}"))

    def _enclosing(self, node: ast.AST) -> tuple[ast.AST | None, bool]:
        """The function `node` is in, and whether a lambda, comprehension or inner function is
        between them (where `await` cannot go)."""
        nested = False
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                outer = self.parents.get(current)
                while outer is not None and not isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    outer = self.parents.get(outer)
                return current, nested or outer is not None
            if isinstance(current, (ast.Lambda, ast.GeneratorExp, ast.ClassDef)):
                nested = True
            current = self.parents.get(current)
        return None, nested

    def _dash_call(self) -> None:
        source = self.modules.project.source
        call = dash_call(source)
        backend = self.backend
        keywords = {keyword.arg: keyword for keyword in call.keywords}
        if None in keywords:
            self.block(call, "Dash(**...)", "write Dash's arguments out, so its backend and server can be read")
            return
        compress = keywords.get("compress")
        if compress is not None and not (isinstance(compress.value, ast.Constant) and not compress.value.value):
            self.block(compress, "Dash(compress=...), Flask-Compress", REFUSED_NAMES["compress"])
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
        last = max((*call.args, *(keyword.value for keyword in call.keywords)), key=_end, default=None)
        if last is None:
            end = self.offset(call.end_lineno, call.end_col_offset) - 1
            self.edits.append(_Edit(end, end, f'backend="{backend.name}"'))
        else:
            end = self.offset(last.end_lineno, last.end_col_offset)
            self.edits.append(_Edit(end, end, f', backend="{backend.name}"'))
        self.notes.append((call.lineno, f'Dash(..., backend="{backend.name}"): Dash serves itself on {backend.label}'))


# Werkzeug's converters whose Starlette namesake matches the same segments ([^/]+, [0-9]+); float
# and path match more there (`1`, an empty path), so a route using them is refused.
_CONVERTERS = {None: "str", "string": "str", "int": "int"}


def _braces_path(rule: str) -> tuple[str | None, dict[str, str]]:
    """A Werkzeug rule (`/items/<int:id>`) in FastAPI's syntax (`/items/{id:int}`: what does not
    match falls through to Dash's catch-all on both), and its parameters' types; None for a
    converter without an equal."""
    parameters: dict[str, str] = {}
    unknown = False

    def convert(match: re.Match) -> str:
        nonlocal unknown
        converter, name = match.group(1), match.group(2)
        if converter not in _CONVERTERS:
            unknown = True
            return match.group(0)
        parameters[name] = _CONVERTERS[converter]
        return "{" + name + ("" if converter in (None, "string") else f":{converter}") + "}"

    converted = re.sub(r"<(?:(\w+):)?(\w+)>", convert, rule)
    return (None if unknown or "<" in converted else converted), parameters


def _end(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno or 0, node.end_col_offset or 0


def _own_nodes(function: ast.AST):
    """The nodes of a function's own body, not of the functions defined in it."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


# --- requirements.txt and the Procfile -----------------------------------------------------------


def _requirements_change(
    project: Project, converted: AppSource, modules: _Modules, conversion: Conversion, blockers: list[Blocker]
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
    text = merge_requirements(requirements, needed_requirements(converted))
    retired = _retired(project, requirements, modules)
    text = _without_lines(text, [requirement.line for requirement, _ in retired])
    for requirement, why in retired:
        conversion.notes.append(f"{FILE}:{requirement.line}: removed {requirement.name}: {why}.")
    if text != requirements.text:
        conversion.notes.append(f"{FILE}: {', '.join(needed_requirements(converted))} for {backend.label}.")
    action = IDENTICAL if text == requirements.text else UPDATE
    return FileChange(FILE, action, text, requirements.text, encoding=requirements.encoding)


def _retired(project: Project, requirements: Requirements, modules: _Modules) -> list[tuple[object, str]]:
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
        elif requirement.name == "gunicorn" and not _runs_gunicorn(project):
            found.append((requirement, "the Procfile runs uvicorn now and nothing else runs gunicorn"))
    return found


def _continued(text: str, line: int) -> bool:
    lines = re.split(r"\r\n|\n|\r", text)
    return lines[line - 1].rstrip().endswith("\\")


def _without_lines(text: str, numbers: list[int]) -> str:
    lines = re.split(r"(?<=\n)|(?<=\r)(?!\n)", text)
    return "".join(line for number, line in enumerate(lines, 1) if number not in numbers)


def _runs_gunicorn(project: Project) -> bool:
    """Whether anything but the Procfile's web: line (which convert rewrites) names gunicorn:
    its other processes, a Dockerfile, a script, a module."""
    procfile = project.procfile
    others = [
        line
        for number, line in enumerate(re.split(r"\r\n|\n|\r", procfile.text if procfile else ""), 1)
        if procfile is None or procfile.web is None or number != procfile.web.line
    ]
    if any("gunicorn" in line for line in others):
        return True
    root = project.root
    for path in [root / "Dockerfile", *root.glob("*.sh"), *root.glob("*.py")]:
        try:
            if path.is_file() and "gunicorn" in path.read_text(errors="replace"):
                return True
        except OSError:
            return True
    return False


def _dockerfile_blockers(project: Project, converted: AppSource) -> list[Blocker]:
    """A Dockerfile whose CMD runs a WSGI server would start the converted app and answer 500."""
    web = dockerfile_command(project.root)
    if web is None or web.is_asgi or web.server not in (FLASK.server_name, "waitress-serve"):
        return []
    backend = converted.serving
    return [
        Blocker(
            "Dockerfile",
            web.line,
            f"CMD runs {web.server}, which cannot serve a {backend.label} app",
            f"run `{production_command(converted)}` there by hand, or `dashgen deploy-files --target docker "
            "--force` once the rest is converted",
        )  # fmt: skip
    ]


def _procfile_change(
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
    if web.option("-b", "--bind") is None:
        # gunicorn binds to $PORT when the platform sets it; uvicorn reads no such variable.
        command = command.replace("--port 8000", "--port ${PORT:-8000}")
    text, dropped = mend_procfile(procfile.text, web, command, converted)
    conversion.notes += dropped
    return FileChange("Procfile", UPDATE, text, procfile.text)
