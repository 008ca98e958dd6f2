"""The Flask extensions a conversion maps (each measured on real servers: the original on gunicorn,
the conversion on uvicorn, answering alike), and the ones it names use by use when it cannot:

- `dash_auth.BasicAuth(app, USERS)`: the same HTTP Basic guard, written in its place as a hook
  of the server (Quart) or a middleware (FastAPI);
- `Dash(compress=True)`: kept (Dash compresses on either backend); on Quart `text/javascript`,
  the type of Dash's scripts, is added to quart-compress's types;
- Flask-Caching on FastAPI: bound to a private Flask app that is never served, as its
  decorators need an app's config;
- flask_login: LoginManager, UserMixin, login_user, logout_user, current_user and @login_required
  on a route, imported from quart_login.py (Quart) or fastapi_login.py (FastAPI), a module written
  into the project from flask_login.py.jinja that keeps the login in the session as Flask-Login
  keeps it in Flask's (on FastAPI, Flask's own session: fastapi_session.py); each use it cannot
  map refused on a line of its own;
- the Dash app handed to a third-party package: refused (such code registers Flask views)."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from dashgen.convert.flask_code import SERVER_CONSUMERS, Blocker
from dashgen.convert.names import Edit
from dashgen.edits import bound_names
from dashgen.nodes import nodes
from dashgen.plan import CREATE, IDENTICAL, FileChange
from dashgen.reading import module_file, read_text

if TYPE_CHECKING:
    from dashgen.convert.module import ModuleEdit
    from dashgen.convert.modules import Modules
    from dashgen.project import Project

DASH_AUTH = "dash_auth"
FLASK_LOGIN = "flask_login"
FLASK_CACHING = SERVER_CONSUMERS[0].split(".")[0]
# Packages convert itself maps or refuses: the app given to them is theirs to judge.
_MAPPED = {"dash", DASH_AUTH, FLASK_LOGIN, FLASK_CACHING, "flask"}

_BASIC_AUTH = (
    "dashgen maps only dash_auth.BasicAuth(app, USERS), USERS a dict, a list of pairs or a module-level name "
    "bound to one: guard the app by hand (an async before_request on Quart, an http middleware on FastAPI), "
    "then run this again"
)
_HANDED = (
    "code given the Dash app may register Flask views or hooks on app.server (dash_uploader does), which "
    "answer 500 on {label}: move it by hand, or drop it, then run this again"
)
_COMPRESS_MIMETYPES = '{app}.server.config["COMPRESS_MIMETYPES"].append("text/javascript")'


def _imported_modules(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]


def handles_import(edit: ModuleEdit, node: ast.Import | ast.ImportFrom) -> bool:
    """Whether this module maps the import (the caller then leaves it alone). A flask_login
    import is left to block as it does, but every use of it is named first."""
    tops = {module.split(".")[0] for module in _imported_modules(node)}
    if tops == {DASH_AUTH}:
        _dash_auth(edit, node)
        return True
    if FLASK_LOGIN in tops:
        _login_session(edit, node)
        return True
    if not edit.backend.flask_api and tops == {FLASK_CACHING}:
        edit.imports_left |= {FLASK_CACHING, "flask"}
        return True
    if not edit.backend.flask_api and _private_flask_import(edit, node):
        edit.imports_left.add("flask")
        return True
    return False


# --- dash_auth.BasicAuth ---------------------------------------------------------------------


def _dash_auth(edit: ModuleEdit, node: ast.Import | ast.ImportFrom) -> None:
    """`import dash_auth` / `from dash_auth import BasicAuth`: each BasicAuth(app, USERS) becomes
    the guard, the import the guard's imports; any other use of dash_auth blocks."""
    if isinstance(node, ast.Import):
        locals_ = {alias.asname or alias.name: "" for alias in node.names if "." not in alias.name}
        if len(locals_) != len(node.names):
            edit.block(node, f"{ast.unparse(node)}, a module of dash_auth's own", _BASIC_AUTH)
            return
    else:
        locals_ = {alias.asname or alias.name: alias.name for alias in node.names}
        for alias in node.names:
            if node.module != DASH_AUTH or alias.name != "BasicAuth":
                edit.block(node, f"{node.module}.{alias.name}", _BASIC_AUTH)
                return
    calls, failed = [], False
    for name in nodes(edit.tree, ast.Name):
        if name.id not in locals_ or not isinstance(name.ctx, ast.Load):
            continue
        target, parent = name, edit.parents.get(name)
        if not locals_[name.id]:  # `dash_auth.X`
            if not (isinstance(parent, ast.Attribute) and parent.attr == "BasicAuth"):
                edit.block(parent or name, f"{ast.unparse(parent or name)[:60]}, a use of dash_auth", _BASIC_AUTH)
                failed = True
                continue
            target, parent = parent, edit.parents.get(parent)
        if not (isinstance(parent, ast.Call) and parent.func is target and _basic_auth_call(edit, parent)):
            edit.block(parent or name, f"{ast.unparse(parent or name)[:60]}, a use of dash_auth", _BASIC_AUTH)
            failed = True
            continue
        calls.append(parent)
    if failed or not calls:
        if not calls and not failed:
            edit.block(node, "an import of dash_auth nothing here calls as BasicAuth(app, USERS)", _BASIC_AUTH)
        edit.imports_left.add(DASH_AUTH)
        return
    if len(calls) > 1:
        edit.block(calls[1], "a second dash_auth.BasicAuth(...)", "guard the app once, then run this again")
        edit.imports_left.add(DASH_AUTH)
        return
    keyed = edit.modules.secret_key_set()
    if keyed is not None:
        shown, line = keyed
        edit.block(calls[0], f"dash_auth.BasicAuth on a server given a secret key ({shown}:{line})",
                   "with one, dash_auth stores the user in Flask's session and every authorized answer sets its "
                   "cookie, which the guard would not: guard the app by hand, then run this again")  # fmt: skip
        edit.imports_left.add(DASH_AUTH)
        return
    taken = {"basic_auth", "BASIC_AUTH_USERS"} & bound_names(edit.tree)
    if taken:
        edit.block(calls[0], f"the module binds {', '.join(sorted(taken))} already", "rename it, then run this again")
        edit.imports_left.add(DASH_AUTH)
        return
    call = calls[0]
    statement = edit.parents[call]
    newline = _newline(edit, node.lineno)
    imports = [
        module for module in _GUARD_IMPORTS[edit.backend.name] if edit.aliases.get(module.split(".")[0]) != module
    ]
    start, end = edit.starts[node.lineno - 1], edit.starts[node.end_lineno]
    edit.edits.append(Edit(start, end, "".join(f"import {module}{newline}" for module in imports)))
    edit.notes.append((node.lineno, f"removed `{ast.unparse(node)}`: its BasicAuth is a guard of the server now"))
    app, users, assignment = _basic_auth_arguments(edit, call)
    shown = ast.get_source_segment(edit.file.text, call) or ""
    called = shown if len(shown) <= 50 and "\n" not in shown else f"{ast.unparse(call.func)}({app}, ...)"
    text = _guard(edit.backend.name, app, users, assignment, called)
    before, after = _blank_lines(edit, statement)
    text = newline * (2 - before) + text.replace("\n", newline) + newline * (3 - after)
    start, end = edit.starts[statement.lineno - 1], edit.starts[statement.end_lineno]
    edit.edits.append(Edit(start, end, text))
    hook = "a before_request hook" if edit.backend.flask_api else "an http middleware"
    edit.notes.append((statement.lineno, f"{ast.unparse(call)[:60]} as {hook}: dash_auth needs Flask"))


