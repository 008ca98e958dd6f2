"""Quart's part of a conversion: views that await Quart's coroutine helpers."""

from __future__ import annotations

import ast

from dashgen.convert.flask_code import REFUSED_ATTRIBUTES, REFUSED_NAMES, RESPONSE_BODY, RESPONSE_MAKERS
from dashgen.convert.names import Edit, flask_ref, own_nodes
from dashgen.nodes import nodes


def response_bodies(edit, views: dict[ast.AST, str]) -> None:
    """A response's body read in a view or hook (`response.get_data()`, `.json`): a coroutine on
    Quart, on an object dashgen cannot always follow (the after_request hook's argument, what
    make_response or jsonify returned), so it blocks."""
    for function in views:
        responses = {argument.arg for argument in function.args.args[:1]} if is_after_hook(edit, function) else set()
        for node in own_nodes(function):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                made = flask_ref(edit.names, node.value.func)
                if made in RESPONSE_MAKERS:
                    responses |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        for node in own_nodes(function):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in RESPONSE_BODY
                and isinstance(node.value, ast.Name)
                and node.value.id in responses
            ):
                edit.block(node, f"{ast.unparse(node)}, a response's body", REFUSED_NAMES["response_body"])


def is_after_hook(edit, function: ast.AST) -> bool:
    return any(
        isinstance(decorator, ast.Attribute) and decorator.attr == "after_request" and edit.is_server(decorator.value)
        for decorator in function.decorator_list
    )


def awaits(edit, views: dict[ast.AST, str]) -> None:
    """Every coroutine helper and awaitable request property awaited, where its function can be
    made to await; anywhere else it blocks the conversion."""
    backend = edit.backend
    hooks_made_async = set()
    for node in nodes(edit.tree, ast.Call, ast.Attribute, ast.Name):
        ref = flask_ref(edit.names, node.func if isinstance(node, ast.Call) else node)
        if ref is None:
            continue
        if ref in REFUSED_ATTRIBUTES:
            edit.block(node, ref, REFUSED_ATTRIBUTES[ref])
            continue
        if isinstance(node, ast.Call):
            awaited = ref in backend.coroutine_functions
        else:
            parent = edit.parents.get(node)
            awaited = ref in backend.awaitable_attributes and not (isinstance(parent, ast.Call) and parent.func is node)
        if not awaited or isinstance(edit.parents.get(node), ast.Await):
            continue
        function, nested = enclosing(edit, node)
        kind = views.get(function)
        if function is None or nested or (kind is None and isinstance(function, ast.FunctionDef)):
            where = f"in {function.name}, which is not a route" if function is not None else "at module level"
            edit.block(node, f"{ref}, a coroutine on {backend.label}, {where}", REFUSED_NAMES["outside"])
            continue
        if kind == "hook" and isinstance(function, ast.FunctionDef) and function not in hooks_made_async:
            hooks_made_async.add(function)
            edit.make_async(function, f"a hook that awaits {ref}")
        parent = edit.parents.get(node)
        primary = (
            isinstance(parent, (ast.Attribute, ast.Subscript))
            and parent.value is node
            or isinstance(parent, ast.Call)
            and parent.func is node
        )
        start, end = edit.span(node)
        edit.edits.append(Edit(start, start, "(await " if primary else "await "))
        if primary:
            edit.edits.append(Edit(end, end, ")"))
        edit.notes.append((node.lineno, f"await {ref}: a coroutine on {backend.label}"))


def enclosing(edit, node: ast.AST) -> tuple[ast.AST | None, bool]:
    """The function `node` is in, and whether a lambda, comprehension or inner function is
    between them (where `await` cannot go)."""
    nested = False
    current = edit.parents.get(node)
    while current is not None:
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
            outer = edit.parents.get(current)
            while outer is not None and not isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef)):
                outer = edit.parents.get(outer)
            return current, nested or outer is not None
        if isinstance(current, (ast.Lambda, ast.GeneratorExp, ast.ClassDef)):
            nested = True
        current = edit.parents.get(current)
    return None, nested
