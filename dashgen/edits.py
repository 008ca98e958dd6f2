"""Text splices into Python source that keep every other byte as it was.

Positions come from the syntax tree (stdlib `ast` line numbers); the text is cut and joined by
lines, in the file's own line endings. Imports are placed where isort/ruff would put them.
"""

from __future__ import annotations

import ast
import re
import sys

# The line ends Python's tokenizer knows; str.splitlines() also splits on U+2028, form feed and
# others, which Python reads as characters inside a line (a string, a comment).
_PYTHON_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def python_lines(text: str) -> list[str]:
    """The lines of `text` as Python numbers them, each with its line end."""
    return _PYTHON_LINE.findall(text)


class Spans:
    """Text offsets of a module's syntax tree positions (lines, UTF-8 byte columns)."""

    def __init__(self, text: str) -> None:
        self.lines = python_lines(text)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode("utf-8")[:column].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)


def line_count(text: str) -> int:
    """len(python_lines(text)), without building the list."""
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    return ends + (1 if text and not text.endswith(("\n", "\r")) else 0)


def newline_of(text: str) -> str:
    first = text.find("\n")
    if first < 0:
        return "\r" if "\r" in text else "\n"  # classic Mac OS endings are kept too
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def insert_after_line(text: str, line: int, block: str, *, blank_before: int, blank_after: int) -> tuple[str, int]:
    """Insert `block` (lines joined by "\\n") after 1-based `line` (0: at the top), with at least
    the given blank lines around it. Returns the new text and the block's first line number."""
    newline = newline_of(text)
    lines = python_lines(text)
    if lines and not lines[-1].endswith(("\n", "\r")) and line >= len(lines):
        lines[-1] += newline
    head, tail = lines[:line], lines[line:]
    blanks_after = 0
    for following in tail:
        if following.strip():
            break
        blanks_after += 1
    before = [newline] * (blank_before if head else 0)
    body = [part + newline for part in block.split("\n")]
    after = [newline] * max(0, blank_after - blanks_after) if len(tail) > blanks_after else []
    return "".join(head + before + body + after + tail), line + len(before) + 1


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def _top_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The module's leading import block (after the docstring), in order."""
    imports = []
    for index, statement in enumerate(tree.body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            imports.append(statement)
        elif index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        else:
            break
    return imports


def bound_names(tree: ast.Module) -> set[str]:
    """Every name the module binds at its top level, also inside if/try/with/for blocks (an
    `import time` under `try:` is as much the module's `time` as one at the top)."""
    names: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)  # what its body binds is its own
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
            pending.extend(ast.iter_child_nodes(node))
        elif not isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            pending.extend(ast.iter_child_nodes(node))
    return names


def bound_through(tree: ast.Module, line: int) -> set[str]:
    """The names the module's top-level statements that end by `line` bind: what a statement
    inserted after `line` can use."""
    done = ast.Module(body=[node for node in tree.body if (node.end_lineno or node.lineno) <= line], type_ignores=[])
    return bound_names(done)


def ensure_import(text: str, module: str, name: str | None = None, *, header: int | None = None) -> str:
    """`import module` (name None) or `from module import name`, unless it is already there.

    `header`: how many leading lines hold the docstring and the import block, when the caller
    knows; only they are parsed, so a large module costs no second parse."""
    tree = ast.parse("".join(python_lines(text)[:header]) if header is not None else text)
    imports = _top_imports(tree)
    if name is None:
        if any(isinstance(s, ast.Import) and any(a.name == module and not a.asname for a in s.names) for s in imports):
            return text
    else:
        same_module = [s for s in imports if isinstance(s, ast.ImportFrom) and s.module == module and s.level == 0]
        if any(alias.name == name and not alias.asname for s in same_module for alias in s.names):
            return text
        if same_module:
            # A line of its own beside the app's import: the app's lines stay as they are.
            line = f"from {module} import {name}"
            return insert_after_line(text, same_module[-1].end_lineno, line, blank_before=0, blank_after=0)[0]
    line = f"import {module}" if name is None else f"from {module} import {name}"
    return _insert_import_line(text, tree, imports, line, module, straight=name is None)


def _insert_import_line(text: str, tree: ast.Module, imports: list, line: str, module: str, *, straight: bool) -> str:
    stdlib = _is_stdlib(module)
    section = [s for s in imports if _is_stdlib(_module_of(s)) == stdlib and _module_of(s) != "__future__"]
    if section:
        # isort order within a section: `import x` lines, then `from x import y`, each by module.
        key = (not straight, module)
        later = [s for s in section if (isinstance(s, ast.ImportFrom), _module_of(s)) > key]
        if later:
            return insert_after_line(text, later[0].lineno - 1, line, blank_before=0, blank_after=0)[0]
        return insert_after_line(text, section[-1].end_lineno, line, blank_before=0, blank_after=0)[0]
    others = [s for s in imports if _module_of(s) != "__future__"]
    if stdlib and others:
        return insert_after_line(text, others[0].lineno - 1, line, blank_before=0, blank_after=1)[0]
    if others:
        return insert_after_line(text, others[-1].end_lineno, line, blank_before=1, blank_after=0)[0]
    anchor = _after_docstring_and_future(tree)
    return insert_after_line(text, anchor, line, blank_before=1 if anchor else 0, blank_after=1)[0]


def _module_of(statement: ast.Import | ast.ImportFrom) -> str:
    if isinstance(statement, ast.Import):
        return statement.names[0].name
    return statement.module or ""


def _after_docstring_and_future(tree: ast.Module) -> int:
    line = 0
    for index, statement in enumerate(tree.body):
        is_docstring = index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
        is_future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if not (is_docstring or is_future):
            break
        line = statement.end_lineno or line
    return line


def last_import_line(tree: ast.Module) -> int:
    imports = _top_imports(tree)
    return imports[-1].end_lineno if imports else _after_docstring_and_future(tree)
