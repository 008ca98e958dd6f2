"""Quart's part of a conversion: views that await Quart's coroutine helpers."""

from __future__ import annotations

import ast

from dashgen.convert.flask_code import REFUSED_ATTRIBUTES, REFUSED_NAMES, RESPONSE_BODY, RESPONSE_MAKERS
from dashgen.convert.names import Edit, flask_ref, own_nodes
from dashgen.edits import bound_names
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


# Flask counts every use of its session as an access and then answers with `Vary: Cookie`, so that
# a cache keeps an answer to the user whose cookie made it; Quart counts only writes (measured:
# a route that only reads the session says `Vary: Cookie` on Flask 3.1, nothing on Quart 0.22).
_SESSION = '''

def _flask_session():
    """Quart's session, counted as used wherever it is used, as Flask counts it: an answer that
    read it says `Vary: Cookie` (Quart counts only writes)."""
    quart.session.accessed = True
    return quart.session._get_current_object()
'''


def session_vary(edit) -> None:
    """Flask's session on Quart through `_flask_session()`, so that reading it says `Vary:
    Cookie` as on Flask: `from flask import session` keeps its name, bound to a proxy of it;
    `flask.session` becomes `_flask_session()`. The imports it needs are added by the module's
    conversion (ModuleEdit.imports_added)."""
    imported = [
        (node, alias)
        for node in edit.tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "flask" and not node.level
        for alias in node.names
        if alias.name == "session"
    ]
    attributes = [
        node
        for node in nodes(edit.tree, ast.Attribute)
        if node.attr == "session" and isinstance(node.value, ast.Name) and node.value.id in edit.names.flask_modules
    ]
    if not imported and not attributes:
        return
    taken = {"_flask_session", "LocalProxy", "quart"} & bound_names(edit.tree)
    if taken or len(imported) > 1:
        where = imported[-1][0] if imported else attributes[0]
        edit.block(where, f"the module binds {', '.join(sorted(taken))}" if taken else "Flask's session imported twice",
                   "rename it (or import the session once), then run this again")  # fmt: skip
        return
    for node, alias in imported:
        _drop_alias(edit, node, alias)
    for attribute in attributes:
        edit.replace_node(attribute, "_flask_session()")  # ModuleEdit._import_flask leaves these to it
    last = max((node for node in edit.tree.body if isinstance(node, (ast.Import, ast.ImportFrom))),
               key=lambda node: node.end_lineno)  # fmt: skip
    proxies = "".join(f"\n\n{alias.asname or alias.name} = LocalProxy(_flask_session)\n" for _, alias in imported)
    text = _SESSION + proxies + "\n"  # two blank lines before the module's next statement
    at = edit.starts[last.end_lineno]
    edit.edits.append(Edit(at, at, text))
    edit.imports_added += [("quart", None)] + ([("werkzeug.local", "LocalProxy")] if imported else [])
    edit.notes.append((last.lineno, "_flask_session(): Flask's session counted as used on every use, so that "
                       "answers that read it say Vary: Cookie as on Flask"))  # fmt: skip


def _drop_alias(edit, node: ast.ImportFrom, alias: ast.alias) -> None:
    """One name out of a `from flask import ...`, with its comma; the statement when it was the only one."""
    if len(node.names) == 1:  # the statement goes, with the import swap made in it
        start, end = edit.starts[node.lineno - 1], edit.starts[node.end_lineno]
        edit.edits = [made for made in edit.edits if not start <= made.start <= made.end <= end]
        edit.notes = [note for note in edit.notes if note[0] != node.lineno]
        edit.edits.append(Edit(start, end, ""))
        return
    at = node.names.index(alias)
    if at == 0:
        start, end = edit.span(alias)[0], edit.span(node.names[1])[0]
    else:
        start, end = edit.span(node.names[at - 1])[1], edit.span(alias)[1]
    edit.edits.append(Edit(start, end, ""))
