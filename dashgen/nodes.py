"""One walk over a module's syntax tree, shared by every question asked of it.

A large app.py has hundreds of thousands of nodes; each finding walking the whole tree again cost
more than parsing it did."""

from __future__ import annotations

import ast
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
        index = {}
        # ast.walk, without its generator of generators: a third faster on a large module.
        pending = [tree]
        while pending:
            node = pending.pop()
            index.setdefault(type(node), []).append(node)
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    pending.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    pending.append(value)
        _INDEX[tree] = index
    answers = _SORTED.setdefault(tree, {})
    if kinds not in answers:
        found = [node for kind in kinds for node in index.get(kind, ())]
        answers[kinds] = sorted(found, key=lambda node: (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))
    return list(answers[kinds])


def called_name(func: ast.expr) -> str:
    """The last name of what a call calls: `callback` for callback(...), dash.callback(...) and
    app.callback(...); "" for anything else, such as make()(...)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""
