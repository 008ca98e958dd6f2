"""What a module's names are bound to (Flask, the Dash app, its server), and the syntax-tree helpers
every part of a conversion uses."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import NamedTuple

from dashgen.backends import BACKENDS
from dashgen.nodes import nodes

FLASK = BACKENDS["flask"]


@dataclass
class Names:
    """What one module binds to Flask, Dash and the server, by local name."""

    flask_names: dict[str, str] = field(default_factory=dict)  # local -> name in flask
    flask_modules: set[str] = field(default_factory=set)  # `import flask` (as f)
    apps: set[str] = field(default_factory=set)  # the Dash app
    servers: set[str] = field(default_factory=set)  # the app's server
    # (module-level function, parameter) -> "app" | "server": the function is called with the app
    # or its server there (`init_cache(app)`, then `cache.init_app(app.server)` inside)
    parameters: dict[tuple[str, str], str] = field(default_factory=dict)

    def server_expressions(self, function: str | None = None) -> set[str]:
        apps, servers = self.in_function(function)
        return servers | {f"{app}.server" for app in apps}

    def in_function(self, function: str | None) -> tuple[set[str], set[str]]:
        """The names of the app and of its server inside a module-level function (None: at module
        level): the module's own, and the function's parameters given them."""
        given = [(parameter, kind) for (name, parameter), kind in self.parameters.items() if name == function]
        apps = self.apps | {parameter for parameter, kind in given if kind == "app"}
        return apps, self.servers | {parameter for parameter, kind in given if kind == "server"}


def aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name of every import in the module."""
    found = {}
    for node in nodes(tree, ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                found[alias.asname or top] = alias.name if alias.asname else top
        elif node.module and node.level == 0:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return found


def flask_ref(names: Names, node: ast.AST) -> str | None:
    """What of flask an expression names: `Flask`, `request`, `request.form`, `send_file`."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    if node.id in names.flask_modules and parts:
        return ".".join(reversed(parts))
    if node.id in names.flask_names:
        return ".".join([names.flask_names[node.id], *reversed(parts)])
    return None


class Edit(NamedTuple):
    """One splice of a module's text."""

    start: int  # offsets in the module's text
    end: int
    text: str


def end_of(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno or 0, node.end_col_offset or 0


def own_nodes(function: ast.AST):
    """The nodes of a function's own body, not of the functions defined in it."""
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
