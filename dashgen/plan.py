"""A plan: the file changes a command would make, shown before (or instead of) being applied.

Every action is one word, as in Rails generators: create, update, insert, force, identical, conflict.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CREATE = "create"  # a new file
UPDATE = "update"  # an existing file changed on purpose (lines merged into it)
INSERT = "insert"  # an existing file with code inserted into it
FORCE = "force"  # an existing, different file replaced because --force was given
IDENTICAL = "identical"  # the file already says exactly this: nothing to do
CONFLICT = "conflict"  # an existing, different file that will not be replaced

WRITES = (CREATE, UPDATE, INSERT, FORCE)


@dataclass(frozen=True)
class FileChange:
    path: str  # relative to the plan's root, with forward slashes
    action: str
    new_text: str
    old_text: str | None = None
    where: str = ""  # a location worth naming, such as "app.py:42"
    encoding: str = "utf-8"  # the file's own (a latin-1 module, a UTF-16 requirements.txt)

    def diff(self) -> str:
        old = (self.old_text or "").splitlines(keepends=True)
        new = self.new_text.splitlines(keepends=True)
        before = f"a/{self.path}" if self.old_text is not None else "/dev/null"
        lines = difflib.unified_diff(old, new, before, f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Plan:
    root: Path
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was found or decided, for the user

    @property
    def conflicts(self) -> list[FileChange]:
        return [change for change in self.changes if change.action == CONFLICT]

    @property
    def writes(self) -> list[FileChange]:
        return [change for change in self.changes if change.action in WRITES]

    def apply(self) -> None:
        """Write every change or none: a new root is staged whole and renamed into place;
        files in an existing root are written beside their target and then renamed over it."""
        if not self.writes:
            return
        if not self.root.exists():
            self._create_root()
        else:
            self._replace_files()

    def _create_root(self) -> None:
        self.root.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{self.root.name}.", dir=self.root.parent))
        try:
            os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes it private; a project is not
            for change in self.writes:
                _write(stage / change.path, change.new_text, change.encoding)
            os.rename(stage, self.root)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise

    def _replace_files(self) -> None:
        staged: list[tuple[Path, Path]] = []
        made_dirs: list[Path] = []
        try:
            for change in self.writes:
                target = self.root / change.path
                made_dirs.extend(_make_parents(target.parent))
                handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
                os.close(handle)
                _write(Path(temporary), change.new_text, change.encoding)
                if target.exists():
                    shutil.copymode(target, temporary)
                staged.append((Path(temporary), target))
            while staged:
                temporary, target = staged.pop(0)
                os.replace(temporary, target)
        except BaseException:
            for temporary, _ in staged:
                temporary.unlink(missing_ok=True)
            for directory in reversed(made_dirs):
                if directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()
            raise


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="" writes the text's own line endings, so a CRLF file stays CRLF.
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(text)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _make_parents(directory: Path) -> list[Path]:
    missing = [parent for parent in (directory, *directory.parents) if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir()
    return list(reversed(missing))


def read_text(path: Path) -> str | None:
    """A file's text with its line endings as they are, or None when it does not exist."""
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


def change_for(root: Path, relative: str, new_text: str, *, force: bool = False) -> FileChange:
    """The change that puts `new_text` at root/relative: create, identical, force or conflict."""
    old_text = read_text(root / relative)
    if old_text is None:
        return FileChange(relative, CREATE, new_text)
    if old_text == new_text:
        return FileChange(relative, IDENTICAL, new_text, old_text)
    return FileChange(relative, FORCE if force else CONFLICT, new_text, old_text)