def _basic_auth_call(edit: ModuleEdit, call: ast.Call) -> bool:
    """BasicAuth(app, USERS) as a statement of its own at module level, or assigned to a name
    nothing reads (`auth = dash_auth.BasicAuth(app, USERS)`, as Dash's docs write it), nothing
    else passed."""
    statement = edit.parents.get(call)
    if not (isinstance(statement, (ast.Expr, ast.Assign)) and statement in edit.tree.body):
        edit.block(call, f"{ast.unparse(call)[:60]} not as a statement of its own at module level", _BASIC_AUTH)
        return False
    if isinstance(statement, ast.Assign) and not _unread_name(edit, statement):
        edit.block(call, f"{ast.unparse(statement)[:60]}, a BasicAuth object the app reads", _BASIC_AUTH)
        return False
    extra = [keyword.arg or "**" for keyword in call.keywords if keyword.arg != "username_password_list"]
    users = len(call.args) + len(call.keywords) - len(extra)
    if extra or users != 2 or any(isinstance(arg, ast.Starred) for arg in call.args):
        what = f"BasicAuth({', '.join(f'{name}=' for name in extra)}...)" if extra else "BasicAuth(...) arguments"
        edit.block(call, f"{what}, beyond BasicAuth(app, USERS)", _BASIC_AUTH)
        return False
    app = call.args[0] if call.args else None
    if not (isinstance(app, ast.Name) and app.id in edit.names.apps):
        edit.block(call, "BasicAuth given something else than the Dash app first", _BASIC_AUTH)
        return False
    if _basic_auth_arguments(edit, call) is None:
        edit.block(call, "BasicAuth's users neither a dict, a list of pairs nor a module-level name bound to one",
                   _BASIC_AUTH)  # fmt: skip
        return False
    return True


