"""The modules of the project that a conversion rewrites."""

from __future__ import annotations

import ast
from pathlib import Path

from dashgen.backends import Backend
from dashgen.convert.extensions import get_app_servers
from dashgen.convert.fastapi import from_imports
from dashgen.convert.flask_code import Blocker
from dashgen.convert.module import ModuleEdit
from dashgen.convert.names import FLASK, Names, aliases, flask_ref
from dashgen.nodes import nodes
from dashgen.plan import IDENTICAL, UPDATE, FileChange
from dashgen.project import Project
from dashgen.reading import PythonFile, module_file
from dashgen.rules.source import imported

# Modules read beyond the app's imports: the pages folder, the project's top folder.
_MAX_PAGES = 500


class Modules:
    def __init__(self, project: Project, backend: Backend) -> None:
        self.project = project
        self.backend = backend
        paths = [path for path, _ in project.modules]
        pages = project.pages
        if pages is not None and pages.use_pages and pages.folder.is_dir():
            # Dash imports the pages itself, at start: no import statement leads to them.
            page_paths = sorted(pages.folder.rglob("*.py"))[:_MAX_PAGES]
            paths += page_paths + self._imported_by(page_paths, {path.absolute() for path in paths})
        read = [file for path in dict.fromkeys(path.absolute() for path in paths) if (file := project.python(path))]
        self.originals = {file.path: file.text for file in read}  # what each change is a change of
        if backend.route_style == "method":
            read = [from_imports(file) for file in read]
        self.files: list[PythonFile] = read
        self.names: dict[Path, Names] = {file.path: Names() for file in self.files}
        self.changes: list[FileChange] = []
        self.notes: list[str] = []
        self.imports_left: set[str] = set()  # top-level packages the converted modules import
        self.requirements_added: list[str] = []  # what a mapped extension needs installed (quart-compress)
        self.login_module = False  # a module imports flask_login's names from quart_login.py / fastapi_login.py
        self.session_module = False  # a module imports Flask's session from fastapi_session.py now
        self.session_served = False  # fastapi_session.serve(server) is written where the server is made

    def _imported_by(self, pages: list[Path], known: set[Path]) -> list[Path]:
        """The project's own modules the pages import, transitively (`from cache_object import
        cache`): no import of the app leads to them either."""
        found: list[Path] = []
        queue = list(pages)
        seen = known | {path.absolute() for path in pages}
        while queue and len(found) < _MAX_PAGES:
            file = self.project.python(queue.pop(0))
            for statement in file.tree.body if file is not None else ():
                for module in imported(statement):
                    for folder in (file.path.parent, self.project.root):
                        candidate = module_file(module, (folder,))
                        if candidate is not None and candidate.absolute() not in seen:
                            seen.add(candidate.absolute())
                            found.append(candidate)
                            queue.append(candidate)
        return found

    def convert(self) -> list[Blocker]:
        self._bind_names()
        blockers: list[Blocker] = self._unreached()
        for file in self.files:
            edit = ModuleEdit(self, file)
            blockers += edit.run()
            self.imports_left |= edit.imports_left
            shown = self.project.shown(file.path)
            new_text = edit.text()
            try:
                ast.parse(new_text)
            except SyntaxError as error:  # dashgen's own mistake: never written
                blockers.append(Blocker(shown, error.lineno or 0, "the converted module does not parse", "report it"))
                continue
            original = self.originals[file.path]
            action = IDENTICAL if new_text == original else UPDATE
            self.changes.append(FileChange(shown, action, new_text, original, encoding=file.encoding))
            self.notes += [f"{shown}:{line}: {note}" for line, note in edit.notes]
        return blockers

    def _unreached(self) -> list[Blocker]:
        """A module beside the app (in the project's folder or the app's) that imports flask but
        that no import of the app leads to (the entry module that imports the app, one loaded by
        name at run time): it would be left on Flask, so it blocks."""
        converted = {file.path for file in self.files}
        blockers = []
        folders = dict.fromkeys((self.project.root, self.project.source.path.parent))
        beside = sorted({path.absolute() for folder in folders for path in folder.glob("*.py")})
        for path in beside[:_MAX_PAGES]:
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
            names.servers |= get_app_servers(aliases(file.tree))  # dash.get_app().server
            for local, dotted in aliases(file.tree).items():
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
        before = (len(names.apps), len(names.servers), len(names.parameters))
        self._learn_parameters(file)
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
        return (len(names.apps), len(names.servers), len(names.parameters)) != before

    def secret_key_set(self) -> tuple[str, int] | None:
        """Where a module may give the server a secret key (`server.secret_key = ...`, anything
        done to `server.config`, which may load SECRET_KEY), as (file, line); None when none does."""
        for file in self.files:
            servers = self.names[file.path].server_expressions()
            for node in nodes(file.tree, ast.Attribute):
                if node.attr == "secret_key" or node.attr == "config" and ast.unparse(node.value) in servers:
                    return self.project.shown(file.path), node.lineno
        return None

    def signs_with_secret_key(self) -> bool:
        """Some module may sign with the server's secret_key: it imports Flask's session, flash
        or current_app, an extension (flask_*, not flask_caching), itsdangerous or dash_auth."""
        signing = {"session", "flash", "get_flashed_messages", "current_app"}
        for file in self.files:
            for dotted in aliases(file.tree).values():
                top, _, name = dotted.partition(".")
                extension = top.startswith("flask_") and top != "flask_caching"
                if extension or top in ("itsdangerous", "dash_auth") or top == "flask" and name in signing:
                    return True
            modules = self.names[file.path].flask_modules
            for node in nodes(file.tree, ast.Attribute):
                if isinstance(node.value, ast.Name) and node.value.id in modules and node.attr in signing:
                    return True
        return False

    def _learn_parameters(self, file: PythonFile) -> None:
        """The parameters of the project's functions that the app or its server is passed to, from
        each call in this module (`init_cache(app)`, `helpers.register(app.server)`)."""
        names = self.names[file.path]
        imported = aliases(file.tree)
        for function, node in _scoped(file.tree, ast.Call):
            apps, _ = names.in_function(function)
            servers = names.server_expressions(function)
            target = self._function_def(file, node.func, imported)
            if target is None:
                continue
            where, definition = target
            parameters = [argument.arg for argument in (*definition.args.posonlyargs, *definition.args.args)]
            given = [
                *zip(parameters, node.args, strict=False),
                *((keyword.arg, keyword.value) for keyword in node.keywords),
            ]
            for parameter, value in given:
                if isinstance(value, ast.Starred) or parameter is None:
                    continue
                kind = "app" if ast.unparse(value) in apps else "server" if ast.unparse(value) in servers else None
                if kind is not None:
                    self.names[where].parameters.setdefault((definition.name, parameter), kind)

    def _function_def(self, file: PythonFile, func: ast.expr, imported: dict[str, str]):
        """(module path, module-level def) of the project's function a call calls, or None."""
        module, name = None, None
        if isinstance(func, ast.Name):
            dotted = imported.get(func.id)
            module, name = (file.path, func.id) if dotted is None else dotted.rpartition(".")[::2]
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in imported:
            module, name = imported[func.value.id], func.attr
        if isinstance(module, str):
            path = module_file(module, (file.path.parent, self.project.root)) if module else None
            module = path.absolute() if path is not None else None
        other = next((candidate for candidate in self.files if candidate.path == module), None)
        for statement in other.tree.body if other is not None else ():
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == name:
                return other.path, statement
        return None

    @staticmethod
    def _is_flask_call(names: Names, value: ast.expr) -> bool:
        return isinstance(value, ast.Call) and flask_ref(names, value.func) == FLASK.server_class


def _scoped(tree: ast.Module, kind: type):
    """(the module-level function it is in or None, node) for every node of a kind."""
    for statement in tree.body:
        inside = statement.name if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        for node in ast.walk(statement):
            if isinstance(node, kind):
                yield inside, node
