"""Flask's session on FastAPI: `from flask import session` (and `flask.session`, read in that form
by fastapi.from_imports) imported from fastapi_session.py, a module written into the project that
keeps Flask's own cookie session on FastAPI (measured alike on gunicorn and uvicorn: cookie, when
it is set, Vary: Cookie, a write without a secret key). The server gets it where it is made, and
its secret key (`server.secret_key = ...`, `server.config["SECRET_KEY"] = ...`,
`server.config.update(SECRET_KEY=...)`) is kept in the server's state, where the session reads it."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from dashgen.convert.flask_code import Blocker
from dashgen.convert.names import Edit, aliases
from dashgen.plan import CREATE, IDENTICAL, FileChange
from dashgen.reading import read_text

if TYPE_CHECKING:
    from dashgen.convert.module import ModuleEdit
    from dashgen.convert.modules import Modules
    from dashgen.project import Project

SESSION_MODULE = "fastapi_session"
FLASK_LOGIN = "flask_login"
_SECRET_KEY = "SECRET_KEY"
# Dash calls the layout function once more at its set-up, in a worker's first request: any route
# on Flask, only one of Dash's own on FastAPI (measured: a first GET of a custom route set the
# cookie the layout wrote on Flask, nothing on FastAPI).
_LAYOUT = (
    "Dash calls the layout function once more when it sets itself up, in the worker's first request to any route "
    "on Flask but to one of Dash's own on FastAPI, so what that call does to the session lands on another answer: "
    "read and write the session in a callback instead, or convert with --backend quart"
)


def uses_session(modules: Modules) -> bool:
    """Some module of the project imports Flask's session, or flask_login, which keeps the login
    in it (the server then serves it)."""
    if any("session" in names.flask_names.values() for names in modules.names.values()):
        return True
    return any(dotted.split(".")[0] == FLASK_LOGIN for file in modules.files for dotted in aliases(file.tree).values())


def import_session(edit: ModuleEdit, consumed: set[int]) -> None:
    """The module's flask session imported from fastapi_session.py: each use of it is one there."""
    locals_ = [local for local, name in edit.names.flask_names.items() if name == "session"]
    if not locals_:
        return
    if locals_ != ["session"]:
        edit.block(edit.tree.body[0], f"Flask's session imported as {', '.join(locals_)}",
                   "import it as `from flask import session`, then run this again")  # fmt: skip
        return
    uses = [name for name in ast.walk(edit.tree) if isinstance(name, ast.Name) and name.id == "session"]
    layouts = _layout_functions(edit)
    for name in uses:
        function = edit.function_of(name)
        if function in layouts:
            edit.block(name, f"Flask's session in {function}, the app's layout function", _LAYOUT)
        consumed.add(id(name))
    edit.imports_added.append((SESSION_MODULE, "session"))
    edit.modules.session_module = True


def _layout_functions(edit: ModuleEdit) -> set[str]:
    """The module-level functions given to the app as its layout (`app.layout = serve_layout`)."""
    return {
        statement.value.id
        for statement in edit.tree.body
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Name)
        and any(_is_layout(edit, target) for target in statement.targets)
    }


def _is_layout(edit: ModuleEdit, target: ast.expr) -> bool:
    apps = edit.names.apps
    return isinstance(target, ast.Attribute) and target.attr == "layout" and ast.unparse(target.value) in apps


def serve_session(edit: ModuleEdit, made: tuple[ast.stmt, str] | None) -> None:
    """`fastapi_session.serve(server)` below the statement that makes the server, in a project
    that uses Flask's session (fastapi._server_statement found it: `made`)."""
    if made is None or edit.modules.session_served or not uses_session(edit.modules):
        return
    statement, server = made
    at = edit.starts[statement.end_lineno]
    edit.edits.append(Edit(at, at, f"{SESSION_MODULE}.serve({server})\n"))
    edit.imports_added.append((SESSION_MODULE, None))
    edit.modules.session_served = True
    edit.notes.append((statement.lineno, f"{SESSION_MODULE}.serve({server}): Flask's session on every answer, "
                       "as Flask keeps it"))  # fmt: skip


def secret_key_statement(edit: ModuleEdit, attribute: ast.Attribute) -> ast.stmt | None:
    """The statement giving the server its secret key, where the project uses Flask's session:
    `server.secret_key = X`, `server.config["SECRET_KEY"] = X` or `server.config.update(SECRET_KEY=X)`."""
    statement = edit.parents.get(attribute)
    if not uses_session(edit.modules):
        return None
    if attribute.attr == "secret_key":
        target = attribute
    elif attribute.attr == "config":
        subscript, call = statement, edit.parents.get(statement)
        key = subscript.slice if isinstance(subscript, ast.Subscript) else None
        if isinstance(key, ast.Constant) and key.value == _SECRET_KEY:
            target, statement = subscript, edit.parents.get(subscript)
        elif (
            isinstance(subscript, ast.Attribute)
            and subscript.attr == "update"
            and isinstance(call, ast.Call)
            and call.func is subscript
            and not call.args
            and [keyword.arg for keyword in call.keywords] == [_SECRET_KEY]
            and isinstance(edit.parents.get(call), ast.Expr)
        ):
            return edit.parents[call]
        else:
            return None
    else:
        return None
    if isinstance(statement, ast.Assign) and statement.targets == [target]:
        return statement
    return None


def carry_secret_key(edit: ModuleEdit, attribute: ast.Attribute, statement: ast.stmt) -> None:
    """The secret key kept in the server's state, the value as the module writes it."""
    server = ast.unparse(attribute.value)
    if isinstance(statement, ast.Expr):  # server.config.update(SECRET_KEY=X)
        value = statement.value.keywords[0].value
        start = edit.span(statement)[0]
        edit.edits.append(Edit(start, edit.span(value)[0], f"{server}.state.secret_key = "))
        edit.edits.append(Edit(edit.span(value)[1], edit.span(statement)[1], ""))
    else:
        edit.replace_node(statement.targets[0], f"{server}.state.secret_key")
    edit.notes.append((statement.lineno, f"{server}.state.secret_key: the key Flask's session is signed with "
                       f"({SESSION_MODULE}.py reads it there; FastAPI has no config)"))  # fmt: skip


def session_module_change(project: Project, modules: Modules, blockers: list[Blocker]) -> FileChange | None:
    """fastapi_session.py beside the module the server imports, when a converted module imports
    Flask's session from it; a blocker when no module made the server to serve it on."""
    if not modules.session_module:
        return None
    path = project.root / project.source.entry.app_dir / f"{SESSION_MODULE}.py"
    shown = project.shown(path)
    if not modules.session_served:
        blockers.append(Blocker(project.shown(project.source.path), 1, "Flask's session, on a server made "
                                "elsewhere than by Flask(__name__) or Dash(__name__)",
                                "make the server so in one of the app's modules, then run this again"))  # fmt: skip
        return None
    text = Path(__file__).with_name(f"{SESSION_MODULE}.py").read_text(encoding="utf-8")
    if path.exists():
        if read_text(path) == text:
            return FileChange(shown, IDENTICAL, text, text)
        blockers.append(Blocker(shown, 1, f"{shown}, a module of the project's own", "dashgen writes Flask's "
                                "session for FastAPI there: rename it, then run this again"))  # fmt: skip
        return None
    modules.notes.append(f"{shown}: Flask's own cookie session on FastAPI, saved as Flask saves it")
    return FileChange(shown, CREATE, text)