def _unread_name(edit: ModuleEdit, statement: ast.Assign) -> bool:
    """The statement binds one name that no module of the project reads: the guard that
    replaces it binds none."""
    if not (len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)):
        return False
    target = statement.targets[0]
    for file in edit.modules.files:
        for node in ast.walk(file.tree):
            read = isinstance(node, ast.Name) and node.id == target.id and node is not target
            here = file.path == edit.file.path
            # `from app import auth`, `from app import *`, `app.auth`: read from another module
            imported = isinstance(node, ast.alias) and node.name in (target.id, "*")
            attribute = isinstance(node, ast.Attribute) and node.attr == target.id
            if (read and here) or imported or attribute:
                return False
    return True


def _basic_auth_arguments(edit: ModuleEdit, call: ast.Call):
    """(app, what the guard calls the users, the line binding them or None)."""
    app = ast.unparse(call.args[0])
    users = call.args[1] if len(call.args) > 1 else call.keywords[0].value
    if isinstance(users, ast.Name):
        bound = [
            statement.value
            for statement in edit.tree.body
            if isinstance(statement, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == users.id for target in statement.targets)
        ]
        if len(bound) != 1 or not isinstance(bound[0], (ast.Dict, ast.List, ast.Tuple)):
            return None
        if isinstance(bound[0], ast.Dict):
            return app, users.id, None
        return app, "BASIC_AUTH_USERS", f"BASIC_AUTH_USERS = dict({users.id})"
    source = ast.get_source_segment(edit.file.text, users) or ast.unparse(users)
    if isinstance(users, ast.Dict):
        return app, "BASIC_AUTH_USERS", f"BASIC_AUTH_USERS = {source}"
    if isinstance(users, (ast.List, ast.Tuple)):
        return app, "BASIC_AUTH_USERS", f"BASIC_AUTH_USERS = dict({source})"
    return None


# The guard dash_auth.BasicAuth(app, users) becomes: every request, Dash's own included, needs a
# user's name and password, or gets the 401 dash_auth answers (measured alike on both prefixes).
_GUARDS = {
    "quart": '''@{app}.server.before_request
async def basic_auth():
    """In place of {called}, which needs Flask: every request needs HTTP Basic
    credentials of one of {users}, else it gets dash_auth's 401."""
    credentials = quart.request.authorization
    if credentials is not None and credentials.type == "basic":
        password, given = {users}.get(credentials.username), credentials.password
        if isinstance(password, str) and hmac.compare_digest(password.encode(), given.encode()):
            return None
    challenge = {{"WWW-Authenticate": 'Basic realm="User Visible Realm"'}}
    return quart.Response("Login Required", 401, challenge)''',
    "fastapi": '''@{app}.server.middleware("http")
async def basic_auth(request, call_next):
    """In place of {called}, which needs Flask: every request needs HTTP Basic
    credentials of one of {users}, else it gets dash_auth's 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            username, _, given = base64.b64decode(token).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            pass  # not credentials at all: the 401 below
        else:
            password = {users}.get(username)
            if isinstance(password, str) and hmac.compare_digest(password.encode(), given.encode()):
                return await call_next(request)
    return starlette.responses.Response(
        "Login Required",
        status_code=401,
        headers={{"WWW-Authenticate": 'Basic realm="User Visible Realm"'}},
        media_type="text/html",
    )''',
}
_GUARD_IMPORTS = {"quart": ["hmac", "quart"], "fastapi": ["base64", "binascii", "hmac", "starlette.responses"]}


