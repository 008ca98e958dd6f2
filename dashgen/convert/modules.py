"""The modules of the project that a conversion rewrites."""

from __future__ import annotations

import ast
from pathlib import Path

from dashgen.backends import Backend
from dashgen.convert.extensions import get_app_servers
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
        self.files: list[PythonFile] = [
            file for path in dict.fromkeys(path.absolute() for path in paths) if (file := project.python(path))
        ]
        self.names: dict[Path, Names] = {file.path: Names() for file in self.files}
        self.changes: list[FileChange] = []
        self.notes: list[str] = []
        self.imports_left: set[str] = set()  # top-level packages the converted modules import
        self.requirements_added: list[str] = []  # what a mapped extension needs installed (quart-compress)
        self.login_module = False  # a module imports flask_login's names from quart_login.py now

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
            action = IDENTICAL if new_text == file.text else UPDATE
            self.changes.append(FileChange(shown, action, new_text, file.text, encoding=file.encoding))
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
    def _is_flask_call(names: Names, value: ast.expr) -> bool:
        return isinstance(value, ast.Call) and flask_ref(names, value.func) == FLASK.server_class
