"""FastAPI's part of a conversion: Flask's routes, hooks and request in FastAPI's style.

Every view is rewritten by surgical splices (its own lines kept): the route decorator in
FastAPI's spelling, a `request: Request` parameter where the view reads the request, each return
as the response Flask would have made of it (a str is text/html on Flask, so an HTMLResponse; a
redirect is a 302), `abort(code)` as `raise HTTPException(code)`. before_request and
after_request hooks become one `@server.middleware("http")` each: a middleware covers every route,
as Flask's hooks do (Dash's own before-request hook on FastAPI covers only its `_dash-*` routes).
What has no exact equal (another request attribute, a return dashgen cannot type, the config)
blocks, with the sentence that says how to move it by hand."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from dashgen.convert.extensions import login_answer, login_decorator
from dashgen.convert.flask_code import FASTAPI_REFUSED
from dashgen.convert.names import FLASK, Edit, flask_ref, own_nodes
from dashgen.convert.session import import_session, serve_session
from dashgen.edits import Spans, bound_names, newline_of
from dashgen.nodes import nodes
from dashgen.reading import PythonFile

# What of flask a module moving onto FastAPI may import: each has an exact equal below.
CONVERTED_NAMES = ("Flask", "jsonify", "request", "redirect", "abort", "send_file", "send_from_directory", "Response",
                   "session")  # fmt: skip
# Where each name the conversion writes comes from.
_IMPORTED = {
    "callback_context": "dash",
    "FastAPI": "fastapi",
    "HTTPException": "fastapi",
    "Request": "fastapi",
    "FileResponse": "fastapi.responses",
    "HTMLResponse": "fastapi.responses",
    "JSONResponse": "fastapi.responses",
    "Response": "fastapi.responses",
}
# The request's attributes read as they are on Starlette's Request, or as what equals them there.
_REQUEST_MAPS = {"args": "query_params", "headers": "headers", "cookies": "cookies"}
_REQUEST_ATTRIBUTES = {"method": "method", "path": "url.path", "remote_addr": "client.host"}
_METHODS = {"route": None, "get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}

# The helpers a conversion may add to a module, after its imports: what Flask does that FastAPI
# has no one call for.
HELPERS = {
    "_FlaskPath": '''
from starlette.convertors import Convertor, register_url_convertor


class _FlaskPath(Convertor):
    """Werkzeug's path converter: never empty, never starting with / (Starlette's path matches both)."""

    regex = "[^/].*?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("flaskpath", _FlaskPath())
''',
    "_flask_get_json": '''
async def _flask_get_json(request: Request, silent: bool = False):
    """Flask's request.get_json(): 415 unless the body is JSON, 400 when it does not parse."""
    import json

    mimetype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if mimetype == "application/json" or mimetype.startswith("application/") and mimetype.endswith("+json"):
        try:
            return json.loads(await request.body())
        except ValueError:
            if not silent:
                raise HTTPException(400) from None
    elif not silent:
        raise HTTPException(415)
    return None
''',
    "_flask_form": '''
async def _flask_form(request: Request):
    """Flask's request.form: the fields of a url-encoded or multipart body as Werkzeug parses them
    (none for another body), a key the form does not have answered 400, as on Flask."""
    import io

    from werkzeug.datastructures import ImmutableMultiDict
    from werkzeug.formparser import FormDataParser
    from werkzeug.http import parse_options_header

    class BadRequestKeyError(HTTPException, KeyError):
        """Werkzeug's: a KeyError to get(), a 400 to the client."""

    class FlaskForm(ImmutableMultiDict):
        def __getitem__(self, key):
            if key not in self:
                raise BadRequestKeyError(400)
            return super().__getitem__(key)

    mimetype, options = parse_options_header(request.headers.get("content-type", ""))
    body = await request.body()
    return FlaskForm(FormDataParser().parse(io.BytesIO(body), mimetype, len(body), options)[1])
''',
    "_flask_redirect": '''
def _flask_redirect(location, code=302):
    """Flask's redirect: Werkzeug's answer (its Location, its short "Redirecting..." page)."""
    from werkzeug.utils import redirect

    answer = redirect(location, code)
    return Response(answer.get_data(), status_code=code, headers={"Location": answer.location}, media_type="text/html")
''',
    "_flask_send_file": '''
def _flask_send_file(path):
    """Flask's send_file: a relative path is relative to the app's folder (its root_path)."""
    import os

    return _flask_encoded(FileResponse(os.path.join(os.path.dirname(os.path.abspath(__file__)), path)))
''',
    "_flask_send_from_directory": '''
def _flask_send_from_directory(directory, path):
    """Flask's send_from_directory: a file inside the folder (werkzeug's safe_join), else 404."""
    import os
    import posixpath

    path = posixpath.normpath(path) if path != "" else path
    separators = [sep for sep in (os.sep, os.altsep) if sep not in (None, "/")]
    if (
        any(sep in path for sep in separators)
        or os.path.isabs(path)
        or path.startswith("/")
        or path == ".."
        or path.startswith("../")
    ):
        raise HTTPException(404)
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), directory or ".")
    full = posixpath.join(folder, path)
    if not os.path.isfile(full):
        raise HTTPException(404)
    return _flask_encoded(FileResponse(full))
''',
    "_flask_arg": '''
def _flask_arg(values, key, default=None):
    """Flask's request.args.get: the first value of a key the query repeats (Starlette's get gives the last)."""
    found = values.getlist(key)
    return found[0] if found else default
''',
    "_flask_cookies": '''
def _flask_cookies(headers):
    """Flask's request.cookies: Werkzeug's reading of the Cookie header, where a name sent twice
    (cookies of two paths) gives its first value; Starlette's gives the last."""
    from werkzeug.http import parse_cookie

    return parse_cookie(headers.get("cookie", ""))
''',
    "_flask_request_args": '''
def _flask_request_args():
    """Flask's request.args for the request Dash is answering (a page, a callback): Werkzeug's MultiDict."""
    from dash import get_app
    from werkzeug.datastructures import ImmutableMultiDict

    try:
        return ImmutableMultiDict(get_app().backend.request_adapter().args.multi_items())
    except RuntimeError:  # the worker's start-up, where Dash calls the page layouts to validate them
        return ImmutableMultiDict()
''',
    "_flask_query_string": '''
def _flask_query_string():
    """Flask's request.query_string for the request Dash is answering: the query as sent, in bytes."""
    from urllib.parse import urlsplit

    from dash import get_app

    try:
        return urlsplit(get_app().backend.request_adapter().url).query.encode("latin-1")
    except RuntimeError:  # the worker's start-up, where Dash calls the page layouts to validate them
        return b""