def _guard(backend: str, app: str, users: str, assignment: str | None, called: str) -> str:
    head = f"{assignment}\n\n\n" if assignment else ""
    return head + _GUARDS[backend].format(app=app, users=users, called=called)


def _newline(edit: ModuleEdit, line: int) -> str:
    text = edit.lines[line - 1]
    return "\r\n" if text.endswith("\r\n") else "\r" if text.endswith("\r") else "\n"


def _blank_lines(edit: ModuleEdit, statement: ast.stmt) -> tuple[int, int]:
    """How many blank lines are before the statement and after it (at most 2; 2 at the file's ends)."""
    before = 0
    while before < 2 and statement.lineno - 2 - before >= 0 and not edit.lines[statement.lineno - 2 - before].strip():
        before += 1
    if statement.lineno - 1 - before <= 0:
        before = 2
    after = 0
    while after < 2 and statement.end_lineno + after < len(edit.lines) and not edit.lines[
            statement.end_lineno + after].strip():  # fmt: skip
        after += 1
    if statement.end_lineno + after >= len(edit.lines):
        after = 2
    return before, after


# --- flask_login ------------------------------------------------------------------------------


def _login_locals(node: ast.Import | ast.ImportFrom) -> tuple[dict[str, str], set[str]]:
    """What the import binds: {local name: flask_login's name}, and the local names of the module."""
    if isinstance(node, ast.ImportFrom):
        return {alias.asname or alias.name: alias.name for alias in node.names}, set()
    modules = {
        (alias.asname or alias.name).split(".")[0] for alias in node.names if alias.asname or "." not in alias.name
    }
    return {}, modules


