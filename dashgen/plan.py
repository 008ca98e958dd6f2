"""A plan: the file changes a command would make, shown before (or instead of) being applied.

Every action is one word, as in Rails generators: create, update, insert, force, identical, conflict
(and conflicted: written with inline conflict markers, by update).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from dashgen.errors import Refused

# difflib, hashlib and tempfile are imported where a plan is shown or applied: check and
# `--dry-run` only read plans, and those imports cost about 15 ms at start-up.

CREATE = "create"  # a new file
UPDATE = "update"  # an existing file changed on purpose (lines merged into it)
INSERT = "insert"  # an existing file with code inserted into it
FORCE = "force"  # an existing, different file replaced because --force was given
IDENTICAL = "identical"  # the file already says exactly this: nothing to do
CONFLICT = "conflict"  # an existing, different file that will not be replaced
CONFLICTED = "conflicted"  # an existing file written with inline conflict markers (update)

WRITES = (CREATE, UPDATE, INSERT, FORCE, CONFLICTED)


class FileChange(NamedTuple):
    """One file's change in a plan: its path, the action, and its text before and after."""

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
        import difflib

        lines = difflib.unified_diff(old, new, before, f"b/{self.path}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Plan:
    """The file changes a command makes, shown by --dry-run before they are applied together."""

    root: Path
    changes: list[FileChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was found or decided, for the user
    replace_links: bool = False  # --force: a link out of the project is replaced, not written through
    applied: bool = False  # every write landed (set before held signals are let through)

    @property
    def conflicts(self) -> list[FileChange]:
        return [change for change in self.changes if change.action == CONFLICT]

    @property
    def writes(self) -> list[FileChange]:
        return [change for change in self.changes if change.action in WRITES]

    def apply(self) -> None:
        """Write every change or none. Every target is checked before the first rename; the new
        texts are staged in the project (a new project: beside it), then renamed into place with
        signals held back; on any failure what was replaced is put back. A run killed midway leaves a journal
        that the next writer on the same project rolls back (see `writing`)."""
        writes = self.writes
        if not writes:
            return
        # Ctrl-C and SIGTERM wait the few milliseconds of staging and renaming: they land before
        # or after, and nothing staged is left behind.
        with _signals_held():
            if not self.root.exists():
                self._create_root(writes)
            else:
                _Transaction(self.root, writes, replace_links=self.replace_links, plan=self).run()

    def _create_root(self, writes: list[FileChange]) -> None:
        import tempfile

        parent = self.root.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=_new_stage_prefix(self.root.name), dir=parent))
        except OSError as error:
            raise _refusal(error, parent) from None
        try:
            os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes it private; a project is not
            for change in writes:
                _write(stage / change.path, change.new_text, change.encoding)
            os.rename(stage, self.root)
            self.applied = True
        except OSError as error:
            shutil.rmtree(stage, ignore_errors=True)
            raise _refusal(error, self.root) from None
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise


# --- One writer at a time, and the leftovers of a killed one -----------------------------------

STAGE_PREFIX = ".dashgen-stage-"  # inside an existing project: new texts, backups, the journal
NEW_PREFIX = ".dashgen-new-"  # beside a new project: the whole project before it is renamed in
JOURNAL = "journal.json"  # present exactly while renames may be half done
LOCK_WAIT = 60.0  # seconds: a writer holds the lock for well under a second


