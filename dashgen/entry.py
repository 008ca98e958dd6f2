"""An existing project as the platform will run it: its root (the folder holding Procfile or
requirements.txt), the module the platform serves (the Procfile's, else the Dockerfile's CMD, then the
answers file's, then the import root that completes the Dash app) and the Dash app behind it.

Only the project's own modules that can be the app are parsed, each once; nothing is imported."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

from dashgen import ANSWERS_FILE
from dashgen.errors import Refused
from dashgen.nodes import nodes
from dashgen.procfile import WebCommand, dockerfile_command, read_procfile
from dashgen.project import PROCFILE, Project, python_file
from dashgen.reading import MAX_SOURCE_BYTES, PythonFile, is_readable_file, module_file, read_bytes
from dashgen.requirements import FILE
from dashgen.source import AppSource, ServedModule, asgi_wrapper, creates_dash, factories_with_parameters, read_app

USUAL_NAMES = ("app.py", "main.py", "index.py", "server.py", "wsgi.py", "application.py")
PROJECT_FILES = ("Procfile", "requirements.txt")
# A project folder with more modules than this is read only through its imports.
_MAX_SCANNED = 200


def find_app(directory: Path, app: Path | None = None) -> AppSource:
    """The app the platform serves from the project that holds `directory` (or `--app`)."""
    return read_project(directory, app).source


def read_project(directory: Path, app: Path | None = None, target: str | None = None) -> Project:
    """The project that holds `directory` (or `--app`) as the platform runs it, with the files
    read to find its app kept for the rules that read them again."""
    given = None
    if app is not None:
        given = (app if app.is_absolute() else directory / app).absolute()
        if not given.exists():
            raise Refused(f"{app} does not exist: give --app the path of the module that creates the Dash app.")
        if not is_readable_file(given):
            raise Refused(f"{app} is not a Python file dashgen can read: give --app the module that creates the app.")
    root = project_root(given.parent if given else directory.absolute())
    project = _read_at(root, given, target)
    package_root = import_root(project.source.entry.file)
    if package_root in root.parents and project.procfile is None and project.procfile_error is None:
        # The package's own folder holds its requirements, but the app imports its package
        # absolutely: it runs from the folder above, where the Procfile goes.
        project = _read_at(package_root, project.source.entry.path, target)
        source = project.source
        notes = (f"{source.module} (its imports of {source.module.split('.')[0]} resolve from {package_root.name}/)",)
        project = replace(project, source=source._replace(notes=notes))
    return replace(project, package_requirements=_package_requirements(project))


def _package_requirements(project: Project) -> str:
    """The requirements file in the served module's package, below a root that has none."""
    if (project.root / FILE).exists():
        return ""
    for folder in project.source.entry.path.parents:
        if project.root not in folder.parents:
            return ""
        if (folder / FILE).is_file():
            return (folder / FILE).relative_to(project.root).as_posix()
    return ""


def _read_at(root: Path, given: Path | None, target: str | None) -> Project:
    unreadable = None
    try:
        procfile = read_procfile(root)
    except Refused as error:
        procfile, unreadable = None, error  # the rules say what is wrong with it; the app is found without it
    if procfile is not None and procfile.web is not None:
        reader = _Project(root, procfile.web, "the Procfile")
    else:
        reader = _Project(root, dockerfile_command(root), "the Dockerfile's CMD")
    source = reader.app(given)
    return Project(source, target, {PROCFILE: (procfile, unreadable)}, reader.files)


def project_root(start: Path) -> Path:
    """The nearest folder from `start` upwards holding a Procfile or requirements.txt; `start`
    itself when none does (up to the repository's top or the home folder)."""
    for folder in (start, *start.parents):
        if any((folder / name).exists() for name in PROJECT_FILES):
            return folder
        if (folder / ".git").exists() or folder == Path.home():
            break
    return start