def _login_managers(edit: ModuleEdit, names: dict[str, str], modules: set[str]) -> set[str]:
    return {
        target.id
        for statement in nodes(edit.tree, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
        and isinstance(statement.value, ast.Call)
        and _login_name(statement.value.func, names, modules) == "LoginManager"
    }


def _login_name(node: ast.AST, names: dict[str, str], modules: set[str]) -> str | None:
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
        return node.attr
    return None


# --- flask_login: quart_login.py, fastapi_login.py ---------------------------------------------

# The module written in flask_login's place, by backend.
LOGIN_MODULES = {"quart": "quart_login", "fastapi": "fastapi_login"}
_LOGIN_SESSION = (
    "dashgen maps onto {label}'s session only LoginManager() with init_app(server) (or LoginManager(server)), "
    "user_loader, unauthorized(), login_view as a path, login_message, UserMixin, AnonymousUserMixin, "
    "login_user(user, remember=...), logout_user(), current_user and @login_required on a route: rewrite it so, "
    "or move the login {alternative} by hand, then run this again"
)
_LOGIN_ALTERNATIVE = {"quart": "to quart-auth", "fastapi": "to a FastAPI authentication library"}


def _login_how(edit: ModuleEdit) -> str:
    name = edit.backend.name
    return _LOGIN_SESSION.format(label=edit.backend.label, alternative=_LOGIN_ALTERNATIVE[name])


# What of a LoginManager the written module has, as flask_login has it.
_MANAGER_SETTINGS = ("login_view", "login_message", "login_message_category")
# Flask-Login's settings in the app's config it has not (quart_login.py fails on them too; FastAPI has no config).
_LOGIN_CONFIG = ("SESSION_PROTECTION", "USE_SESSION_FOR_NEXT", "FORCE_HOST_FOR_REDIRECTS", "AUTH_HEADER_NAME")
# login_user's parameters, in order.
_LOGIN_USER = ("user", "remember", "duration", "force", "fresh")
_LOGIN_MAPPED = ("LoginManager", "UserMixin", "AnonymousUserMixin", "current_user", "login_user", "logout_user",
                 "login_required")  # fmt: skip


def _login_session(edit: ModuleEdit, node: ast.Import | ast.ImportFrom) -> None:
    """flask_login imported from quart_login.py / fastapi_login.py (written into the project) when
    each of its uses here is one that module has as flask_login has it; else each other use blocks."""
    refused = len(edit.blockers)
    written = LOGIN_MODULES[edit.backend.name]
    how = _login_how(edit)
    if any("." in alias.name for alias in node.names) if isinstance(node, ast.Import) else node.module != FLASK_LOGIN:
        module = node.module if isinstance(node, ast.ImportFrom) else ast.unparse(node).split()[-1]
        edit.block(node, f"import of {module}, a module of flask_login's own", how)
        edit.imports_left.add(FLASK_LOGIN)
        return
    names, modules = _login_locals(node)
    for alias in node.names if isinstance(node, ast.ImportFrom) else ():
        if alias.name == "*":
            edit.block(node, "`from flask_login import *`", "name what the module uses from flask_login, then run "
                       "this again")  # fmt: skip
        elif alias.name not in _LOGIN_MAPPED:
            edit.block(node, f"{alias.name}, flask_login", f"{written}.py has no {alias.name}: {how}")
    managers = _login_managers(edit, names, modules)
    edit.login_managers |= managers
    edit.login_decorators |= {local for local, name in names.items() if name == "login_required"}
    edit.login_decorators |= {f"{module}.login_required" for module in modules}
    for found in nodes(edit.tree, ast.Name, ast.Attribute):
        if isinstance(found, ast.Name) and not isinstance(found.ctx, ast.Load):
            continue
        why = _login_refusal(edit, found, names, modules, managers)
        if why is not None:
            what, reason = why
            edit.block(found, f"{what}, flask_login", f"{reason}: {how}")
    named = {(blocker.line, blocker.what) for blocker in edit.blockers}  # by another import of flask_login
    for found in nodes(edit.tree, ast.Constant, ast.keyword):
        key = found.value if isinstance(found, ast.Constant) else found.arg
        if not (isinstance(key, str) and (key in _LOGIN_CONFIG or key.startswith("REMEMBER_COOKIE_"))):
            continue
        what = f"{key}, a setting of Flask-Login's"
        if (found.lineno, what) not in named:
            edit.block(found, what, f"{written}.py has no {key}: {how}")
    if len(edit.blockers) > refused:
        edit.imports_left.add(FLASK_LOGIN)
        return
    if isinstance(node, ast.ImportFrom):
        start = edit.offset(node.lineno, node.col_offset)
        match = re.compile(r"from\s+(flask_login)\b").match(edit.file.text, start)
        if match is None:
            how = "write it as `from flask_login import ...`, then run this again"
            edit.block(node, "an import of flask_login dashgen cannot read", how)
            return
        edit.edits.append(Edit(match.start(1), match.end(1), written))
    else:
        for alias in node.names:
            if alias.name == FLASK_LOGIN:
                start = edit.offset(alias.lineno, alias.col_offset)
                new = written if alias.asname else f"{written} as {FLASK_LOGIN}"
                edit.edits.append(Edit(start, start + len(FLASK_LOGIN), new))
    edit.modules.login_module = True
    if not edit.backend.flask_api:  # fastapi_login.py keeps the login in Flask's session, on FastAPI
        edit.modules.session_module = True
    edit.notes.append((node.lineno, f"flask_login from {written}.py: the login kept in {edit.backend.label}'s "
                       "session under Flask-Login's keys (flask_login needs Flask's request context)"))  # fmt: skip


def login_module_change(project: Project, modules: Modules, blockers: list[Blocker]) -> FileChange | None:
    """quart_login.py / fastapi_login.py in the folder the server imports the app from (on the path
    of every module the app imports), when a converted module imports from it."""
    if not modules.login_module:
        return None
    backend = modules.backend
    written = LOGIN_MODULES[backend.name]
    text = login_module_text(backend)
    path = project.root / project.source.entry.app_dir / f"{written}.py"
    shown = project.shown(path)
    if path.exists():
        if read_text(path) == text:
            return FileChange(shown, IDENTICAL, text, text)
        blockers.append(Blocker(shown, 1, f"{shown}, a module of the project's own", "dashgen writes flask_login's "
                                f"{backend.label} equivalent there: rename it, then run this again"))  # fmt: skip
        return None
    modules.notes.append(f"{shown}: flask_login's LoginManager, UserMixin, login_user, logout_user, current_user "
                         f"and login_required on {backend.label}'s session, as Flask-Login 0.6.3 answers")  # fmt: skip
    return FileChange(shown, CREATE, text)


def login_module_text(backend) -> str:
    """The module written in flask_login's place on the backend, from flask_login.py.jinja."""
    source = Path(__file__).with_name("flask_login.py.jinja").read_text(encoding="utf-8")
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    quart = backend.name == "quart"
    return environment.from_string(source).render(quart=quart, backend=backend.name, label=backend.label)


def login_answer(edit: ModuleEdit, value: ast.expr) -> bool:
    """`login_manager.unauthorized()`: the response the login module makes (a redirect or a 401)."""
    func = value.func if isinstance(value, ast.Call) else None
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "unauthorized"
        and isinstance(func.value, ast.Name)
        and func.value.id in edit.login_managers
    )


