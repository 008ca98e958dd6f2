"""One walk over a module's syntax tree, shared by every question asked of it.

A large app.py has hundreds of thousands of nodes; each finding walking the whole tree again cost
more than parsing it did."""

from __future__ import annotations

import ast
import functools
import weakref

_INDEX: weakref.WeakKeyDictionary[ast.AST, dict[type, list]] = weakref.WeakKeyDictionary()
# The answers in source order, per tree and kinds: sorting a large module's calls took longer
# than finding them, and several rules ask for the same kinds.
_SORTED: weakref.WeakKeyDictionary[ast.AST, dict[tuple[type, ...], list]] = weakref.WeakKeyDictionary()


def nodes(tree: ast.AST, *kinds: type) -> list:
    """The nodes of `kinds` anywhere in `tree` (itself included), in source order. The tree is
    walked once, at the first question asked of it."""
    index = _INDEX.get(tree)
    if index is None:
        index = _walk(tree)
        _INDEX[tree] = index
    answers = _SORTED.setdefault(tree, {})
    if kinds not in answers:
        found = [node for kind in kinds for node in index.get(kind, ())]
        answers[kinds] = sorted(found, key=lambda node: (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))
    return list(answers[kinds])


def _walk(tree: ast.AST) -> dict[type, list]:
    """Every node of `tree` by its type: ast.walk without its generator of generators, and
    without the Load/Store context every name carries (a fifth of a module's nodes, which no
    question asks for): a tenth faster on a large module."""
    index: dict[type, list] = {}
    pending = [tree]
    while pending:
        node = pending.pop()
        kind = type(node)
        found = index.get(kind)
        if found is None:
            index[kind] = [node]
        else:
            found.append(node)
        for name in _child_fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                pending.extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST):
                pending.append(value)
    return index


@functools.cache
def _child_fields(kind: type) -> tuple[str, ...]:
    return tuple(name for name in kind._fields if name != "ctx")


def called_name(func: ast.expr) -> str:
    """The last name of what a call calls: `callback` for callback(...), dash.callback(...) and
    app.callback(...); "" for anything else, such as make()(...)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""