''',
    "_flask_encoded": '''
def _flask_encoded(response):
    """A file Flask sends as it is stored: a compressed one (.gz, .br ...) says so in Content-Encoding."""
    import mimetypes

    encoding = mimetypes.guess_type(response.path)[1]
    if encoding is not None:
        response.headers["Content-Encoding"] = encoding
    return response
''',
    "_flask_attachment": '''
def _flask_attachment(response):
    """Flask's as_attachment=True: the file as a download, named as Werkzeug names it."""
    import os
    import unicodedata
    from urllib.parse import quote

    name = os.path.basename(response.path)
    token = set("!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~")

    def quoted(value):
        if value and set(value) <= token:
            return value
        return '"' + value.replace("\\\\", "\\\\\\\\").replace('"', '\\\\"') + '"'

    disposition = "attachment; filename=" + quoted(
        name if name.isascii() else unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    )
    if not name.isascii():
        disposition += "; filename*=UTF-8''" + quote(name, safe="!#$&+-.^_`|~")
    response.headers["Content-Disposition"] = disposition
    if "content-encoding" in response.headers:
        del response.headers["content-encoding"]  # a download keeps its bytes as stored
    return response
''',
}


# What each helper needs from fastapi.
_HELPER_IMPORTS = {
    "_flask_redirect": ("Response",),
    "_flask_form": ("HTTPException", "Request"),
    "_flask_cookies": (),
    "_flask_request_args": (),
    "_flask_query_string": (),
    "_flask_arg": (),
    "_flask_attachment": (),
    "_FlaskPath": (),
    "_flask_get_json": ("HTTPException", "Request"),
    "_flask_encoded": (),
    "_flask_send_file": ("FileResponse",),
    "_flask_send_from_directory": ("FileResponse", "HTTPException"),
}


@dataclass
class FastAPIState:
    """What one module's conversion onto FastAPI needs at its end."""

    flask_imports: list[ast.stmt] = field(default_factory=list)  # replaced by what the views import
    imports: set[str] = field(default_factory=set)  # names from fastapi the edits use
    helpers: set[str] = field(default_factory=set)
    consumed: set[int] = field(default_factory=set)  # ids of the flask names an edit replaced
    hooks: list[tuple[str, ast.AST]] = field(default_factory=list)
    rules: set[int] = field(default_factory=set)  # ids of the add_url_rule calls moved
    static: tuple[ast.stmt, str] | None = None  # Flask's static route: after this statement, on this server


def state(edit) -> FastAPIState:
    if not hasattr(edit, "fastapi"):
        edit.fastapi = FastAPIState()
    return edit.fastapi


def how(name: str, edit) -> str:
    return FASTAPI_REFUSED[name].format(label=edit.backend.label)


# --- imports ---


def flask_import(edit, node: ast.stmt) -> bool:
    """`from flask import request, jsonify, ...` at module level, onto FastAPI: every name one the
    conversion replaces. It is rewritten at the end, to what the converted views import."""
    if edit.backend.route_style != "method" or node not in edit.tree.body:
        return False
    if isinstance(node, ast.Import) and [(alias.name, alias.asname) for alias in node.names] == [("flask", None)]:
        return _import_flask(edit, node)
    if not (isinstance(node, ast.ImportFrom) and node.module == FLASK.server_module):
        return False
    used = {name.id for name in nodes(edit.tree, ast.Name)}
    # A name imported and never used goes with the import: there is nothing of it to move.
    others = [
        alias.name for alias in node.names if alias.name not in CONVERTED_NAMES and (alias.asname or alias.name) in used
    ]
    if others:
        for name in others:
            edit.block(node, f"flask.{name}", how("name", edit))
        return True
    state(edit).flask_imports.append(node)
    return True


def _import_flask(edit, node: ast.Import) -> bool:
    """`import flask` onto FastAPI: removed where nothing uses it, `flask.Flask(__name__)` made
    FastAPI(); any other `flask.<name>` blocks."""
    for name in nodes(edit.tree, ast.Name):
        if name.id != "flask":
            continue
        attribute = edit.parents.get(name)
        call = edit.parents.get(attribute)
        if (
            isinstance(attribute, ast.Attribute)
            and attribute.attr == "Flask"
            and getattr(call, "func", None) is attribute
        ):
            server_call(edit, call)
            continue
        shown = ast.unparse(attribute if isinstance(attribute, ast.Attribute) else name)
        edit.block(name, f"{shown}, flask used as a module", how("name", edit))
    state(edit).flask_imports.append(node)
    return True


def from_imports(file: PythonFile) -> PythonFile:
    """`import flask` and `flask.request`, `flask.send_from_directory(...)` read as `from flask
    import request, send_from_directory` and `request`, ...: the form the views are converted
    from. The module as it was when it uses flask otherwise, or one of those names is its own."""
    statements = [
        statement
        for statement in file.tree.body
        if isinstance(statement, ast.Import) and [(a.name, a.asname) for a in statement.names] == [("flask", None)]
    ]
    if len(statements) != 1:
        return file
    uses, taken = [], set()
    for node in ast.walk(file.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask":
            uses.append(node)
        elif isinstance(node, ast.Name):
            taken.add(node.id)
        elif isinstance(node, ast.arg):
            taken.add(node.arg)
    names = list(dict.fromkeys(use.attr for use in uses))
    loads = sum(isinstance(node, ast.Name) and node.id == "flask" for node in ast.walk(file.tree))
    unknown = set(names) - set(CONVERTED_NAMES)
    if not uses or loads != len(uses) or unknown or set(names) & (taken | bound_names(file.tree)):
        return file
    spans = Spans(file.text)
    edits = [(*spans.span(use), use.attr) for use in uses]
    edits.append((*spans.span(statements[0]), f"from flask import {', '.join(names)}"))
    text = file.text
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return PythonFile(file.path, text, file.encoding, ast.parse(text))


# --- the server ---


def server_call(edit, call: ast.Call) -> None:
    """`Flask(__name__)` → `FastAPI()`: FastAPI takes no import name; the static/ folder Flask
    serves at /static/ gets Flask's static route."""
    arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
    named = (
        len(call.args) == 1 and not call.keywords or not call.args and [k.arg for k in call.keywords] == ["import_name"]
    )
    if not named or not (isinstance(arguments[0], ast.Name) and arguments[0].id == "__name__"):
        edit.block(call, f"{ast.unparse(call)[:60]}, Flask's arguments", how("server_arguments", edit))
        return
    if (Path(edit.file.path).parent / "static").is_dir():
        flask_static(edit, call, "Flask(__name__) serving the static/ folder at /static")
    edit.replace_node(call, "FastAPI()")
    state(edit).imports.add("FastAPI")
    state(edit).consumed.add(id(call.func))
    edit.notes.append((call.lineno, "FastAPI(): FastAPI's server, which takes no import name"))


# --- routes ---


def method_route(edit, function: ast.AST) -> None:
    """A Flask route as FastAPI writes one: `@server.get("/items/{id:int}")` (or
    `api_route(path, methods=[...])`), the path's parameters typed as their converters type them,
    `request: Request` where the view reads the request, each return as Flask's response."""
    decorators = [decorator for decorator in function.decorator_list if edit.registration(decorator)]
    rules = [call for call in _url_rules(edit) if _rule_view(call) and _rule_view(call).id == function.name]
    if not decorators and len(rules) != 1:
        return  # add_url_rule with another view, or several: blocked in finish
    decorator = decorators[0] if decorators else rules[0]
    # flask_login's @login_required below the route's decorator: fastapi_login.py's wraps the view.
    others = [other for other in function.decorator_list if not login_decorator(edit, other)]
    if (
        decorators
        and (
            others != [decorator] or function.decorator_list[0] is not decorator or not isinstance(decorator, ast.Call)
        )
        or (not decorators and others)
    ):
        edit.block(function, f"{function.name}, a route with another decorator", how("route", edit))
        return
    if isinstance(function, ast.AsyncFunctionDef):
        edit.block(function, f"{function.name}, an async view (Flask runs it through asgiref)", how("route", edit))
        return
    if decorators:
        path = decorator.args[0] if len(decorator.args) == 1 else None
        keywords = {keyword.arg: keyword.value for keyword in decorator.keywords}
        attribute = decorator.func.attr
    else:  # server.add_url_rule(rule, endpoint, view, methods=[...])
        keywords = {keyword.arg: keyword.value for keyword in decorator.keywords}
        path = decorator.args[0] if decorator.args else keywords.pop("rule", None)
        keywords.pop("endpoint", None)  # a name for url_for, which is refused on FastAPI
        keywords.pop("view_func", None)
        attribute = "route"
        state(edit).rules.add(id(decorator))
    methods = _METHODS[attribute]
    if "methods" in keywords and attribute == "route":
        value = keywords["methods"]
        literal = isinstance(value, (ast.List, ast.Tuple)) and all(
            isinstance(element, ast.Constant) and isinstance(element.value, str) for element in value.elts
        )
        methods = [element.value.upper() for element in value.elts] if literal else None
        if not methods:
            edit.block(decorator, f"{function.name}, methods dashgen cannot read", how("route", edit))
            return
    elif methods is None:
        methods = ["GET"]
    else:
        methods = [methods]
    if not isinstance(path, ast.Constant) or not isinstance(path.value, str) or set(keywords) - {"methods"}:
        edit.block(function, f"{function.name}, a route with options beyond its path and methods", how("route", edit))
        return
    if attribute != "route" and "methods" in keywords:
        edit.block(function, f"{function.name}, methods= on .{attribute}", how("route", edit))
        return
    converted, parameters = _braces_path(path.value)
    arguments = function.args
    plain = not (arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg)
    if converted is None or not plain or arguments.defaults or {a.arg for a in arguments.args} != set(parameters):
        edit.block(
            function, f"{function.name}, a route whose parameters FastAPI would read otherwise", how("route", edit)
        )
        return
    if ":flaskpath}" in converted:
        state(edit).helpers.add("_FlaskPath")
    request = _request_name(edit)
    if request in parameters:
        edit.block(function, f"{function.name}, a path parameter named {request}", how("route", edit))
        return
    reads, awaits = _body(edit, function, request, hook=False)
    for node in [node for node in own_nodes(function) if isinstance(node, ast.Return)] or [None]:
        if node is None or node.value is None:
            edit.block(node or function, f"{function.name}, a route that returns nothing (Flask answers 500)",
                       how("returns", edit))  # fmt: skip
            continue
        _response(edit, node.value, function.name)
    if not _ends(function.body):
        _fall_through(edit, function)
    if path.value.endswith("/") and path.value != "/":
        # Werkzeug redirects /items to a rule /items/ (308); on FastAPI, Dash's catch-all answers it.
        edit.block(function, f"{function.name}, a route ending in /", how("slash", edit))
        return
    if path.value.startswith("/static/") and "GET" in methods:
        # Every Flask server has /static/<path:filename>, added first. A view with that very rule
        # is never reached on Flask, nor below the same route on FastAPI; another rule there is
        # matched by Werkzeug's weights, which Starlette's first match does not follow.
        if not re.fullmatch(r"/static/<path:\w+>", path.value):
            edit.block(function, f"{function.name}, a route under /static/", how("static_rule", edit))
            return
        if not flask_static(edit, function, f"{function.name}, a route under /static/", "static_route"):
            return
        edit.notes.append((function.lineno, f"{function.name} answers nothing, as on Flask: the static route does"))
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")  # Flask answers HEAD wherever it answers GET
    server = ast.unparse(decorator.func.value)
    if not decorators:
        new = f'{server}.add_api_route("{converted}", {function.name}, methods={methods!r})'.replace("'", '"')
    elif methods in (["POST"], ["PUT"], ["PATCH"], ["DELETE"]):
        new = f'{server}.{methods[0].lower()}("{converted}")'
    else:
        new = f'{server}.api_route("{converted}", methods={methods!r})'.replace("'", '"')
    edit.replace_node(decorator, new)
    _parameters(edit, function, parameters, request if reads else None)
    if awaits:
        _make_async(edit, function, "it awaits the request's body")
    edit.notes.append((decorator.lineno, f"{new}: FastAPI's route for {function.name}"))


def _ends(statements: list[ast.stmt]) -> bool:
    """The block returns or raises on every path dashgen can follow: it never runs past its end."""
    last = statements[-1] if statements else None
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _ends(last.body) and _ends(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _ends(last.body)
    if isinstance(last, ast.Try):
        handled = (_ends(last.body) or _ends(last.orelse)) and all(_ends(handler.body) for handler in last.handlers)
        return _ends(last.finalbody) or handled
    return False


def _fall_through(edit, function: ast.AST) -> None:
    """A view that can end without returning answers 500 on Flask (its make_response raises
    TypeError for None), where FastAPI would answer None as JSON `null` with 200: it raises too."""
    newline = newline_of(edit.file.text)
    indent = " " * function.body[0].col_offset
    text = (
        f"{indent}# Flask answers 500 for a view that ends without returning: so does this one.{newline}"
        f'{indent}raise TypeError("The view function for {function.name!r} did not return a valid response."){newline}'
    )
    end = edit.starts[function.end_lineno]
    if not edit.file.text[:end].endswith(("\n", "\r")):
        text = newline + text
    edit.edits.append(Edit(end, end, text))
    edit.notes.append((function.end_lineno, f"{function.name} can end without returning: it raises, as Flask does"))


def _url_rules(edit) -> list[ast.Call]:
    """The module's `server.add_url_rule(...)` calls."""
    return [
        call
        for call in nodes(edit.tree, ast.Call)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "add_url_rule" and edit.is_server(call.func.value)
    ]


def _rule_view(call: ast.Call) -> ast.Name | None:
    view = call.args[2] if len(call.args) > 2 else next((k.value for k in call.keywords if k.arg == "view_func"), None)
    return view if isinstance(view, ast.Name) else None


def _request_name(edit) -> str:
    return next((local for local, name in edit.names.flask_names.items() if name == "request"), "request")


def _parameters(edit, function, parameters: dict[str, str], request: str | None) -> None:
    arguments = function.args.args
    added = f"{request}: Request" if request else ""
    if request:
        state(edit).imports.add("Request")
    for argument in arguments:
        text = ""
        if argument.annotation is None and parameters[argument.arg] != "str":
            text = f": {parameters[argument.arg]}"
        if argument is arguments[-1] and added:
            text += f", {added}"
        if text:
            end = edit.offset(argument.end_lineno, argument.end_col_offset)
            edit.edits.append(Edit(end, end, text))
    if not arguments and added:
        start = edit.offset(function.lineno, function.col_offset)
        match = re.compile(r"def\s+\w+\s*\(").search(edit.file.text, start)
        edit.edits.append(Edit(match.end(), match.end(), added))


def _make_async(edit, function, why: str) -> None:
    start = edit.offset(function.lineno, function.col_offset)
    edit.edits.append(Edit(start, start, "async "))
    edit.notes.append((function.lineno, f"async def {function.name}: {why}"))


def _body(edit, function, request: str, *, hook: bool) -> tuple[bool, bool]:
    """The request's reads in a view's own body, in Starlette's spelling; abort(...) raised.
    Returns whether the view reads the request, and whether it now awaits."""
    reads = awaits = False
    seen = state(edit)
    for name in [node for node in own_nodes(function) if isinstance(node, ast.Name)]:
        flask = edit.names.flask_names.get(name.id)
        parent = edit.parents.get(name)
        if flask == "request":
            reads = True
            awaited = _request_read(edit, name, parent, request, hook)
            if awaited is None:
                continue
            awaits = awaits or awaited
            seen.consumed.add(id(name))
        elif flask == "abort" and hook:
            # Raised in a middleware, HTTPException is no answer of FastAPI's handlers but a 500.
            edit.block(name, f"abort(...) in the {function.name} hook", how("hook_abort", edit))
            seen.consumed.add(id(name))
        elif flask == "abort":
            statement = edit.parents.get(parent)
            if (
                isinstance(parent, ast.Call)
                and parent.func is name
                and isinstance(statement, ast.Expr)
                and 1 <= len(parent.args) <= 2
                and not parent.keywords
            ):
                start = edit.offset(statement.lineno, statement.col_offset)
                edit.edits.append(Edit(start, edit.span(name)[1], "raise HTTPException"))
                seen.imports.add("HTTPException")
                seen.consumed.add(id(name))
    return reads, awaits


def _request_read(edit, name, parent, request: str, hook: bool) -> bool | None:
    """One read of flask.request rewritten (True when it is now awaited), or None: blocked."""
    attribute = parent.attr if isinstance(parent, ast.Attribute) and parent.value is name else None
    outer = edit.parents.get(parent)
    call = edit.parents.get(outer)
    if attribute in _REQUEST_MAPS:
        getter = outer.attr if isinstance(outer, ast.Attribute) else None
        allowed = ("get", "getlist") if attribute == "args" else ("get",)
        if (
            getter in allowed
            and isinstance(call, ast.Call)
            and call.func is outer
            and 1 <= len(call.args) <= (1 if getter == "getlist" else 2)
            and not call.keywords
        ):
            if (attribute, getter) == ("args", "get"):
                first_arg(edit, call, f"{request}.query_params")
            elif attribute == "cookies":
                edit.replace_node(parent, f"_flask_cookies({request}.headers)")
                state(edit).helpers.add("_flask_cookies")
            else:
                edit.replace_node(parent, f"{request}.{_REQUEST_MAPS[attribute]}")
            return False
    elif attribute in _REQUEST_ATTRIBUTES and not (isinstance(outer, ast.Call) and outer.func is parent):
        edit.replace_node(parent, f"{request}.{_REQUEST_ATTRIBUTES[attribute]}")
        return False
    elif attribute in ("get_json", "json") and not hook:
        called = isinstance(outer, ast.Call) and outer.func is parent
        if attribute == "json" and not called or attribute == "get_json" and called and _silent(outer) is not None:
            silent = ", silent=True" if attribute == "get_json" and _silent(outer) else ""
            replaced = outer if called else parent
            text = f"await _flask_get_json({request}{silent})"
            bare = isinstance(edit.parents.get(replaced), (ast.Assign, ast.AnnAssign, ast.Return, ast.keyword))
            edit.replace_node(replaced, text if bare else f"({text})")
            state(edit).helpers.add("_flask_get_json")
            return True
    elif attribute == "form" and not hook and not (isinstance(outer, ast.Call) and outer.func is parent):
        text = f"await _flask_form({request})"
        bare = isinstance(outer, (ast.Assign, ast.AnnAssign, ast.Return, ast.keyword))
        edit.replace_node(parent, text if bare else f"({text})")
        state(edit).helpers.add("_flask_form")
        return True
    shown = ast.unparse(outer if isinstance(outer, (ast.Attribute, ast.Call, ast.Subscript)) else parent)[:60]
    edit.block(name, f"{shown}, a read of the request", how("request", edit))
    return None


def _silent(call: ast.Call) -> bool | None:
    """get_json()'s silent=True (True), no argument (False), anything else (None)."""
    if call.args:
        return None
    if not call.keywords:
        return False
    if (
        len(call.keywords) == 1
        and call.keywords[0].arg == "silent"
        and isinstance(call.keywords[0].value, ast.Constant)
    ):
        return bool(call.keywords[0].value.value)
    return None


# --- what a view returns ---


def _kind(edit, value: ast.expr) -> str | None:
    """What Flask makes of a returned value: "json" (jsonify, a dict or list), "html" (a str), or
    the flask helper that made a response; None when dashgen cannot tell."""
    if isinstance(value, (ast.Dict, ast.List, ast.DictComp, ast.ListComp)):
        return "json"
    if isinstance(value, ast.JoinedStr) or isinstance(value, ast.Constant) and isinstance(value.value, str):
        return "html"
    if isinstance(value, ast.BinOp) and (_kind(edit, value.left) == "html" or _kind(edit, value.right) == "html"):
        return "html" if isinstance(value.op, (ast.Add, ast.Mod)) else None
    if isinstance(value, ast.Call):
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and _kind(edit, func.value) == "html":
            return "html"
        if ast.unparse(func) in ("json.dumps", "str"):
            return "html"
        if isinstance(func, ast.Name):
            return flask_ref(edit.names, func)
    return None


def _response(edit, value: ast.expr, view: str, *, hook: bool = False) -> None:
    """One returned value as the response Flask makes of it, by splices around its body."""
    seen = state(edit)
    body, status, headers = value, None, None
    if isinstance(value, ast.Tuple):
        if not 2 <= len(value.elts) <= 3 or any(isinstance(element, ast.Starred) for element in value.elts):
            edit.block(value, f"{view}, a returned tuple dashgen cannot read", how("returns", edit))
            return
        body, *rest = value.elts
        if len(rest) == 2 or isinstance(rest[0], ast.Constant) and isinstance(rest[0].value, int):
            status = rest[0]
        headers = rest[1] if len(rest) == 2 else (rest[0] if isinstance(rest[0], ast.Dict) else None)
        if (
            status is None
            and headers is None
            or status is not None
            and not (isinstance(status, ast.Constant) and isinstance(status.value, int))
        ):
            edit.block(value, f"{view}, a returned status dashgen cannot read", how("returns", edit))
            return
    if any(edit.names.flask_names.get(node.id) for part in (status, headers) if part for node in nodes(part, ast.Name)):
        edit.block(value, f"{view}, flask's names in a returned status or headers", how("returns", edit))
        return
    kind = _kind(edit, body)
    options = ""
    if status is not None:
        options += f", status_code={edit.file.text[slice(*edit.span(status))]}"
    if headers is not None:
        options += f", headers={edit.file.text[slice(*edit.span(headers))]}"
    start, end = edit.span(value)
    if kind == "jsonify":
        if len(body.args) == 1 and not body.keywords and not isinstance(body.args[0], ast.Starred):
            inner = body.args[0]
        elif not body.args and all(keyword.arg for keyword in body.keywords):
            inner = body
            edit.replace_node(body.func, "dict")
        else:
            edit.block(body, f"{view}, jsonify(...) of several values", how("returns", edit))
            return
        seen.consumed.add(id(body.func))
        kind = "json"
    elif kind == "json" or kind == "html":
        inner = body
    elif kind in ("send_file", "send_from_directory") and hook:
        edit.block(value, f"{view}, {kind}(...) in a hook", how("hook_abort", edit))
        return
    elif kind in ("redirect", "send_file", "send_from_directory", "Response") and body is value:
        _made_response(edit, body, kind, view)
        return
    elif login_answer(edit, body) and body is value:
        return  # fastapi_login.py's unauthorized() makes FastAPI's response already
    else:
        edit.block(value, f"{view}, a return dashgen cannot type ({ast.unparse(body)[:40]})", how("returns", edit))
        return
    ctor = "HTMLResponse" if kind == "html" else ("JSONResponse" if options else "")
    if ctor:
        seen.imports.add(ctor)
    inner_start, inner_end = edit.span(inner)
    if ctor or (start, end) != (inner_start, inner_end):
        edit.edits.append(Edit(start, inner_start, f"{ctor}(" if ctor else ""))
        edit.edits.append(Edit(inner_end, end, f"{options})" if ctor else ""))


def _made_response(edit, call: ast.Call, kind: str, view: str) -> None:
    seen = state(edit)
    keywords = {keyword.arg: keyword for keyword in call.keywords}
    if None in keywords:
        edit.block(call, f"{view}, {kind}(**...)", how("returns", edit))
        return
    if kind == "redirect":
        if not 1 <= len(call.args) <= 2 or set(keywords) - {"code"} or len(call.args) == 2 and keywords:
            edit.block(call, f"{view}, redirect(...) with a Response class", how("returns", edit))
            return
        edit.replace_node(call.func, "_flask_redirect")  # its arguments are Werkzeug's: kept as written
        seen.helpers.add("_flask_redirect")
    elif kind in ("send_file", "send_from_directory"):
        count = 1 if kind == "send_file" else 2
        attachment = keywords.pop("as_attachment", None)
        download = attachment is None or isinstance(attachment.value, ast.Constant) and attachment.value.value in (
            True, False)  # fmt: skip
        if len(call.args) != count or keywords or not download or not (
                _at_root(edit) or _absolute(edit, call.args[0])):  # fmt: skip
            edit.block(call, f"{view}, {kind}(...) with options, or in a module that is not the app's",
                       how("files", edit))  # fmt: skip
            return
        edit.replace_node(call.func, f"_flask_{kind}")
        seen.helpers.update((f"_flask_{kind}", "_flask_encoded"))
        if attachment is not None:
            start, end = edit.span(call)
            edit.edits.append(Edit(edit.span(call.args[-1])[1], end - 1, ""))  # the keyword, and its comma
            if attachment.value.value:
                edit.edits.append(Edit(start, start, "_flask_attachment("))
                edit.edits.append(Edit(end, end, ")"))
                seen.helpers.add("_flask_attachment")
    else:  # Response(body, status=, headers=, mimetype=/content_type=)
        renamed = {
            "status": "status_code",
            "headers": "headers",
            "mimetype": "media_type",
            "content_type": "media_type",
        }
        if len(call.args) != 1 or set(keywords) - set(renamed) or {"mimetype", "content_type"} <= set(keywords):
            edit.block(call, f"{view}, Response(...) with arguments dashgen cannot map", how("returns", edit))
            return
        for name, keyword in keywords.items():
            if renamed[name] != name:
                edit.edits.append(Edit(edit.span(keyword)[0], edit.span(keyword.value)[0], f"{renamed[name]}="))
        if not {"mimetype", "content_type"} & set(keywords):
            end = edit.span(call)[1] - 1
            edit.edits.append(Edit(end, end, ', media_type="text/html"'))  # Flask's default mimetype
        seen.imports.add("Response")
    seen.consumed.add(id(call.func))


def _at_root(edit) -> bool:
    """The module is the one whose folder is Flask's root_path: where the server was made with
    `__name__` (Dash(__name__) or Flask(__name__)), so relative paths resolve alike."""
    if edit.file.path != edit.modules.project.source.path:
        return False
    for call in nodes(edit.tree, ast.Call):
        first = call.args[0] if call.args else None
        keywords = {keyword.arg: keyword.value for keyword in call.keywords}
        name = keywords.get("name", keywords.get("import_name", first))
        made = ast.unparse(call.func).split(".")[-1]
        by_name = isinstance(name, ast.Name) and name.id == "__name__"
        if by_name and (made == "Flask" or made == "Dash" and "server" not in keywords):
            return True
    return False


def _absolute(edit, node: ast.expr, depth: int = 0) -> bool:
    """The path is absolute whatever Flask's root_path is (os.getcwd() and what is joined to it, a
    name bound once to one, "/..."): joined to any folder, it stays itself."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith("/")
    if isinstance(node, ast.Call) and not node.keywords:
        called = ast.unparse(node.func)
        if called in ("os.getcwd", "os.path.abspath", "os.path.realpath") and edit.aliases.get("os") == "os":
            return True
        if called == "os.path.join" and edit.aliases.get("os") == "os" and node.args:
            return depth < 5 and _absolute(edit, node.args[0], depth + 1)
        return False
    if isinstance(node, ast.Name) and depth < 5:
        function = next((parent for parent in _enclosing(edit, node) if isinstance(parent, ast.FunctionDef)), None)
        if function is not None and node.id in {argument.arg for argument in ast.walk(function.args)
                                                if isinstance(argument, ast.arg)}:  # fmt: skip
            return False
        stores = _stores(function, node.id) if function is not None else []
        stores = stores or _stores(edit.tree, node.id)  # not bound in the view: the module's
        assignment = edit.parents.get(stores[0]) if len(stores) == 1 else None
        return (
            isinstance(assignment, ast.Assign)
            and assignment.targets == [stores[0]]
            and _absolute(edit, assignment.value, depth + 1)
        )
    return False


def _stores(scope: ast.AST, name: str) -> list[ast.Name]:
    return [node for node in ast.walk(scope) if isinstance(node, ast.Name) and node.id == name
            and isinstance(node.ctx, ast.Store)]  # fmt: skip


def _enclosing(edit, node: ast.AST):
    while (node := edit.parents.get(node)) is not None:
        yield node


def static_folder(edit) -> None:
    """The served module's Dash-made Flask server serves its folder's static/ at /static/: on
    FastAPI, Flask's static route does."""
    if edit.file.path != edit.modules.project.source.path or not (Path(edit.file.path).parent / "static").is_dir():
        return
    for call in nodes(edit.tree, ast.Call):
        if ast.unparse(call.func).split(".")[-1] == "Dash" and "server" not in {k.arg for k in call.keywords}:
            flask_static(edit, call, "Dash's Flask server serving the static/ folder at /static")


# Flask's static route, as FastAPI has none: werkzeug's path converter (never empty, so /static/
# itself still reaches Dash's page) and send_from_directory's answers, 404 without the file.
STATIC_ROUTE = """

@{server}.api_route("/static/{{filename:flaskpath}}", methods=["GET", "HEAD"])
def _flask_static(filename):
    \"\"\"Flask's static route, which every Flask server has and matches first: static/ beside
    this module at /static/.\"\"\"
    return _flask_send_from_directory("static", filename)
"""


def flask_static(edit, node: ast.AST, what: str, refused: str = "static") -> bool:
    """Flask's static route, written once below the statement that makes this module's server:
    `server = Flask(__name__)`, or `app = Dash(__name__)` (or `Dash()`) in the served module, whose
    folder is Flask's root_path. False, and blocked, where the server is made otherwise."""
    seen = state(edit)
    if seen.static is not None:
        return True
    made = _server_statement(edit)
    imports = [statement for statement in edit.tree.body if isinstance(statement, (ast.Import, ast.ImportFrom))]
    # The route's path converter is registered below the last import: the route must come after.
    if made is None or imports and made[0].lineno < imports[-1].end_lineno or "_flask_static" in bound_names(edit.tree):
        edit.block(node, what, how(refused, edit))
        return False
    seen.static = made
    seen.helpers.update(("_FlaskPath", "_flask_send_from_directory", "_flask_encoded"))
    return True


def _server_statement(edit) -> tuple[ast.stmt, str] | None:
    """(`NAME = Flask(__name__)` or the served module's `NAME = Dash(__name__)` / `Dash()` at
    module level, how its server is written there), or None."""
    for statement in edit.tree.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Call)
        ):
            continue
        call, name = statement.value, statement.targets[0].id
        made = ast.unparse(call.func).split(".")[-1]
        keywords = {keyword.arg for keyword in call.keywords}
        named = [*call.args[:1], *(k.value for k in call.keywords if k.arg in ("name", "import_name"))]
        by_name = all(isinstance(value, ast.Name) and value.id == "__name__" for value in named)
        if made == "Flask" and named and by_name:
            return statement, name
        served = edit.file.path == edit.modules.project.source.path
        if made == "Dash" and served and by_name and "server" not in keywords:
            return statement, f"{name}.server"
    return None


# --- hooks ---


def hook(edit, function: ast.AST, kind: str) -> None:
    """`@server.before_request` / `@server.after_request(response)` as an http middleware: one
    of each at most (Flask's order of several is not the middlewares'), the after hook below the
    before one (outermost, so it also sees what the before hook answered, as on Flask)."""
    if kind not in ("before_request", "after_request") or len(function.decorator_list) != 1:
        edit.block(function, f"{function.name}, the {kind} hook", how("hook", edit))
        return
    if isinstance(function, ast.AsyncFunctionDef) or function.returns is not None:
        edit.block(function, f"{function.name}, an async or annotated hook", how("hook", edit))
        return
    seen = state(edit)
    if any(other == kind for other, _ in seen.hooks):
        edit.block(function, f"{function.name}, a second {kind} hook", how("hooks", edit))
        return
    if kind == "before_request" and any(other == "after_request" for other, _ in seen.hooks):
        edit.block(function, f"{function.name}, a before_request hook below the after_request hook",
                   how("hooks", edit))  # fmt: skip
        return
    seen.hooks.append((kind, function))
    arguments = function.args
    wanted = 1 if kind == "after_request" else 0
    plain = not (arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg)
    if not plain or len(arguments.args) != wanted or arguments.defaults:
        edit.block(function, f"{function.name}, a hook whose parameters Flask would not pass", how("hook", edit))
        return
    request = _request_name(edit)
    _body(edit, function, request, hook=True)
    returns = [node for node in own_nodes(function) if isinstance(node, ast.Return)]
    body = function.body
    indent = " " * body[0].col_offset
    if kind == "before_request":
        for node in returns:
            if node.value is None or isinstance(node.value, ast.Constant) and node.value.value is None:
                edit.replace_node(node, f"return await call_next({request})")
            else:
                _response(edit, node.value, function.name, hook=True)
        if not isinstance(body[-1], ast.Return):
            line = edit.starts[body[-1].end_lineno]
            edit.edits.append(Edit(line, line, f"{indent}return await call_next({request})\n"))
    else:
        response = arguments.args[0].arg
        for node in own_nodes(function):
            if isinstance(node, ast.Name) and node.id == response and not _header_use(edit, node, returns):
                edit.block(node, f"{function.name}: {ast.unparse(edit.parents.get(node))[:50]}",
                           how("after", edit))  # fmt: skip
        docstring = isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        first = body[1] if docstring and len(body) > 1 else body[0]
        line = edit.starts[first.lineno - 1]
        edit.edits.append(Edit(line, line, f"{indent}{response} = await call_next({request})\n"))
    decorator = function.decorator_list[0]
    edit.replace_node(decorator, f'{ast.unparse(decorator.value)}.middleware("http")')
    start = edit.offset(function.lineno, function.col_offset)
    header = re.compile(r"def\s+(\w+)\s*\([^)]*\)").match(edit.file.text, start)
    edit.edits.append(Edit(start, header.end(), f"async def {function.name}({request}: Request, call_next)"))
    seen.imports.add("Request")
    edit.notes.append((function.lineno, f"{function.name}: an http middleware, FastAPI's {kind} for every route"))


def _header_use(edit, name: ast.Name, returns) -> bool:
    """The after hook's response used as Starlette's response has it: its headers set, its
    status read, itself returned."""
    parent = edit.parents.get(name)
    if any(node.value is name for node in returns):
        return True
    if not (isinstance(parent, ast.Attribute) and parent.value is name):
        return False
    if parent.attr == "status_code" and isinstance(parent.ctx, ast.Load):
        return True
    outer = edit.parents.get(parent)
    if parent.attr != "headers":
        return False
    if isinstance(outer, ast.Subscript) and isinstance(outer.ctx, ast.Store):
        return True
    call = edit.parents.get(outer)
    return (
        isinstance(outer, ast.Attribute)
        and outer.attr in ("get", "setdefault")
        and isinstance(call, ast.Call)
        and len(call.args) == 2
    )


# --- flask.request in a Dash callback ---

# What Flask's request of a callback's POST is in Dash's callback_context, which Dash 4.4 fills
# from the backend's request on every backend. Headers are a dict there, keyed as the backend
# spells them (lower case on FastAPI): a literal name is looked up lower-cased.
_CONTEXT_GETTERS = {"args": ("get", "getlist"), "cookies": ("get",), "headers": ("get",)}
_CONTEXT_ATTRIBUTES = {"remote_addr": "remote"}


def callback_requests(edit) -> None:
    """`request.args.get(k)`, `.cookies.get(k)`, `.headers.get("Name")`, `.remote_addr` in a Dash
    callback read from callback_context; `request.args` / `.cookies` printed are printed from it
    (a log line: the mapping's repr differs). Other reads stay blocked in finish."""
    seen = state(edit)
    for function in nodes(edit.tree, ast.FunctionDef, ast.AsyncFunctionDef):
        if not _is_callback(edit, function):
            continue
        for name in own_nodes(function):
            if not (isinstance(name, ast.Name) and edit.names.flask_names.get(name.id) == "request"):
                continue
            context = _context_read(edit, name)
            if context is not None:
                node, text = context
                if node is not None:
                    edit.replace_node(node, f"{_callback_context(edit)}{text}")
                seen.consumed.add(id(name))


# Flask's request in a plain function (a Pages layout, title or description function, a helper a
# callback calls): the request Dash is answering when it runs, read through Dash's own request
# adapter, which every backend has; on Flask as here, outside a request it raises.
_PLAIN_READS = {"args": "_flask_request_args", "query_string": "_flask_query_string"}


def plain_function_requests(edit) -> None:
    """`request.args` (and its get/getlist, printed or formatted: Werkzeug's MultiDict) and
    `request.query_string` in an undecorated module-level function. Other reads stay blocked."""
    seen = state(edit)
    for function in edit.tree.body:
        if not isinstance(function, ast.FunctionDef) or function.decorator_list:
            continue
        for name in own_nodes(function):
            if not (isinstance(name, ast.Name) and edit.names.flask_names.get(name.id) == "request"):
                continue
            parent = edit.parents.get(name)
            call = edit.parents.get(parent)
            called = isinstance(call, ast.Call) and call.func is parent
            if isinstance(parent, ast.Attribute) and parent.attr in _PLAIN_READS and not called:
                edit.replace_node(parent, f"{_PLAIN_READS[parent.attr]}()")
                seen.helpers.add(_PLAIN_READS[parent.attr])
                seen.consumed.add(id(name))


def _is_callback(edit, function) -> bool:
    """Decorated as a server callback Dash runs in the request (not in a background job)."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        func = decorator.func
        dotted = ast.unparse(func)
        apps = edit.names.in_function(edit.function_of(function))[0]  # register_callbacks(app) too
        by_app = isinstance(func, ast.Attribute) and func.attr == "callback" and ast.unparse(func.value) in apps
        if by_app or edit.aliases.get(dotted, dotted) == "dash.callback" or dotted == "dash.callback":
            background = any(keyword.arg in ("background", "long_callback") for keyword in decorator.keywords)
            return not background
    return False


def _context_read(edit, name: ast.Name) -> tuple[ast.AST | None, str] | None:
    """(the node replaced, what follows callback_context there; no node where the read is
    rewritten already), or None."""
    parent = edit.parents.get(name)
    if not (isinstance(parent, ast.Attribute) and parent.value is name):
        return None
    if parent.attr in _CONTEXT_ATTRIBUTES and not isinstance(edit.parents.get(parent), ast.Call):
        return parent, f".{_CONTEXT_ATTRIBUTES[parent.attr]}"
    outer = edit.parents.get(parent)
    call = edit.parents.get(outer)
    getters = _CONTEXT_GETTERS.get(parent.attr, ())
    if isinstance(outer, ast.Call) and outer.func is not parent and parent.attr in ("args", "cookies"):
        printed = isinstance(outer.func, ast.Name) and outer.func.id == "print" and parent in outer.args
        return (parent, f".{parent.attr}") if printed else None
    if not (
        isinstance(outer, ast.Attribute)
        and outer.attr in getters
        and isinstance(call, ast.Call)
        and call.func is outer
        and 1 <= len(call.args) <= (1 if outer.attr == "getlist" else 2)
        and not call.keywords
    ):
        return None
    if (parent.attr, outer.attr) == ("args", "get"):
        first_arg(edit, call, f"{_callback_context(edit)}.args")
        return None, ""
    if parent.attr == "cookies":
        edit.replace_node(parent, f"_flask_cookies({_callback_context(edit)}.headers)")
        state(edit).helpers.add("_flask_cookies")
        return None, ""
    if parent.attr == "headers":
        key = call.args[0]
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        written = ast.get_source_segment(edit.file.text, key) or ""
        lowered = written.lower() if _literal(written.lower()) == key.value.lower() else repr(key.value.lower())
        edit.replace_node(key, lowered)  # in the module's own quotes
    return parent, f".{parent.attr}"


def first_arg(edit, call: ast.Call, values: str) -> None:
    """`request.args.get(key[, default])` as `_flask_arg(values, key[, default])`: Werkzeug's
    first value of a repeated key."""
    edit.edits.append(Edit(edit.span(call)[0], edit.span(call.args[0])[0], f"_flask_arg({values}, "))
    state(edit).helpers.add("_flask_arg")


def _literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None


def _callback_context(edit) -> str:
    """How the module names Dash's callback_context: `dash.callback_context` where it imports
    dash, else the name `from dash import callback_context` (added in finish) binds."""
    module = next((local for local, dotted in edit.aliases.items() if dotted == "dash"), None)
    if module is not None:
        return f"{module}.callback_context"
    state(edit).imports.add("callback_context")
    return "callback_context"


# --- the module's end ---


def finish(edit) -> None:
    """Every flask name the edits did not replace blocks; the flask import becomes what the
    converted views use from fastapi, and the helpers they call go below the module's imports."""
    seen = state(edit)
    static_folder(edit)
    callback_requests(edit)
    plain_function_requests(edit)
    for call in _url_rules(edit):
        if id(call) not in seen.rules and not any(blocker.line == call.lineno for blocker in edit.blockers):
            edit.block(call, f"{ast.unparse(call)[:60]}, a rule without a module-level view", how("route", edit))
    import_session(edit, seen.consumed)
    serve_session(edit, _server_statement(edit))
    said = {blocker.line for blocker in edit.blockers}  # one sentence a line: the first says why
    for name in nodes(edit.tree, ast.Name):
        flask = edit.names.flask_names.get(name.id)
        if flask and id(name) not in seen.consumed and name.lineno not in said:
            edit.block(name, f"flask's {flask} used where dashgen cannot map it", how("name", edit))
    if not seen.flask_imports and seen.static is None:
        if (seen.imports or seen.helpers) and not edit.blockers:  # `Flask` came through another import: blocked there
            edit.block(edit.tree.body[0], "FastAPI names without a flask import to replace", how("name", edit))
        return
    for helper in seen.helpers:
        seen.imports.update(_HELPER_IMPORTS[helper])
    bound = bound_names(edit.tree) - {alias.asname or alias.name for node in seen.flask_imports for alias in node.names}
    clashes = (seen.imports | seen.helpers) & bound
    if clashes:
        where = seen.flask_imports[0] if seen.flask_imports else seen.static[0]
        edit.block(where, f"the module binds {', '.join(sorted(clashes))} already", "rename it")
        return
    lines = []
    for module in ("dash", "fastapi", "fastapi.responses"):
        names = sorted(name for name in seen.imports if _IMPORTED[name] == module)
        if names:
            lines.append(f"from {module} import {', '.join(names)}")
    if seen.flask_imports:
        node, *others = seen.flask_imports
        if lines:
            edit.replace_node(node, "\n".join(lines))
            edit.notes.append((node.lineno, f"{'; '.join(lines)}: FastAPI's own in place of Flask's"))
        for node in others if lines else seen.flask_imports:
            edit.drop_statement(node, "what it imported is FastAPI's own now, or unused")
    else:  # a module without Flask code, whose Dash server served its static/ folder
        edit.imports_added.extend((_IMPORTED[name], name) for name in sorted(seen.imports))
    if seen.static is not None:
        statement, server = seen.static
        line = edit.starts[statement.end_lineno]
        blank = statement.end_lineno < len(edit.lines) and not edit.lines[statement.end_lineno].strip()
        edit.edits.append(Edit(line, line, STATIC_ROUTE.format(server=server) + ("" if blank else "\n\n")))
        edit.notes.append((statement.lineno, "_flask_static: Flask's static route for static/, which FastAPI has not"))
    if seen.helpers:
        last = max(
            (statement for statement in edit.tree.body if isinstance(statement, (ast.Import, ast.ImportFrom))),
            key=lambda statement: statement.end_lineno,
        )
        line = edit.starts[last.end_lineno]
        text = "\n" + "".join("\n" + HELPERS[helper].strip("\n") + "\n\n" for helper in sorted(seen.helpers))
        edit.edits.append(Edit(line, line, text))
        edit.notes.append((last.lineno, f"{', '.join(sorted(seen.helpers))}: Flask's behaviour, below the imports"))


# Werkzeug's converters whose Starlette namesake matches the same segments ([^/]+, [0-9]+), and
# path as the convertor _FlaskPath registers (Starlette's own path matches the empty string);
# float matches more there (`1`), so a route using it is refused.
_CONVERTERS = {None: "str", "string": "str", "int": "int", "path": "str"}
_STARLETTE = {None: "", "string": "", "int": ":int", "path": ":flaskpath"}


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
        return "{" + name + _STARLETTE[converter] + "}"

    converted = re.sub(r"<(?:(\w+):)?(\w+)>", convert, rule)
    return (None if unknown or "<" in converted else converted), parameters