@contextmanager
def writing(root: Path) -> Iterator[None]:
    """Hold the project's write lock while a command reads its files, plans and applies, so a
    concurrent run plans against what this one wrote. The lock is an flock on the project folder
    (or, before it exists, its nearest existing parent): the kernel drops it when a holder dies,
    so a killed run never blocks the next. The next writer then rolls back what it left."""
    folder = _existing_folder(root)
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise _refusal(error, folder) from None
    try:
        _lock(handle, folder)
        with _signals_held():
            _recover(root)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _existing_folder(root: Path) -> Path:
    folder = root.absolute()
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def _lock(handle: int, folder: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise Refused(
                    f"Another dashgen has been writing in {folder} for {LOCK_WAIT:.0f}s: "
                    "wait for it to finish, then run this again."
                ) from None
            time.sleep(0.02)


def _recover(root: Path) -> None:
    """Undo what a killed writer left: a staged new project beside `root`, or half-done renames
    inside it (rolled back from the journal, so every file is as before that run)."""
    try:
        for stage in root.parent.glob(_new_stage_prefix(root.name) + "*"):
            shutil.rmtree(stage)
        if root.is_dir() and not root.is_symlink():
            for stage in sorted(root.glob(STAGE_PREFIX + "*")):
                if stage.is_dir() and not stage.is_symlink():
                    _roll_back(root, stage)
    except OSError as error:
        raise Refused(
            f"A dashgen run was killed while writing in {root} and its leftovers cannot be removed "
            f"({error.strerror}): remove the {STAGE_PREFIX}* folder by hand."
        ) from None


def _roll_back(root: Path, stage: Path) -> None:
    journal = stage / JOURNAL
    if journal.exists():
        record = json.loads(journal.read_text(encoding="utf-8"))
        for entry in reversed(record["entries"]):
            _undo(root, stage, entry)
        for relative in reversed(record["made"]):
            _remove_if_empty(root / relative)
        for relative, link in reversed(record["links"]):
            _restore_link(root / relative, link)
        journal.unlink()
    shutil.rmtree(stage)


def _undo(root: Path, stage: Path, entry: dict) -> None:
    """Put one target back as it was, if its rename happened (its staged file is gone)."""
    if (stage / entry["staged"]).exists():
        return
    target = root / entry["target"]
    if entry["backup"] is None:
        target.unlink(missing_ok=True)
    elif (stage / entry["backup"]).exists() or (stage / entry["backup"]).is_symlink():
        os.replace(stage / entry["backup"], target)


def _restore_link(path: Path, link: str) -> None:
    if not path.is_symlink() and not path.exists():
        os.symlink(link, path)


def _remove_if_empty(directory: Path) -> None:
    if directory.is_dir() and not directory.is_symlink() and not any(directory.iterdir()):
        directory.rmdir()


def _new_stage_prefix(name: str) -> str:
    # A hash, not the name: a name near the file system's limit must still fit with the prefix.
    import hashlib

    return NEW_PREFIX + hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:12] + "-"


# --- Replacing files in an existing project ---------------------------------------------------


@dataclass
class _Target:
    """Where one change's text goes while a plan is applied, and what it replaces."""

    change: FileChange
    path: Path  # where the text goes: inside the project, links inside it resolved
    relative: str  # path relative to the project, as the journal records it
    replaces: bool  # something (a file, or a link --force replaces) is there now
    staged: str = ""
    backup: str | None = None


