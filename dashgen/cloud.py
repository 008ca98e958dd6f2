"""A project as Plotly Cloud's CLI (`plotly app publish`, package plotly-cloud 0.5) packs and
starts it: the files it uploads (its own exclusion rules, not git's), their size against its
limit, and the entrypoint module it picks. Re-implemented here, never imported: dashgen does not
depend on the CLI, and the tests prove both agree by running the CLI's own code."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from dashgen.errors import Refused
from dashgen.nodes import called_name, nodes
from dashgen.reading import MAX_SOURCE_BYTES, is_readable_file, read_bytes, read_python, read_text

# The CLI's detection order; it names an entrypoint only when one of these is at the root.
ENTRYPOINT_CANDIDATES = ("app.py", "main.py", "index.py", "server.py")
# The CLI refuses an upload whose files add up to more (uncompressed), or to more than the
# absolute maximum with --skip-size-check.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ABSOLUTE_MAX_UPLOAD_BYTES = 700 * 1024 * 1024
CONFIG_FILE = "plotly-cloud.toml"
PUBLISH = "plotly app publish"
# What the CLI leaves out of every upload, whatever .gitignore says.
ALWAYS_EXCLUDED = (
    "venv/", "venv", ".venv/", ".venv", "env/", "env", ".env/", ".env", "__pycache__/", "*.pyc", "*.pyo",
    "*.pyd", ".Python", "build/", "develop-eggs/", "dist/", "downloads/", "eggs/", ".eggs/", "lib/", "lib64/",
    "parts/", "sdist/", "var/", "wheels/", "*.egg-info/", ".installed.cfg", "*.egg", "MANIFEST", ".git/",
    ".gitignore",
)  # fmt: skip
# Modules scanned for the files the app opens: a project's own code, not a vendored tree.
_MAX_SCANNED = 200
_OPENERS = re.compile(rb"open\(|read_\w+\(|load\w*\(|genfromtxt\(")


class Exclusions(NamedTuple):
    """The CLI's patterns: its defaults and .gitignore's lines (by line number)."""

    gitignore: dict[str, int]

    def match(self, relative: str) -> str | None:
        """The pattern that leaves `relative` (a path from the root) out of the upload, .gitignore's first."""
        parts = PurePosixPath(relative).parts
        name = parts[-1] if parts else relative
        for pattern in (*self.gitignore, *ALWAYS_EXCLUDED):
            # The CLI's three rules: a folder name anywhere in the path, a suffix, a file's name.
            if pattern.endswith("/"):
                if pattern.rstrip("/") in parts:
                    return pattern
            elif pattern.startswith("*"):
                if relative.endswith(pattern[1:]):
                    return pattern
            elif pattern == name:
                return pattern
        return None

    def why(self, pattern: str) -> str:
        if pattern in self.gitignore:
            return f".gitignore line {self.gitignore[pattern]} (`{pattern}`)"
        return f"Plotly Cloud's CLI, which always leaves out `{pattern}`"


class Upload(NamedTuple):
    """The files `plotly app publish` would zip, with their sizes."""

    root: Path
    files: tuple[tuple[str, int], ...]
    exclusions: Exclusions

    @property
    def total(self) -> int:
        return sum(size for _, size in self.files)

    def by_top_level(self) -> list[tuple[str, int]]:
        """The root's entries (a folder as `name/`) by the bytes they add, largest first."""
        sizes: dict[str, int] = {}
        for relative, size in self.files:
            first, _, rest = relative.partition("/")
            key = f"{first}/" if rest else first
            sizes[key] = sizes.get(key, 0) + size
        return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))

    def lines_below_limit(self, keep: set[str]) -> list[str]:
        """The .gitignore lines that leave out the largest entries until the upload fits, none of `keep`."""
        excess, lines = self.total - MAX_UPLOAD_BYTES, []
        for entry, size in self.by_top_level():
            if excess <= 0:
                break
            if entry in keep or entry.endswith(".py"):
                continue
            lines.append(entry)
            excess -= size
        return lines


def exclusions(root: Path) -> Exclusions:
    text = read_text(root / ".gitignore")
    lines: dict[str, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            lines.setdefault(line, number)
    return Exclusions(lines)


def upload(root: Path) -> Upload:
    """What the CLI zips from `root`: it walks the folder (not into symlinked folders), prunes
    excluded folders, and counts each file's size as the operating system reports it."""
    rules = exclusions(root)
    files = []
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        dirs[:] = [name for name in dirs if rules.match((base / name).as_posix()) is None]
        for name in names:
            relative = (base / name).as_posix()
            if rules.match(relative) is not None:
                continue
            try:
                files.append((relative, os.path.getsize(os.path.join(folder, name))))
            except OSError:
                continue  # the CLI skips what it cannot read
    return Upload(root, tuple(sorted(files)), rules)


def detected_entrypoint(root: Path) -> str | None:
    """The module the CLI names at the first publish when --entrypoint-module is not given."""
    return next((name[:-3] for name in ENTRYPOINT_CANDIDATES if (root / name).is_file()), None)


def published_app_id(root: Path) -> str | None:
    """The app this folder was published as (the CLI records it in plotly-cloud.toml)."""
    try:
        text = read_text(root / CONFIG_FILE)
    except Refused:
        return None
    found = re.search(r'^app_id\s*=\s*"([^"]*)"', text or "", re.M)
    return found.group(1) if found else None


def module_name(root: Path, path: Path) -> str:
    """`path`'s dotted name from the root, as --entrypoint-module takes it."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def publish_command(module: str, new_app: bool = False) -> str:
    return f"{PUBLISH}{' --name NAME' if new_app else ''} --entrypoint-module {module}"


class OpenedFile(NamedTuple):
    """A file a module opens by a path written in its source."""

    module: str  # relative to the root
    line: int
    path: str  # as written in the source


def opened_files(project: Upload) -> list[OpenedFile]:
    """Files the uploaded modules open by a literal relative path: open("data/x.csv"),
    pd.read_csv("data/x.csv"), np.load(...). Relative to the folder the app starts in, the root."""
    found = []
    modules = [relative for relative, _ in project.files if relative.endswith(".py")][:_MAX_SCANNED]
    for relative in modules:
        path = project.root / relative
        try:
            if not is_readable_file(path) or not _OPENERS.search(read_bytes(path, MAX_SOURCE_BYTES) or b""):
                continue
            tree = read_python(path).tree
        except (Refused, SyntaxError, ValueError):
            continue
        for node in nodes(tree, ast.Call):
            literal = _opened_literal(node)
            if literal is not None:
                found.append(OpenedFile(relative, node.lineno, literal))
    return found


def _opened_literal(node: ast.Call) -> str | None:
    if not node.args:
        return None
    name = called_name(node.func)
    if not (name == "open" or name.startswith(("read_", "load")) or name == "genfromtxt"):
        return None
    first = node.args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    value = first.value
    if not value or value.startswith(("/", "~")) or "://" in value or "\n" in value:
        return None
    return PurePosixPath(value.replace("\\", "/")).as_posix()


def env_names(root: Path) -> list[str]:
    """The variables .env sets, in its order."""
    try:
        text = read_text(root / ".env")
    except Refused:
        return []
    names = re.findall(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", text or "", re.M)
    return list(dict.fromkeys(names))


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