def login_decorator(edit: ModuleEdit, decorator: ast.expr) -> bool:
    """`@login_required` (as the module imports it from flask_login)."""
    return ast.unparse(decorator) in edit.login_decorators


def _login_refusal(
    edit: ModuleEdit, found: ast.Name | ast.Attribute, names: dict[str, str], modules: set[str], managers: set[str]
) -> tuple[str, str] | None:
    """(what, why) when this use of flask_login is not one the login module has; None when it is, or
    when the node is no use of flask_login."""
    parent = edit.parents.get(found)
    used = _login_name(found, names, modules)
    if used is None:
        if isinstance(found, ast.Attribute) and isinstance(found.value, ast.Name) and found.value.id in managers:
            return _manager_refusal(edit, found, parent)
        return None
    shown = ast.unparse(found)
    if used not in _LOGIN_MAPPED:
        return shown, f"{LOGIN_MODULES[edit.backend.name]}.py has no {used}"
    called = isinstance(parent, ast.Call) and parent.func is found
    if used == "LoginManager":
        statement = edit.parents.get(parent)
        bound = (
            isinstance(statement, ast.Assign)
            and statement in edit.tree.body
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        )
        if not (called and bound):
            return shown, "a LoginManager not made at module level and bound to a name"
        given = [*parent.args, *(keyword.value for keyword in parent.keywords if keyword.arg == "app")]
        if len(given) != len(parent.args) + len(parent.keywords) or len(given) > 1:
            return f"{ast.unparse(parent)[:60]}", "LoginManager given more than the server"
        if given and not edit.is_server(given[0]):
            return f"{ast.unparse(parent)[:60]}", "LoginManager given something else than the server"
        if given:
            edit.server_calls.add(parent)
        return None
    if used == "login_user":
        starred = any(isinstance(argument, ast.Starred) for argument in parent.args) if called else False
        if not called or starred or not 1 <= len(parent.args) <= len(_LOGIN_USER):
            return shown, "login_user not called with the user and its own arguments"
        for keyword in parent.keywords:
            if keyword.arg not in _LOGIN_USER[1:]:
                return f"login_user(..., {keyword.arg or '**'}=...)", "login_user given more than flask_login takes"
        return None
    if used == "logout_user":
        return None if called and not parent.args and not parent.keywords else (shown, "logout_user not called alone")
    if used == "login_required":  # its view is async: only the server can await it
        decorates = isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and found in parent.decorator_list
        if not (decorates and any(edit.registration(decorator) == "route" for decorator in parent.decorator_list)):
            return shown, "login_required elsewhere than as a decorator of a route of the server"
    return None


