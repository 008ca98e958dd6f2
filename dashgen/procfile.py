"""The Procfile's `web:` command read as the platform runs it: through bash (bashlex parses it:
comments, quotes, `${VAR:-x}`, `cd dir && ...`, `exec`, variable assignments), then as the
server reads its own options (gunicorn, uvicorn, hypercorn, waitress, daphne, granian).

A `bash launch.sh` command is followed into the script when it runs a server itself."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import NamedTuple

from dashgen.errors import Refused
from dashgen.reading import module_file, read_text

WSGI_SERVERS = ("gunicorn", "waitress-serve")
ASGI_SERVERS = ("uvicorn", "hypercorn", "daphne", "granian")
SHELLS = ("bash", "sh", "dash", "zsh")
# Options that take no value, per server: every other option takes the next word (or `=value`).
_FLAGS = {
    "gunicorn": {
        "--preload", "--reload", "-R", "--daemon", "-D", "--capture-output", "--enable-stdio-inheritance",
        "--check-config", "--print-config", "--spew", "--no-sendfile", "--reuse-port", "--proxy-protocol",
        "--strip-header-spaces", "--suppress-ragged-eofs", "--do-handshake-on-connect", "--log-syslog",
        "--disable-redirect-access-to-syslog", "--paste-global", "--help", "-h", "--version", "-v",
    },
    "uvicorn": {
        "--reload", "--use-colors", "--no-use-colors", "--access-log", "--no-access-log", "--proxy-headers",
        "--no-proxy-headers", "--server-header", "--no-server-header", "--date-header", "--no-date-header",
        "--factory", "--help", "--version", "--reset-contextvars",
    },
    "hypercorn": {"--reload", "--debug", "--help", "--version", "--verbose", "--quic-bind-only"},
    "daphne": {"--proxy-headers", "-v", "--verbosity", "--no-server-name", "--help"},
    "granian": {"--reload", "--no-reload", "--factory", "--no-ws", "--ws", "--help", "--version", "--log", "--no-log"},
}  # fmt: skip
# waitress-serve takes every option as --name=value; its boolean options stand alone.
_ALL_OPTIONS_INLINE = ("waitress-serve",)
# A launch script is read up to this size; a bigger one is not a launch script.
_SCRIPT_LIMIT = 256 * 1024


class Word(NamedTuple):
    """One word of a command, as bash splits it."""

    text: str  # as bash passes it to the program: quotes removed, ${...} left as written
    start: int  # its span in the command as written
    end: int


class Option(NamedTuple):
    """One option of a server's command line."""

    name: str  # "--timeout", "-b"
    value: str | None  # None for a flag
    words: tuple[Word, ...]  # the words it spans ("-b", "0.0.0.0:80" or "--bind=0.0.0.0:80")


