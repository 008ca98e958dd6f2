"""Bounded reads of a project's files: only regular files, only up to a size, each decoded the
way its consumer decodes it (Python source by PEP 263). A FIFO, a device or a huge file in the
folder is refused or passed over, never read."""

from __future__ import annotations

import ast
import os
import stat
import tokenize
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from dashgen.errors import Refused

# Far above any hand-written module or requirements file, far below what exhausts memory.
MAX_SOURCE_BYTES = 16 * 1024 * 1024
MAX_TEXT_BYTES = 1024 * 1024


def is_readable_file(path: Path, limit: int = MAX_SOURCE_BYTES) -> bool:
    """Whether `path` is a regular file (after symlinks) no larger than `limit`."""
    try:
        status = path.stat()
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(status.st_mode) and status.st_size <= limit


def read_bytes(path: Path, limit: int = MAX_TEXT_BYTES) -> bytes | None:
    """The bytes of a regular file, None when nothing is there; anything else is refused."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise Refused(f"Cannot read {path}: {error.strerror}.") from None
    if stat.S_ISDIR(status.st_mode):
        raise Refused(f"{path} is a folder, not a file: remove it or rename it.")
    if not stat.S_ISREG(status.st_mode):
        raise Refused(f"{path} is not a regular file (a pipe, socket or device): replace it with a file.")
    if status.st_size > limit:
        raise Refused(
            f"{path} is {status.st_size:,} bytes, more than the {limit:,} dashgen reads: is it the right file?"
        )
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after stat, open returns instead of waiting.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise Refused(f"Cannot read {path}: {error.strerror}.") from None
    if len(data) > limit:
        raise Refused(f"{path} is larger than the {limit:,} bytes dashgen reads: is it the right file?")
    return data


def read_text(path: Path, limit: int = MAX_TEXT_BYTES) -> str | None:
    """A UTF-8 text file (Procfile, Dockerfile) with its line endings as they are; a BOM is kept
    in the text so that writing it back keeps it."""
    data = read_bytes(path, limit)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(f"{path} is not UTF-8 (byte {error.start}): save it as UTF-8.") from None


class PythonFile(NamedTuple):
    """A Python module, decoded and parsed."""

    path: Path
    text: str  # decoded as Python decodes it (without a BOM)
    encoding: str  # what to encode it with when writing it back: "utf-8-sig" writes the BOM again
    tree: ast.Module


def read_python(path: Path) -> PythonFile:
    """A module read as Python reads it: PEP 263 (BOM, coding cookie), parsed once."""
    data = read_bytes(path, MAX_SOURCE_BYTES)
    if data is None:
        raise Refused(f"{path} does not exist: give --app the path of the module that creates the Dash app.")
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise Refused(f"{path} cannot be decoded as Python decodes it ({error}): fix its encoding.") from None
    try:
        # From the bytes, as the interpreter does: the BOM and the coding cookie are honoured.
        tree = ast.parse(data, filename=str(path))
    except SyntaxError as error:
        raise Refused(f"{path} is not valid Python (line {error.lineno}: {error.msg}): fix it first.") from None
    except (RecursionError, MemoryError):
        raise Refused(f"{path} is nested too deeply for Python to compile it: split the long expression.") from None
    return PythonFile(path, text, encoding, tree)


def module_file(dotted: str, folders) -> Path | None:
    """The file Python imports for `dotted` (`pkg.mod`) from the first of `folders` that has it:
    `pkg/mod.py` or `pkg/mod/__init__.py`; "" names the folder's own package."""
    for folder in dict.fromkeys(folders):
        target = folder / Path(*dotted.split(".")) if dotted else folder
        for path in (target.with_name(target.name + ".py"), target / "__init__.py"):
            if path.is_file():
                return path
    return None


def read_pyproject(root: Path, mentioning: str, wanted: str) -> dict:
    """The project's pyproject.toml as TOML, {} when there is none or when no line mentions
    `mentioning` before its first `=`: where a table header or a key names it (a value, such as
    the description `dashgen new` writes, cannot; most projects' files say nothing of what is
    asked, and no TOML is parsed). `wanted` says what is read, in the refusal of a file that is
    not TOML."""
    text = read_text(root / "pyproject.toml")
    if text is None or not any(mentioning in line.partition("=")[0] for line in text.splitlines()):
        return {}
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise Refused(f"pyproject.toml is not valid TOML ({error}): fix it so {wanted} can be read.") from None
