"""requirements.txt read as pip reads it, by pip-requirements-parser (pip's own parsing code):
UTF-8 with or without a BOM, UTF-16 (PowerShell's `pip freeze >`), CRLF, backslash
continuations with `--hash`, environment markers, URL and VCS lines, `-r`/`-c` includes
(followed, each file once), names compared after PEP 503 normalisation."""

from __future__ import annotations

import codecs
import re
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from dashgen.errors import Refused
from dashgen.reading import MAX_TEXT_BYTES, read_bytes

FILE = "requirements.txt"
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


class Requirement(NamedTuple):
    """One requirement line: where it is and what pip reads in it."""

    name: str  # PEP 503 normalised
    requirement: object  # packaging.requirements.Requirement, or a PlainRequirement
    file: Path
    line: int  # 1-based, the first physical line of a continued line
    url: str | None  # a URL or VCS line's link
    constraint: bool  # from a -c file: limits a version, installs nothing

    @property
    def extras(self) -> set[str]:
        return set(self.requirement.extras)

    @property
    def specifier(self):
        return self.requirement.specifier


class Requirements(NamedTuple):
    """A requirements file as pip reads it, with the files it includes."""

    path: Path
    text: str  # decoded (without a BOM), line endings as they are
    encoding: str  # what to write it back with
    entries: tuple[Requirement, ...]  # this file's own requirement lines
    included: tuple[Requirement, ...]  # from the files it includes with -r / -c
    includes: tuple[str, ...]  # every file included, nested ones too, relative to this file's folder
    # Lines that name no distribution (`-e .`, a path, a URL without #egg=, a `-r URL`): what
    # they install is known only once pip builds or fetches them: (file, line) of each, this
    # file's and included ones.
    unnamed: tuple[tuple[Path, int], ...] = ()

    def get(self, name: str) -> Requirement | None:
        """The line that decides `name`: this file's first, else an included file's."""
        wanted = normalised(name)
        own = next((entry for entry in self.entries if entry.name == wanted), None)
        return own or next((entry for entry in self.included if entry.name == wanted and not entry.constraint), None)

    def lists(self, name: str) -> bool:
        return self.get(name) is not None

    def with_text(self, text: str) -> Requirements:
        """The same file as it reads after `text` replaces its own lines (the includes stay)."""
        if text == self.text:
            return self
        entries, _, unnamed = _parse(self.path, constraint=False, text=text, unsaved=True)
        included = tuple(where for where in self.unnamed if where[0] != self.path)
        return self._replace(text=text, entries=tuple(entries), unnamed=(*unnamed, *included))


def read_requirements(root: Path, name: str = FILE) -> Requirements | None:
    """The project's requirements file as pip reads it, or None when there is none."""
    path = root / name
    data = read_bytes(path, MAX_TEXT_BYTES)
    if data is None:
        return None
    text, encoding = _decode(path, data)
    entries, includes, unnamed = _parse(path, constraint=False, text=text)
    return _with_includes(path, text, encoding, entries, includes, unnamed)


def including(root: Path, included: str) -> Requirements:
    """The requirements.txt for `root`, not yet written, that installs what the file `included`
    (relative to root: a package's own requirements) does: `-r included`."""
    return _with_includes(root / FILE, f"-r {included}\n", "utf-8", [], [(included, False)])


def _with_includes(path: Path, text: str, encoding: str, entries, includes, unnamed=()) -> Requirements:
    """The file with the files it includes with -r / -c followed, each once."""
    included: list[Requirement] = []
    seen = {path.resolve()}
    queue = [(path.parent / include, constraint) for include, constraint in includes]
    while queue:
        nested, constraint = queue.pop(0)
        resolved = nested.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        if read_bytes(nested, MAX_TEXT_BYTES) is None:
            raise Refused(f"{path.name} includes {nested.name}, which does not exist, so pip cannot install it.")
        found, more, nested_unnamed = _parse(nested, constraint=constraint)
        included += found
        unnamed = (*unnamed, *nested_unnamed)
        queue += [(nested.parent / include, constraint or nested_constraint) for include, nested_constraint in more]
    relative = tuple(_relative(file, path.parent) for file in seen if file != path.resolve())
    return Requirements(path, text, encoding, tuple(entries), tuple(included), tuple(sorted(relative)), tuple(unnamed))