class _Transaction:
    """Check, stage, journal, rename; on failure rename back. One per `Plan.apply`."""

    def __init__(self, root: Path, writes: list[FileChange], *, replace_links: bool, plan: Plan) -> None:
        self.plan = plan
        self.root = root
        self.real_root = Path(os.path.realpath(root))
        self.replace_links = replace_links
        self.writes = writes
        self.links: list[tuple[str, str]] = []  # (folder, where its link pointed) to replace
        self.made: list[str] = []  # folders to create, parents first
        self.targets: list[_Target] = []

    def run(self) -> None:
        import tempfile

        for change in self.writes:
            self.targets.append(self._check(change))
        try:
            self.stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=self.root))
        except OSError as error:
            raise _refusal(error, self.root) from None
        try:
            self._stage_texts()
            self._commit()
        except OSError as error:
            raise _refusal(error, self.root) from None
        finally:
            shutil.rmtree(self.stage, ignore_errors=True)

    def _check(self, change: FileChange) -> _Target:
        """Where the change may write, or a refusal naming the path: nothing is written yet."""
        folder, fresh = self.real_root, False  # fresh: below a folder this run creates
        parts = change.path.split("/")
        for index, part in enumerate(parts):
            path, last = folder / part, index == len(parts) - 1
            shown = "/".join(parts[: index + 1])
            if not fresh and path.is_symlink():
                resolved = Path(os.path.realpath(path))
                if resolved.is_relative_to(self.real_root):
                    path = resolved
                elif not self.replace_links:
                    raise Refused(
                        f"{shown} is a link to {os.readlink(path)}, outside the project: dashgen writes only "
                        f"inside {self.root}; remove the link, or use --force to replace only the link."
                    )
                elif last:
                    return self._writable(_Target(change, path, self._relative(path), replaces=True))
                else:
                    self.links.append((self._relative(path), os.readlink(path)))
                    fresh = True
            if last:
                self._check_file(path, shown, change, fresh)
            elif fresh or not path.exists():
                fresh = True
                if self._relative(path) not in self.made:
                    self.made.append(self._relative(path))
            elif not path.is_dir():
                raise Refused(f"{shown} is a file where dashgen needs a folder: move it away, then run again.")
            folder = path
        replaces = not fresh and folder.exists()
        return self._writable(_Target(change, folder, self._relative(folder), replaces=replaces))

    @staticmethod
    def _check_file(path: Path, shown: str, change: FileChange, fresh: bool) -> None:
        if fresh:
            return
        if path.is_dir():
            raise Refused(f"{shown} is a folder where dashgen writes a file: move it away, then run again.")
        if path.exists() and not path.is_file():
            raise Refused(f"{shown} is not a regular file: move it away, then run again.")
        if _current_text(path, change.encoding) != change.old_text:
            raise Refused(f"{shown} changed while dashgen was planning: run the command again.")

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.real_root).as_posix()

    def _writable(self, target: _Target) -> _Target:
        directory = target.path.parent
        while directory != self.real_root and self._relative(directory) in self.made:
            directory = directory.parent
        if not os.access(directory, os.W_OK | os.X_OK):
            raise Refused(f"{directory} is read-only, so {target.change.path} cannot be written: make it writable.")
        return target

    def _stage_texts(self) -> None:
        for number, target in enumerate(self.targets):
            target.staged = f"new-{number}"
            staged = self.stage / target.staged
            _write(staged, target.change.new_text, target.change.encoding)
            if target.replaces:
                target.backup = f"old-{number}"
                if not target.path.is_symlink():
                    shutil.copymode(target.path, staged)  # a replaced file keeps its mode
        record = {
            "entries": [
                {"target": target.relative, "staged": target.staged, "backup": target.backup} for target in self.targets
            ],
            "links": self.links,
            "made": self.made,
        }
        _write(self.stage / (JOURNAL + ".new"), json.dumps(record))
        os.replace(self.stage / (JOURNAL + ".new"), self.stage / JOURNAL)

    def _commit(self) -> None:
        try:
            self._rename_all()
        except BaseException:
            _roll_back(self.real_root, self.stage)
            raise
        (self.stage / JOURNAL).unlink()
        self.plan.applied = True

    def _rename_all(self) -> None:
        for relative, _ in self.links:
            (self.real_root / relative).unlink()
        for relative in self.made:
            (self.real_root / relative).mkdir()  # the umask's mode, as any new folder
        for target in self.targets:
            if _pause := os.environ.get("DASHGEN_TEST_PAUSE_BETWEEN_RENAMES"):
                time.sleep(float(_pause))  # tests only: widens the window a SIGKILL can hit
            if target.backup is not None:
                _keep_old(target.path, self.stage / target.backup)
            os.replace(self.stage / target.staged, target.path)


def _keep_old(path: Path, backup: Path) -> None:
    """A second name for the file about to be replaced, so it can be put back."""
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError:
        if path.is_symlink():
            os.symlink(os.readlink(path), backup)
        else:
            shutil.copy2(path, backup)


@contextmanager
def _signals_held() -> Iterator[None]:
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _refusal(error: OSError, where: Path) -> Refused:
    """An operating system's refusal as one sentence; nothing was changed."""
    path = error.filename or where
    reasons = {
        errno.EACCES: "permission denied (a read-only folder?)",
        errno.EPERM: "operation not permitted",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "the disk is full",
        errno.ENAMETOOLONG: "the name is too long for the file system",
        errno.ENOTDIR: "part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder",
        errno.EXDEV: "part of the project is on another file system",
        errno.ENOENT: "a folder on the way does not exist (was it removed?)",
    }
    reason = reasons.get(error.errno, error.strerror or str(error))
    return Refused(f"Cannot write {path}: {reason}. Nothing was changed.")


def _write(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="" writes the text's own line endings, so a CRLF or CR file stays as it is.
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(text)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _current_text(path: Path, encoding: str) -> str | None:
    """The file's text now, in the encoding it was read with when the plan was made."""
    if not path.is_file():
        return None
    try:
        return path.read_bytes().decode(encoding)
    except UnicodeDecodeError:
        return ""  # not the text the plan was made from


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