def _manager_refusal(edit: ModuleEdit, found: ast.Attribute, parent: ast.AST | None) -> tuple[str, str] | None:
    """(what, why) when `login_manager.<attribute>` is not one the login module's LoginManager has."""
    shown = ast.unparse(found)
    attr = found.attr
    if attr == "init_app":
        called = isinstance(parent, ast.Call) and parent.func is found
        if called and len(parent.args) == 1 and not parent.keywords and edit.is_server(parent.args[0]):
            edit.server_calls.add(parent)
            return None
        return f"{ast.unparse(parent)[:60]}", "init_app given something else than the server alone"
    if attr == "user_loader":
        if isinstance(parent, ast.FunctionDef) and found in parent.decorator_list:
            return None
        return shown, "a user loader not set with @login_manager.user_loader on a plain function"
    if attr == "login_view" and isinstance(found.ctx, ast.Store):
        value = parent.value if isinstance(parent, ast.Assign) else None
        path = value.value if isinstance(value, ast.Constant) else None
        if isinstance(path, str) and path.startswith(("/", "http://", "https://")):
            return None
        return f"{shown} = {ast.unparse(value)[:40] if value else '...'}", "a login view that is not a path"
    if attr in _MANAGER_SETTINGS and (isinstance(found.ctx, ast.Load) or isinstance(parent, ast.Assign)):
        return None
    if attr == "unauthorized":  # `return login_manager.unauthorized()`: the redirect (or 401) login_required gives
        called = isinstance(parent, ast.Call) and parent.func is found and not parent.args and not parent.keywords
        return None if called else (shown, "unauthorized not called as unauthorized()")
    return shown, f"{LOGIN_MODULES[edit.backend.name]}.py's LoginManager has no {attr}"


# --- Dash(compress=True) ---------------------------------------------------------------------