class WebCommand(NamedTuple):
    """The server command the platform runs for `web:`."""

    line: int  # the Procfile line of `web:`
    text: str  # the command as written after `web:` (or the launch script's line)
    server: str  # gunicorn, uvicorn, ..., "python" for `python app.py`, "" when it cannot be told
    words: tuple[Word, ...] = ()  # the server's own words (program first)
    options: tuple[Option, ...] = ()
    import_word: Word | None = None  # module:variable (or, for python, the script)
    chdir: str | None = None  # from `cd dir &&` or --chdir
    script: str | None = None  # `bash launch.sh`: the script it runs
    notes: tuple[str, ...] = ()

    @property
    def import_string(self) -> str | None:
        """`module:variable`, what the server loads (or, for python, the script)."""
        return self.import_word.text if self.import_word else None

    @property
    def module(self) -> str | None:
        if self.import_string is None or self.server == "python":
            return None
        return self.import_string.partition(":")[0]

    @property
    def variable(self) -> str | None:
        if self.import_string is None or self.server == "python":
            return None
        module, _, variable = self.import_string.partition(":")
        # gunicorn and uvicorn load `app` when the import string names only a module.
        return variable or ("application" if self.server == "gunicorn" else "app")

    def option(self, *names: str) -> Option | None:
        return next((option for option in self.options if option.name in names), None)

    @property
    def worker_class(self) -> str | None:
        option = self.option("-k", "--worker-class")
        return option.value if option else None

    @property
    def interface(self) -> str | None:
        option = self.option("--interface")
        return option.value if option else None

    @property
    def factory(self) -> bool:
        return self.option("--factory") is not None or "--call" in (option.name for option in self.options)

    @property
    def import_dirs(self) -> tuple[str, ...]:
        """Folders added to the import path, relative to where the server starts."""
        dirs = [self.chdir] if self.chdir else []
        for option in self.options:
            if option.name in ("--pythonpath", "--app-dir", "--root") and option.value:
                dirs += option.value.split(",")
        return tuple(dirs)

    def module_path(self, root: Path) -> Path | None:
        """The file of the module the server loads, from the folders it imports from."""
        if not self.module:
            return None
        return module_file(self.module, (root / folder for folder in (*self.import_dirs, ".")))

    @property
    def is_asgi(self) -> bool:
        if self.server in ASGI_SERVERS:
            return (self.interface or "auto") != "wsgi"
        worker = self.worker_class or ""
        return self.server == "gunicorn" and ("Uvicorn" in worker or "uvicorn" in worker.lower())

    @property
    def is_wsgi(self) -> bool:
        return self.server in WSGI_SERVERS and not self.is_asgi or self.interface == "wsgi"


class Procfile(NamedTuple):
    """The project's Procfile, its `web:` command read."""

    path: Path
    text: str
    web: WebCommand | None


def read_procfile(root: Path) -> Procfile | None:
    """The Procfile in `root`, or None when there is none."""
    path = root / "Procfile"
    text = read_text(path)
    if text is None:
        return None
    return Procfile(path, text, web_command(text, root))


def web_command(text: str, root: Path) -> WebCommand | None:
    """The `web:` process as the platform reads it: one `name: command` per line."""
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text.removeprefix("\ufeff")), start=1):
        match = re.match(r"\s*web\s*:(.*)$", line)
        if match:
            return _command(number, match.group(1).strip(), root, "Procfile")
    return None


def dockerfile_command(root: Path) -> WebCommand | None:
    """The command the Dockerfile's container runs (its last CMD, in exec or shell form): what the
    platform serves when a project deploys as an image and has no Procfile. None when there is
    none, or it is not a command that can be read."""
    try:
        text = read_text(root / "Dockerfile", _SCRIPT_LIMIT)
    except Refused:
        return None
    if text is None:
        return None
    found = None
    for number, line in logical_lines(text):
        match = re.match(r"\s*CMD\s+(.+)$", line, re.IGNORECASE)
        if match:
            found = number, match.group(1).strip()
    if found is None:
        return None
    number, command = found
    if command.startswith("["):
        try:
            words = json.loads(command)
        except ValueError:
            return None
        if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
            return None
        command = shlex.join(words)
    try:
        return _command(number, command, root, "Dockerfile")
    except Refused:
        return None


def _command(number: int, command: str, root: Path, where: str, *, depth: int = 0) -> WebCommand:
    if not command:
        return WebCommand(number, command, "")
    commands = _simple_commands(command, where, number)
    chdir = None
    for words in commands:
        words = _without_wrappers(words)
        if not words:
            continue
        program = Path(words[0].text).name
        if program == "cd" and len(words) > 1:
            chdir = words[1].text
            continue
        if program == "python" or re.fullmatch(r"python3(\.\d+)?", program):
            if len(words) > 2 and words[1].text == "-m":
                return _server_command(number, command, words[2:], chdir)
            script = next((word for word in words[1:] if not word.text.startswith("-")), None)
            return WebCommand(number, command, "python", tuple(words), (), script, chdir)
        if program in SHELLS or words[0].text.endswith(".sh"):
            script_word = (
                words[0]
                if words[0].text.endswith(".sh")
                else next((word for word in words[1:] if not word.text.startswith("-")), None)
            )
            if script_word is None:
                continue
            return _from_script(number, command, script_word.text, root, chdir, depth)
        if program in _FLAGS or program in _ALL_OPTIONS_INLINE:
            return _server_command(number, command, words, chdir)
    return WebCommand(number, command, "")