def _relative(file: Path, folder: Path) -> str:
    try:
        return file.relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(file)


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """As pip's auto_decode: a BOM decides, else UTF-8 (what every current pip writes)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding if encoding != "utf-8" else "utf-8-sig")
            except UnicodeDecodeError:
                break
            # Written back with a BOM again: utf-8-sig and utf-16 encode one.
            return text, ("utf-8-sig" if encoding == "utf-8" else encoding)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        raise Refused(f"pip cannot read {path.name}: byte {error.start} is not UTF-8; save it as UTF-8.") from None


def _parse(
    path: Path, *, constraint: bool, text: str | None = None, unsaved: bool = False
) -> tuple[list[Requirement], list[tuple[str, bool]], list[tuple[Path, int]]]:
    """The requirement lines, the includes and the lines that name no distribution of `path`
    (`text`, when given, is its decoded text; `unsaved`: text not yet written, read as if it
    were `path`)."""
    if text is None:
        data = read_bytes(path, MAX_TEXT_BYTES)  # a FIFO or a huge file is refused before the library opens it
        text = data.decode("ascii") if data.isascii() else None
    plain = _plain_requirements(path, text, constraint) if text is not None else None
    if plain is not None:
        return plain, [], []
    return _pip_parse(path, constraint=constraint, text=text if unsaved else None)


# A line of a name, extras and version specifiers, and a comment: what most files hold, read
# as pip would read it, without importing pip-requirements-parser (about 30 ms: it imports
# urllib.request and http.client). Any other line sends the file to the library;
# tests/test_requirements.py compares the two.
# No word may start with `-` (pip reads the rest of the line as options from there).
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_VERSION = r"(?:~=|==|!=|<=|>=|<|>|===)\s*[A-Za-z0-9*][A-Za-z0-9.*+!_-]*"
_PLAIN_LINE = re.compile(
    rf"\s*(?P<requirement>{_NAME}\s*(?:\[\s*(?:{_NAME}(?:\s*,\s*{_NAME})*)?\s*\])?"
    rf"\s*(?:{_VERSION}(?:\s*,\s*{_VERSION})*)?)(?:\s+#.*)?\s*",
    re.ASCII,
)
_COMMENT_LINE = re.compile(r"\s*(?:#.*)?")
# pip reads a requirement ending like an archive's name as a file to install.
_ARCHIVE = re.compile(r"\.(?:whl|zip|tar|tgz|tbz|txz|tlz|gz|bz2|xz|lz|lzma)$", re.IGNORECASE)


def _plain_requirements(path: Path, text: str, constraint: bool) -> list[Requirement] | None:
    """The requirement lines of a file of plain lines only, as pip reads them; else None."""
    if not text.isascii() or "\\" in text or "$" in text:
        return None  # continuations and ${VAR} expansions: the library's
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _COMMENT_LINE.fullmatch(line):
            continue
        match = _PLAIN_LINE.fullmatch(line)
        if match is None or _ARCHIVE.search(match["requirement"].rstrip()):
            return None
        try:
            parsed = parse_requirement(match["requirement"].strip())
        except ValueError:
            return None  # the library says why
        entries.append(Requirement(normalised(parsed.name), parsed, path, number, None, constraint))
    return entries


def normalised(name: str) -> str:
    """A distribution's name as PEP 503 compares it (packaging's canonicalize_name)."""
    return re.sub(r"[-_.]+", "-", name).lower()


# What packaging certainly reads as written, and the same way: a name, extras, and versions of
# release numbers with an optional aN/bN/rcN, .postN and .devN (`.*` after == and !=, two
# numbers or more after ~=). packaging.requirements imports its marker parser (with
# packaging.tags, logging and subprocess), a tenth of what check takes on a small app; a plain
# requirement needs only packaging.specifiers, and only when its versions are looked at.
_STRICT_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIXES = r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_STRICT_VERSION = (
    rf"(?:(?:==|!=)\s*{_RELEASE}(?:\.\*|{_SUFFIXES})"
    rf"|(?:<=|>=|<|>)\s*{_RELEASE}{_SUFFIXES}"
    rf"|~=\s*[0-9]+(?:\.[0-9]+)+{_SUFFIXES})"
)
_PLAIN_REQUIREMENT = re.compile(
    rf"(?P<name>{_STRICT_NAME})\s*(?:\[\s*(?P<extras>{_STRICT_NAME}(?:\s*,\s*{_STRICT_NAME})*)?\s*\])?"
    rf"\s*(?P<specifier>{_STRICT_VERSION}(?:\s*,\s*{_STRICT_VERSION})*)?",
    re.ASCII,
)


class PlainRequirement:
    """A requirement of a name, extras and versions: what packaging's Requirement says of it
    (the name and extras as written), its specifier made when it is first asked for."""

    marker = None
    url = None

    def __init__(self, name: str, extras: set[str], specifier: str):
        self.name = name
        self.extras = extras
        self._specifier = specifier

    @cached_property
    def specifier(self):
        from packaging.specifiers import SpecifierSet

        return SpecifierSet(self._specifier)

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras}{self.specifier}"


def parse_requirement(text: str):
    """`text` as packaging's Requirement reads it: a PlainRequirement when it is one, else
    packaging's own; a ValueError (packaging's InvalidRequirement) when it is not a requirement."""
    match = _PLAIN_REQUIREMENT.fullmatch(text.strip())
    if match:
        extras = re.split(r"\s*,\s*", match["extras"]) if match["extras"] else []
        return PlainRequirement(match["name"], set(extras), re.sub(r"\s+", "", match["specifier"] or ""))
    from packaging.requirements import Requirement

    return Requirement(text)


def _pip_parse(
    path: Path, *, constraint: bool, text: str | None = None
) -> tuple[list[Requirement], list[tuple[str, bool]], list[tuple[Path, int]]]:
    """`_parse` by pip-requirements-parser: every line pip reads."""
    from pip_requirements_parser import PipError, RequirementsFile

    try:
        parsed = RequirementsFile.from_file(str(path), include_nested=False) if text is None else _parse_text(text)
    except (PipError, UnicodeError, OSError) as error:
        reason = str(error).split("|n")[0].strip().rstrip(".")
        raise Refused(f"pip cannot read {path.name} ({reason}): fix the file.") from None
    if parsed.invalid_lines:
        bad = parsed.invalid_lines[0]
        where = bad.requirement_line
        reason = bad.error_message.splitlines()[0].strip().rstrip(".:")
        raise Refused(
            f"pip cannot read {path.name} line {where.line_number} ({where.line.strip()!r}: {reason}): fix that line."
        )
    entries, unnamed = [], []
    for found in parsed.requirements:
        line = found.requirement_line.line_number
        if found.req is None or not found.name:
            if not constraint:
                unnamed.append((path, line))
            continue
        link = str(found.link) if found.link else None
        entries.append(Requirement(normalised(found.name), found.req, path, line, link, constraint))
    includes = []
    for option in parsed.options:
        for key, is_constraint in (("requirements", False), ("constraints", True)):
            for include in option.options.get(key, []):
                if not re.match(r"[a-z][a-z0-9+.-]*://", include):
                    includes.append((include, constraint or is_constraint))
                elif not (constraint or is_constraint):  # fetched by pip, not read here: names unknown
                    unnamed.append((path, option.requirement_line.line_number))
    return entries, includes, unnamed


def _parse_text(text: str):
    """Text not yet written (a merge's result), read by the same code from a temporary file."""
    import tempfile

    from pip_requirements_parser import RequirementsFile

    with tempfile.TemporaryDirectory(prefix="dashgen-") as folder:
        path = Path(folder) / FILE
        path.write_text(text, encoding="utf-8")
        return RequirementsFile.from_file(str(path), include_nested=False)


def admits(specifier, minimum_version: str) -> bool:
    """Whether a pin admits some version >= `minimum_version` (so pip, which installs the newest
    it admits, installs one): tried on that version and on the versions the pin itself names,
    and the next ones after them."""
    from packaging.version import InvalidVersion, Version

    minimum = Version(minimum_version)
    candidates = {minimum}
    for spec in specifier:
        try:
            named = Version(spec.version.replace(".*", ""))
        except InvalidVersion:
            continue  # `===foo` names no version: only the candidates below can satisfy it, or none
        major, minor, micro = (*named.release, 0, 0)[:3]
        candidates |= {
            named,
            Version(f"{major}.{minor}.{micro + 1}"),
            Version(f"{major}.{minor + 1}.0"),
            Version(f"{major + 1}.0.0"),
        }
    return any(specifier.contains(version, prereleases=True) for version in candidates if version >= minimum)


def declared_dependencies(root: Path) -> list[str]:
    """The `[project] dependencies` of the project's pyproject.toml (PEP 621), as written: what
    a project without requirements.txt declares it needs."""
    from dashgen.reading import read_pyproject

    dependencies = read_pyproject(root, "dependencies", "its dependencies").get("project", {}).get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(item, str) for item in dependencies):
        return []
    return dependencies