def compress(edit: ModuleEdit, call: ast.Call, keyword: ast.keyword) -> None:
    """Dash(compress=True) kept: Dash compresses with quart-compress on Quart (whose types lack
    Dash's text/javascript, added here) and with Starlette's GZipMiddleware on FastAPI."""
    value = keyword.value
    if not isinstance(value, ast.Constant) or value.value not in (True, False):
        edit.block(keyword, f"Dash(compress={ast.unparse(value)[:40]})", "write compress=True or False, then run again")
        return
    if not value.value:
        return
    if not edit.backend.flask_api:
        edit.notes.append((call.lineno, "compress=True kept: Dash adds Starlette's GZipMiddleware on FastAPI"))
        return
    statement = edit.parents.get(call)
    if not (
        isinstance(statement, ast.Assign)
        and statement in edit.tree.body
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        how = 'add "text/javascript" to app.server.config["COMPRESS_MIMETYPES"] after Dash(...) by hand'
        edit.block(call, "Dash(compress=True) not bound to a name at module level", how)
        return
    app = statement.targets[0].id
    newline = _newline(edit, statement.end_lineno)
    at = edit.starts[statement.end_lineno]
    comment = "# quart-compress's types leave out text/javascript, the type Dash serves its scripts with."
    edit.edits.append(Edit(at, at, f"{comment}{newline}{_COMPRESS_MIMETYPES.format(app=app)}{newline}"))
    edit.modules.requirements_added.append("quart-compress")
    edit.notes.append((call.lineno, "compress=True kept: Dash compresses with quart-compress on Quart, which "
                       "now also compresses Dash's scripts (text/javascript)"))  # fmt: skip


# --- Flask-Caching on FastAPI ----------------------------------------------------------------


def private_cache_apps(edit: ModuleEdit) -> None:
    """On FastAPI, `Cache(app.server, ...)` / `cache.init_app(server)`: Flask-Caching bound to a
    private Flask app that is never served (its memoize needs an app's config, FastAPI has none)."""
    if edit.backend.flask_api:
        return
    replaced = []
    for call in nodes(edit.tree, ast.Call):
        if edit.called(call.func) not in SERVER_CONSUMERS:
            continue
        for argument in call.args[:1]:
            if edit.is_server(argument):
                edit.replace_node(argument, "Flask(__name__)")
                replaced.append(argument)
    if not replaced:
        return
    if "Flask" in bound_names(edit.tree) and edit.aliases.get("Flask") != "flask.Flask":
        edit.block(replaced[0], "the module binds Flask already", "rename it, then run this again")
        return
    edit.imports_left.add("flask")
    for argument in replaced:
        edit.notes.append((argument.lineno, "Flask-Caching bound to a private Flask app (never served): "
                           "FastAPI has no config for its decorators to read"))  # fmt: skip
    uses = [name for name in nodes(edit.tree, ast.Name) if name.id == "Flask"]
    if edit.aliases.get("Flask") == "flask.Flask" and all(private_flask(edit, name) for name in uses):
        return  # `from flask import Flask` only for private apps already: it stays
    statement = next(
        node
        for node in edit.tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and FLASK_CACHING in {module.split(".")[0] for module in _imported_modules(node)}
    )
    at = edit.starts[statement.end_lineno]
    edit.edits.append(Edit(at, at, f"from flask import Flask{_newline(edit, statement.end_lineno)}"))


def private_flask(edit: ModuleEdit, name: ast.Name) -> bool:
    """`Flask(__name__)` as the app a Flask-Caching Cache is bound to on FastAPI."""
    call = edit.parents.get(name)
    outer = edit.parents.get(call)
    return (
        not edit.backend.flask_api
        and isinstance(call, ast.Call)
        and call.func is name
        and isinstance(outer, ast.Call)
        and outer.args[:1] == [call]
        and edit.called(outer.func) in SERVER_CONSUMERS
    )


def _private_flask_import(edit: ModuleEdit, node: ast.Import | ast.ImportFrom) -> bool:
    """`from flask import Flask` only for Flask-Caching's private app (a FastAPI app converted before)."""
    if not (isinstance(node, ast.ImportFrom) and node.module == "flask" and len(node.names) == 1):
        return False
    alias = node.names[0]
    if alias.name != "Flask":
        return False
    local = alias.asname or alias.name
    uses = [name for name in nodes(edit.tree, ast.Name) if name.id == local]
    return bool(uses) and all(private_flask(edit, name) for name in uses)


# --- the Dash app handed to a package --------------------------------------------------------


def app_handed_to_packages(edit: ModuleEdit) -> None:
    """A call that passes the Dash app to a function of a third-party package (not dash, not the
    project's own modules, not a package this module maps): such code (dash_uploader's
    configure_upload) registers Flask views on app.server, which answer 500 on the backend."""
    project = edit.modules.project
    got = _get_app_calls(edit)
    for call in nodes(edit.tree, ast.Call):
        apps = edit.names.in_function(edit.function_of(call))[0] | got
        given = [arg for arg in (*call.args, *(keyword.value for keyword in call.keywords)) if ast.unparse(arg) in apps]
        if not given:
            continue
        dotted = _dotted(edit, call.func)
        top = dotted.split(".")[0] if dotted else ""
        if not top or top in _MAPPED or top in sys.stdlib_module_names:
            continue
        if module_file(top, (edit.file.path.parent, project.root)) is not None:
            continue  # the project's own module: converted itself
        edit.block(call, f"{ast.unparse(call)[:60]}: the Dash app handed to {top}",
                   _HANDED.format(label=edit.backend.label))  # fmt: skip


def _get_app_calls(edit: ModuleEdit) -> set[str]:
    """`dash.get_app()` / `get_app()` as this module spells it: the app."""
    found = set()
    for local, dotted in edit.aliases.items():
        if dotted == "dash":
            found.add(f"{local}.get_app()")
        elif dotted == "dash.get_app":
            found.add(f"{local}()")
    return found


def get_app_servers(aliases: dict[str, str]) -> set[str]:
    """`dash.get_app().server` as a module spells it: the server (a page's helper module reaches it so)."""
    found = set()
    for local, dotted in aliases.items():
        if dotted == "dash":
            found.add(f"{local}.get_app().server")
        elif dotted == "dash.get_app":
            found.add(f"{local}().server")
    return found


def _dotted(edit: ModuleEdit, func: ast.expr) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in edit.aliases:
        return ""
    return ".".join([edit.aliases[func.id], *reversed(parts)])