def _from_script(number: int, command: str, script: str, root: Path, chdir: str | None, depth: int) -> WebCommand:
    """The server command inside a launch script, when it has one."""
    path = root / (chdir or ".") / script
    unknown = WebCommand(number, command, "", chdir=chdir, script=script)
    if depth > 2:
        return unknown
    try:
        text = read_text(path, _SCRIPT_LIMIT)
    except Refused:
        return unknown
    if text is None:
        return unknown
    for line_number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            found = _command(line_number, stripped, root, script, depth=depth + 1)
        except Refused:
            continue
        if found.server in _FLAGS or found.server in _ALL_OPTIONS_INLINE or found.server == "python":
            return WebCommand(
                number, command, found.server, found.words, found.options, found.import_word,
                found.chdir or chdir, script, (f"read from {script}, line {line_number}: {stripped}",),
            )  # fmt: skip
    return unknown


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(number, line) of a script or Dockerfile, a backslash-continued line read as one and
    numbered by its first line."""
    found: list[tuple[int, str]] = []
    parts: list[str] = []
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text.removeprefix("\ufeff")), start=1):
        parts.append(line.removesuffix("\\"))
        if not line.endswith("\\"):
            found.append((number - len(parts) + 1, " ".join(parts)))
            parts = []
    if parts:
        found.append((number - len(parts) + 1, " ".join(parts)))
    return found


def _server_command(number: int, command: str, words: list[Word], chdir: str | None) -> WebCommand:
    server = Path(words[0].text).name
    inline_only = server in _ALL_OPTIONS_INLINE
    flags = _FLAGS.get(server, set())
    options: list[Option] = []
    import_word: Word | None = None
    index = 1
    while index < len(words):
        word = words[index]
        text = word.text
        if text.startswith("-") and len(text) > 1:
            name, equals, value = text.partition("=")
            if equals or inline_only or name in flags:
                options.append(Option(name, value if equals else None, (word,)))
            elif re.fullmatch(r"-[A-Za-z]\S+", text) and not text.startswith("--"):
                options.append(Option(text[:2], text[2:], (word,)))  # -b0.0.0.0:80, -w4
            elif index + 1 < len(words):
                options.append(Option(name, words[index + 1].text, (word, words[index + 1])))
                index += 1
            else:
                options.append(Option(name, None, (word,)))
        elif import_word is None:
            import_word = word
        index += 1
    chdir_option = next((option.value for option in options if option.name == "--chdir"), None)
    return WebCommand(number, command, server, tuple(words), tuple(options), import_word, chdir_option or chdir)


def _without_wrappers(words: list[Word]) -> list[Word]:
    """The words after `exec`, `env A=B`, `nohup`, `newrelic-admin run-program` and the like."""
    wrappers = {"exec", "env", "nohup", "time", "command", "ddtrace-run", "opentelemetry-instrument"}
    while words:
        program = Path(words[0].text).name
        if program in wrappers or "=" in words[0].text and not words[0].text.startswith("-"):
            words = words[1:]
        elif program == "newrelic-admin" and len(words) > 1 and words[1].text == "run-program":
            words = words[2:]
        else:
            break
    return words


def _simple_commands(command: str, where: str, number: int, kinds=("word",)) -> list[list[Word]]:
    """Every simple command in the line, in order, as bash splits it into words (and, with
    kinds=("assignment", "word"), the `NAME=value` before its program)."""
    plain = _plain_commands(command, kinds)
    return plain if plain is not None else _bash_commands(command, where, number, kinds)


def _bash_commands(command: str, where: str, number: int, kinds=("word",)) -> list[list[Word]]:
    """The simple commands as bashlex reads them: any line bash can run."""
    # bashlex builds its parser tables at import (about 80 ms): only the lines that need it.
    import bashlex

    try:
        parts = bashlex.parse(command)
    except Exception as error:  # bashlex raises its own and plain Python errors alike on bad input
        message = str(error).split(" (position")[0]
        raise Refused(
            f"{where} line {number} is not a command bash can run ({message}): fix the quoting of `{command}`."
        ) from None
    commands: list[list[Word]] = []
    stack = list(reversed(parts))
    while stack:
        node = stack.pop()
        if node.kind == "command":
            commands.append([Word(part.word, *part.pos) for part in node.parts if part.kind in kinds])
            continue
        children = list(getattr(node, "parts", None) or getattr(node, "list", None) or [])
        stack.extend(reversed(children))
    return commands


# What bashlex reads in the common lines, read without it; every other line goes to bashlex
# (tests/test_procfile.py compares the two on many shapes). `$NAME` and `${NAME:-default}` are
# left as written, quotes removed; the first words of the form NAME=value are assignments, not words.
_PARAMETER = r"\$(?:[A-Za-z_]\w*|\{[A-Za-z_]\w*(?::?[-=+?][\w./:,@%+-]*)?\})"
# Printable ASCII but quotes, `$`, `\` and `` ` ``: bashlex drops a quote of the other kind
# inside quotes, and reads `$(` inside single quotes, unlike bash; those lines go to bashlex.
_QUOTED = r"[ !#%&(-\[\]-_a-~]"
_PIECE = re.compile(
    rf"(?P<bare>(?:[\w./:=,@%+-]|{_PARAMETER})+)|'(?P<single>{_QUOTED}*)'|\"(?P<double>(?:{_QUOTED}|{_PARAMETER})*)\"",
    re.ASCII,
)
_BLANK = re.compile(r"[ \t]*")
_SEPARATOR = re.compile(r"&&|\|\||[;|]")
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*\+?=", re.ASCII)
_RESERVED = {
    "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "select",
    "then", "time", "until", "while",
}  # fmt: skip


def _plain_commands(command: str, kinds=("word",)) -> list[list[Word]] | None:
    """The simple commands of a line of plain words, quotes and parameters joined by `&&`,
    `||`, `;` or `|`, and a comment, as bashlex reads them (its parts of those kinds); None for
    any other line."""
    commands: list[list[Word]] = []
    words: list[Word] = []
    empty = True  # no word nor assignment yet in this command
    position = _BLANK.match(command).end()
    while position < len(command):
        separator = _SEPARATOR.match(command, position)
        if separator:
            if empty:
                return None
            commands.append(words)
            words, empty = [], True
            position = _BLANK.match(command, separator.end()).end()
            continue
        if command[position] == "#":
            if "\n" in command[position:]:
                return None
            break  # a comment, to the end of the line
        start, texts = position, []
        while piece := _PIECE.match(command, position):
            texts.append(next(text for text in piece.groups() if text is not None))
            position = piece.end()
        if position == start or position < len(command) and command[position] not in " \t;&|":
            return None
        written = command[start:position]
        if written in _RESERVED:
            return None
        # NAME=value before the program is an assignment bash makes, not a word.
        if words or not _ASSIGNMENT.match(written) or "assignment" in kinds:
            words.append(Word("".join(texts), start, position))
        empty = False
        position = _BLANK.match(command, position).end()
    if empty:
        return None
    commands.append(words)
    return commands


def production_command(source) -> str:
    """The `web:` command dashgen writes for the app (an AppSource): its backend's production
    server on the served module's server variable, from the folder that module imports from."""
    backend = source.serving
    if source.factory and source.entry.path == source.path:
        command = backend.command(f"{source.module}:{source.factory}", factory=True)
    else:
        command = backend.command(f"{source.module}:{source.server_name or 'server'}")
    app_dir = source.entry.app_dir
    if app_dir:
        folder = app_dir if re.fullmatch(r"[\w./-]+", app_dir) else f"'{app_dir}'"
        command = command.replace(
            f"{backend.server_name} ", f"{backend.server_name} {backend.app_dir_option} {folder} ", 1
        )
    return command
