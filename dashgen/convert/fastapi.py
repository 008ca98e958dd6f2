"""FastAPI's part of a conversion: plain JSON GET routes in FastAPI's style."""

from __future__ import annotations

import ast
import re

from dashgen.convert.flask_code import REFUSED_NAMES
from dashgen.convert.names import FLASK, Edit, flask_ref, own_nodes
from dashgen.nodes import nodes


def only_jsonify(edit, node: ast.stmt) -> bool:
    """`from flask import jsonify` at module level, onto a backend whose routes return dicts."""
    return (
        edit.backend.route_style == "method"
        and isinstance(node, ast.ImportFrom)
        and node.module == FLASK.server_module
        and node in edit.tree.body
        and all(alias.name == "jsonify" and not alias.asname for alias in node.names)
    )


def method_route(edit, function: ast.AST) -> None:
    """A Flask GET route as FastAPI writes one: `@server.get("/items/{id:int}")`, the same
    parameters (typed as the converters typed them), jsonify's dict returned as it is.
    Anything more (another method, request, a response that is not JSON) blocks."""
    how = REFUSED_NAMES["method_route"].format(label=edit.backend.label)
    decorators = [decorator for decorator in function.decorator_list if edit.registration(decorator)]
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
        edit.block(function, f"{function.name}, a route beyond a plain GET", how)
        return
    converted, parameters = _braces_path(path.value)
    arguments = function.args
    plain = not (arguments.posonlyargs or arguments.vararg or arguments.kwonlyargs or arguments.kwarg)
    if converted is None or not plain or arguments.defaults or {a.arg for a in arguments.args} != set(parameters):
        edit.block(function, f"{function.name}, a route whose parameters FastAPI would read otherwise", how)
        return
    returns = [node for node in own_nodes(function) if isinstance(node, ast.Return)]
    if not returns or not all(json_return(edit, node.value) for node in returns):
        edit.block(function, f"{function.name}, a route that does not return jsonify(...) or a dict", how)
        return
    server = ast.unparse(decorator.func.value)
    edit.replace_node(decorator, f'{server}.get("{converted}")')
    for argument in arguments.args:
        if argument.annotation is None and parameters[argument.arg] != "str":
            end = edit.offset(argument.end_lineno, argument.end_col_offset)
            edit.edits.append(Edit(end, end, f": {parameters[argument.arg]}"))
    for node in returns:
        call = node.value
        if isinstance(call, ast.Call) and call.args:
            edit.replace_node(call, edit.file.text[slice(*edit.span(call.args[0]))])
        elif isinstance(call, ast.Call):
            edit.replace_node(call.func, "dict")
    edit.notes.append((decorator.lineno, f'{server}.get("{converted}"): FastAPI\'s route for {function.name}'))


def json_return(edit, value: ast.expr | None) -> bool:
    if isinstance(value, ast.Dict):
        return True
    return (
        isinstance(value, ast.Call)
        and flask_ref(edit.names, value.func) == "jsonify"
        and isinstance(value.func, ast.Name)
        and (
            len(value.args) == 1
            and not value.keywords
            and not isinstance(value.args[0], ast.Starred)
            or not value.args
            and all(keyword.arg for keyword in value.keywords)
        )
    )


def jsonify_left(edit) -> None:
    """jsonify's import goes: a use of it that is not a route's return would be a NameError."""
    returned = {
        id(node.value.func)
        for node in nodes(edit.tree, ast.Return)
        if isinstance(node.value, ast.Call) and json_return(edit, node.value)
    }
    for name in nodes(edit.tree, ast.Name):
        if edit.names.flask_names.get(name.id) == "jsonify" and id(name) not in returned:
            how = REFUSED_NAMES["method_route"].format(label=edit.backend.label)
            edit.block(name, "jsonify used otherwise than returned by a GET route", how)


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