class _Project:
    def __init__(self, root: Path, web: WebCommand | None, web_source: str) -> None:
        self.root = root
        self.web = web  # what the platform runs, and where that is written
        self.web_source = web_source
        self.files: dict[Path, PythonFile | Refused | None] = {}
        # What each module creates, asked several times while the served module is found (each
        # read of a large app.py took tens of milliseconds).
        self._creating: dict[Path, bool] = {}
        self._apps: dict[tuple[Path, str | None], AppSource] = {}

    def python(self, path: Path) -> PythonFile | None:
        """The module at `path`, parsed once; None when it is not a readable module."""
        return python_file(self.files, path)

    def app(self, given: Path | None) -> AppSource:
        web = self.web
        served_path, note = self._procfile_module(web)
        if served_path is not None:
            completing = self._completing(served_path)
            if completing is not None:
                served_path = completing
                note = (
                    f"{self.web_source} serves {web.import_string}, but {completing.name} sets the layout of that app"
                )
        if served_path is None and given is None and (self.root / ANSWERS_FILE).is_file():
            served_path, note = self.root / "app.py", f"{ANSWERS_FILE} names app.py"
        if given is not None and (served_path is None or not self._reaches(served_path, given)):
            served_path, note = given, "--app"
        if served_path is None:
            served_path, note = self._served_by_layout()
        file = self.python(served_path)
        if file is None:
            raise Refused(f"{self._show(served_path)} is not a Python file dashgen can read: pass the right --app.")
        creator = self._creator(file)
        if creator is None:
            raise Refused(
                f"{self._show(served_path)} does not create a Dash app at module level (app = Dash(...)), nor imports "
                "one from the project's modules: pass the right --app."
            )
        called = _called_factory(web) if creator.path == file.path else None
        source = self._read_app(creator, called)
        served = self._served(file, source, web)
        notes = (f"{served.dotted} ({note})",) if note else ()
        return source._replace(root=self.root, served=served, notes=notes)

    # --- which module is served -------------------------------------------------------------

    def _procfile_module(self, web: WebCommand | None) -> tuple[Path | None, str]:
        if web is None:
            return None, ""
        if web.server == "python" and web.import_string:
            path = self.root / (web.chdir or ".") / web.import_string
            return (path, f"{self.web_source} runs {web.import_string}") if path.is_file() else (None, "")
        path = web.module_path(self.root)
        return (path, f"{self.web_source} serves {web.import_string}") if path is not None else (None, "")

    def _served_by_layout(self) -> tuple[Path, str]:
        """Without a Procfile: the module that completes the one Dash app in the project."""
        creators = self._creators(self._root_modules()) or self._creators(self._package_modules())
        if not creators:
            self._refuse_factories_with_parameters()
            raise Refused(
                f"No module in {self.root} creates a Dash app: run this in the app's folder or pass --app FILE."
            )
        # A creator another one imports is a part of that app (the factory it calls), not an app.
        creators = [
            path for path in creators if not any(other != path and self._reaches(other, path) for other in creators)
        ]
        completing = {creator: self._completing(creator) or creator for creator in creators}
        served = sorted(set(completing.values()), key=_usual_first)
        apps = [path for path in served if not any(other != path and self._reaches(other, path) for other in served)]
        if len(apps) > 1:
            names = ", ".join(path.name for path in apps)
            raise Refused(
                f"Several modules create a Dash app ({names}) and neither a Procfile nor a Dockerfile says "
                "which one is served: choose one with --app FILE."
            )
        chosen = apps[0]
        if chosen in creators:
            reason = "it creates the app"
        elif any((file := self.python(chosen)) and self._wraps(file, creator) for creator in creators):
            reason = "its ASGI app mounts Dash's server"
        else:
            reason = f"it sets the layout of the app {chosen.name} imports"
        return chosen, reason

    def _refuse_factories_with_parameters(self) -> None:
        """Refuse, naming it, an app created only in a function that takes what it serves on."""
        for path in [*self._root_modules(), *self._package_modules()]:
            file = self.python(path) if _mentions(path, b"Dash") else None
            found = factories_with_parameters(file.tree) if file is not None else []
            if found:
                raise Refused(
                    f"{self._show(path)} creates its Dash app only inside {found[0]}, which a server cannot call "
                    "without arguments, so dashgen cannot tell which server serves it: create the app at module "
                    f"level (app = {found[0]}) in the module the server loads, or in a factory without parameters."
                )

    def _completing(self, path: Path) -> Path | None:
        """The one module that imports the app from `path` and sets its layout, when `path`
        creates a Dash app without setting its layout itself."""
        file = self.python(path)
        if file is None or not self._creates(file) or self._wraps(file, path):
            return None
        # Only a module that names the creator can import the app from it: the others are not parsed.
        modules = [other for other in self._root_modules() if other != path and _mentions(other, path.stem.encode())]
        wrapping = [other for other in modules if (found := self.python(other)) and self._wraps(found, path)]
        if len(wrapping) == 1:
            return wrapping[0]  # the ASGI app that mounts Dash's server is what the platform serves
        if _layout_targets(file.tree) or _sets_layout_in_call(file):
            return None
        roots = [other for other in modules if self._sets_layout_from(other, path)]
        return roots[0] if len(roots) == 1 else None

    def _wraps(self, file: PythonFile, creator: Path) -> bool:
        """Whether `file` mounts the app created in `creator` in an ASGI app."""
        if file.path == creator:
            source = self._read_app(file)
            return asgi_wrapper(file.tree, source.app_name, source.own_server_name) is not None
        if self._creates(file):
            return False
        if any(asgi_wrapper(file.tree, local, None) for local, _ in self._imported_names(file, creator)):
            return True
        aliases = self._module_aliases(file, creator)
        created = self.python(creator) if aliases else None
        app_name = self._read_app(created).app_name if created is not None else ""
        return any(asgi_wrapper(file.tree, f"{module}.{app_name}", None) for module, _ in aliases)

    def _creators(self, modules: list[Path]) -> list[Path]:
        return [
            path
            for path in modules
            # `app = create_app()` with the factory imported names no Dash: "dash" is in its imports.
            if _mentions(path, b"Dash", b"dash") and (file := self.python(path)) and self._creates(file)
        ]

    def _package_modules(self) -> list[Path]:
        """The modules of the packages at the root (`pkg/__init__.py` beside `pkg/app.py`): where
        an app laid out as a package is, when no module at the root creates one."""
        try:
            packages = sorted(init.parent for init in self.root.glob("*/__init__.py"))
            names = [path for package in packages for path in sorted(package.glob("*.py"))][:_MAX_SCANNED]
        except OSError:
            return []
        return sorted((path for path in names if is_readable_file(path)), key=_usual_first)

    def _root_modules(self) -> list[Path]:
        try:
            names = sorted(self.root.glob("*.py"))[:_MAX_SCANNED]
        except OSError:
            return []
        return sorted((path for path in names if is_readable_file(path)), key=_usual_first)

    # --- the module graph --------------------------------------------------------------------

    def _imports(self, file: PythonFile) -> list[tuple[Path, ast.ImportFrom | ast.Import]]:
        """The project's own modules that `file` imports at module level."""
        found = []
        for statement in _module_level(file.tree):
            if isinstance(statement, ast.ImportFrom):
                names = [statement.module or ""] if statement.module else [alias.name for alias in statement.names]
                base = file.path.parent
                for _ in range(max(statement.level - 1, 0)):
                    base = base.parent
                for name in names:
                    path = self._module_path(base if statement.level else file.path.parent, name)
                    if path is not None:
                        found.append((path, statement))
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    path = self._module_path(file.path.parent, alias.name)
                    if path is not None:
                        found.append((path, statement))
        return found

    def _module_path(self, folder: Path, dotted: str) -> Path | None:
        return module_file(dotted, (folder, self.root))

    def _reaches(self, start: Path, goal: Path) -> bool:
        """Whether importing `start` imports `goal` (through the project's own modules)."""
        seen, queue = set(), [start.absolute()]
        goal = goal.absolute()
        while queue:
            path = queue.pop()
            if path == goal:
                return True
            if path in seen or len(seen) > _MAX_SCANNED:
                continue
            seen.add(path)
            file = self.python(path)
            if file is not None:
                queue += [imported.absolute() for imported, _ in self._imports(file)]
        return False

    def _creates(self, file: PythonFile) -> bool:
        if file.path not in self._creating:
            self._creating[file.path] = creates_dash(file.tree, self._project_module(file.path))
        return self._creating[file.path]

    def _read_app(self, file: PythonFile, called: str | None = None) -> AppSource:
        key = (file.path, called)
        if key not in self._apps:
            self._apps[key] = read_app(file, self._project_module(file.path), called)
        return self._apps[key]

    def _creator(self, file: PythonFile) -> PythonFile | None:
        """The module that creates the Dash app `file` serves: itself, or one it imports it from."""
        seen, queue = set(), [file]
        while queue:
            current = queue.pop(0)
            if current.path in seen or len(seen) > _MAX_SCANNED:
                continue
            seen.add(current.path)
            if self._creates(current):
                return current
            queue += [found for path, _ in self._imports(current) if (found := self.python(path))]
        return None

    def _sets_layout_from(self, path: Path, creator: Path) -> bool:
        file = self.python(path)
        if file is None or self._creates(file):
            return False
        names = {local for local, _ in self._imported_names(file, creator)}
        return bool(names & _layout_targets(file.tree))

    def _imported_names(self, file: PythonFile, creator: Path) -> list[tuple[str, str]]:
        """(local name, name in `creator`) of what `file` imports from `creator`."""
        pairs = []
        for path, statement in self._imports(file):
            if path.absolute() == creator.absolute() and isinstance(statement, ast.ImportFrom):
                pairs += [(alias.asname or alias.name, alias.name) for alias in statement.names]
        return pairs

    def _project_module(self, importer: Path):
        """What a module imported by `importer` is, by its dotted name: the project's module, or None."""

        def module(dotted: str) -> PythonFile | None:
            path = self._module_path(importer.parent, dotted)
            return self.python(path) if path is not None else None

        return module

    def _module_aliases(self, file: PythonFile, creator: Path) -> list[tuple[str, int]]:
        """The dotted names by which `file` refers to the module `creator` itself (`import
        dashapp`, `import pkg.dashapp as d`, `from pkg import dashapp`), with each import's last line."""
        found = []
        creator = creator.absolute()
        for statement in _module_level(file.tree):
            if isinstance(statement, ast.Import):
                named = [(alias, alias.name) for alias in statement.names]
            elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
                named = [(alias, f"{statement.module}.{alias.name}") for alias in statement.names]
            else:
                continue
            for alias, dotted in named:
                path = self._module_path(file.path.parent, dotted)
                if path is not None and path.absolute() == creator:
                    found.append((alias.asname or alias.name, statement.end_lineno or statement.lineno))
        return found

    # --- the served module's view of the app ------------------------------------------------

    def _served(self, file: PythonFile, source: AppSource, web: WebCommand | None) -> ServedModule:
        app_dir = self._app_dir(file.path, web)
        relative = file.path.relative_to(self.root / app_dir) if app_dir else file.path.relative_to(self.root)
        parts = relative.with_suffix("").parts
        dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if file.path == source.path:
            served = ServedModule(file, dotted, app_dir, source.app_name, source.app_line, source.own_server_name)
            return self._wrapped(served)
        app_name, app_line, server_name = source.app_name, 0, None
        for local, original in self._imported_names(file, source.path):
            statement_end = _import_end(file.tree, local)
            if original == source.app_name:
                app_name, app_line = local, max(app_line, statement_end)
            elif original == source.own_server_name:
                server_name = local
        if app_line == 0:
            # `import dashapp` (or `import pkg.dashapp as d`): the app is an attribute of the module.
            for module, statement_end in self._module_aliases(file, source.path):
                app_name, app_line = f"{module}.{source.app_name}", statement_end
        # Below the import block the app's import is in, so the imports stay together.
        block_end = _import_block_end(file.tree)
        app_line = block_end if 0 < app_line <= block_end else app_line
        for statement in file.tree.body:
            assigned = _name_assigned(statement)
            if assigned and assigned[1] == f"{app_name}.server":
                server_name = assigned[0]
        return self._wrapped(ServedModule(file, dotted, app_dir, app_name, app_line, server_name))

    def _wrapped(self, served: ServedModule) -> ServedModule:
        """The served module's ASGI app, when it mounts Dash's Flask server: that is what runs."""
        found = asgi_wrapper(served.file.tree, served.app_name, served.server_name)
        if found is None:
            return served
        return served._replace(server_name=found[0], wrapper=found[1])

    def _app_dir(self, path: Path, web: WebCommand | None) -> str:
        """The folder the server imports from, relative to the root: the Procfile's, else the
        module's own folder (a server started in the root then needs --chdir)."""
        if web is not None:
            for folder in web.import_dirs:
                if (self.root / folder).resolve() in path.resolve().parents:
                    return folder
        file = self.python(path)
        # A package's __init__.py is imported, as the package, from the folder above it.
        own = path.parent.parent if path.name == "__init__.py" else path.parent
        folder = (import_root(file) or own).resolve() if file is not None else own.resolve()
        root = self.root.resolve()
        return "" if folder == root else folder.relative_to(root).as_posix() if root in folder.parents else ""

    def _show(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


# How many folders up a module's absolute import of its own package is followed.
_MAX_PACKAGE_DEPTH = 5


def import_root(file: PythonFile) -> Path | None:
    """The folder a module's absolute imports of its own package resolve from: `pkg/app.py`
    doing `from pkg.helpers import x` is imported from pkg's parent. None when it imports no
    module of a package it is in."""
    for statement in _module_level(file.tree):
        if isinstance(statement, ast.Import):
            modules = [alias.name for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom) and statement.level == 0 and statement.module:
            modules = [statement.module]
        else:
            continue
        for module in modules:
            first = module.split(".")[0]
            for folder in list(file.path.parents)[:_MAX_PACKAGE_DEPTH]:
                if folder.name == first and module_file(module, (folder.parent,)) is not None:
                    return folder.parent
    return None


def _mentions(path: Path, *words: bytes) -> bool:
    """Whether the module's bytes hold one of `words`: a cheap test before parsing it."""
    try:
        data = read_bytes(path, MAX_SOURCE_BYTES) or b""
    except Refused:
        return False
    return any(word in data for word in words)


def _called_factory(web: WebCommand | None) -> str | None:
    """The function the server calls to get the app: `gunicorn 'app:create_app()'`,
    `uvicorn --factory app:create_app`."""
    if web is None or web.variable is None or not (web.factory or "(" in web.variable):
        return None
    return web.variable.partition("(")[0]


def _usual_first(path: Path) -> tuple[int, str]:
    return (USUAL_NAMES.index(path.name) if path.name in USUAL_NAMES else len(USUAL_NAMES), path.name)


def _module_level(tree: ast.Module):
    """Module-level statements, including those inside if/try/with blocks."""
    stack = list(reversed(tree.body))
    while stack:
        statement = stack.pop()
        yield statement
        if isinstance(statement, (ast.If, ast.Try, ast.With)) or type(statement).__name__ == "TryStar":
            children = [*statement.body, *getattr(statement, "orelse", []), *getattr(statement, "finalbody", [])]
            for handler in getattr(statement, "handlers", []):
                children += handler.body
            stack += reversed(children)


def _layout_targets(tree: ast.Module) -> set[str]:
    """Names whose `.layout` the module sets."""
    names = set()
    for statement in _module_level(tree):
        targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "layout" and isinstance(target.value, ast.Name):
                names.add(target.value.id)
    return names


def _sets_layout_in_call(file: PythonFile) -> bool:
    """Dash(layout=...) or Dash(use_pages=True): the app is complete where it is created."""
    return any(any(k.arg in ("layout", "use_pages") for k in node.keywords) for node in nodes(file.tree, ast.Call))


def _import_end(tree: ast.Module, local: str) -> int:
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and any((a.asname or a.name) == local for a in statement.names):
            return statement.end_lineno or statement.lineno
    return 0


def _import_block_end(tree: ast.Module) -> int:
    """The last line of the module's leading imports (after its docstring)."""
    end = 0
    for index, statement in enumerate(tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)) or (
            index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        ):
            end = statement.end_lineno or statement.lineno
        else:
            break
    return end


def _name_assigned(statement: ast.stmt) -> tuple[str, str] | None:
    """(name, dotted value) of `name = a.b` or `name = a.b.c`."""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
        value = statement.value
        node = value
        while isinstance(node, ast.Attribute):
            node = node.value
        if value is not node and isinstance(node, ast.Name):
            return statement.targets[0].id, ast.unparse(value)
    return None
