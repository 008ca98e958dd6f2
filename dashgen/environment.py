"""The environment variables the project's own files set for the web process, read (never
sourced): assignments on the Procfile's `web:` line, the Dockerfile's ENV, app.json's `env`, .env,
and the `environment:` of compose files. Where each was set is data (file and line), so a finding
can point at it; a value that bash or compose expands (`${X:-true}`) is kept as written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

from dashgen.errors import Refused
from dashgen.procfile import _simple_commands, logical_lines
from dashgen.reading import read_text

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(rf"({_NAME})=(.*)", re.S)


class Setting(NamedTuple):
    """An environment variable one of the project's files sets for the web process."""

    name: str
    value: str  # as written, quotes removed; `${...}` left as it is
    file: str  # from the project's root
    line: int

    @property
    def expanded(self) -> bool:
        """Whether the value is computed where it runs (a `$` reference): it may be anything."""
        return "$" in self.value


def settings(root: Path, procfile_text: str | None, web_line: int) -> list[Setting]:
    """Every variable the project's files set, the Procfile's first, in the order read."""
    found = _procfile(procfile_text, web_line) + _dockerfile(root) + _app_json(root) + _dotenv(root)
    for name in COMPOSE_FILES:
        found += _compose(root, name)
    return found


def _procfile(text: str | None, line: int) -> list[Setting]:
    """`NAME=value gunicorn ...`, `env NAME=value ...`, `export NAME=value && ...` and gunicorn's
    `--env NAME=value` on the web line."""
    if not text or not line:
        return []
    command = re.split(r"\r\n|\n|\r", text.removeprefix("\ufeff"))[line - 1].partition(":")[2]
    try:
        commands = _simple_commands(command, "Procfile", line, ("assignment", "word"))
    except Refused:
        return []
    found = []
    for words in commands:
        texts = [word.text for word in words]
        program = next((index for index, text in enumerate(texts) if not _is_setting(text)), len(texts))
        assigned = [text for text in texts[:program] if _ASSIGNMENT.fullmatch(text)]
        if program < len(texts) and Path(texts[program]).name == "gunicorn":  # -e/--env: set in each worker
            options = zip(texts[program:], texts[program + 1 :], strict=False)
            assigned += [value for option, value in options if option in ("-e", "--env")]
            assigned += [text.removeprefix("--env=") for text in texts[program:] if text.startswith("--env=")]
        for text in assigned:
            match = _ASSIGNMENT.fullmatch(text)
            if match:
                found.append(Setting(match.group(1), match.group(2), "Procfile", line))
    return found


def _is_setting(text: str) -> bool:
    return bool(_ASSIGNMENT.fullmatch(text)) or Path(text).name in ("env", "export")


def _dockerfile(root: Path) -> list[Setting]:
    text = _text(root / "Dockerfile")
    found = []
    for number, line in logical_lines(text or ""):
        match = re.match(r"\s*ENV\s+(.+)$", line, re.IGNORECASE)
        if not match:
            continue
        rest = match.group(1).strip()
        legacy = None if re.match(rf"{_NAME}=", rest) else re.fullmatch(rf"({_NAME})\s+(.*)", rest)
        if legacy:  # ENV NAME value
            found.append(Setting(legacy.group(1), _unquoted(legacy.group(2).strip()), "Dockerfile", number))
            continue
        for pair in re.findall(rf"({_NAME})=(\"[^\"]*\"|'[^']*'|\S*)", rest):
            found.append(Setting(pair[0], _unquoted(pair[1]), "Dockerfile", number))
    return found


def _app_json(root: Path) -> list[Setting]:
    text = _text(root / "app.json")
    try:
        env = json.loads(text).get("env", {}) if text else {}
    except (ValueError, AttributeError):
        return []
    found = []
    for name, value in env.items() if isinstance(env, dict) else ():
        value = value.get("value", "") if isinstance(value, dict) else value
        if isinstance(value, (str, bool, int)):
            found.append(Setting(name, str(value).lower() if isinstance(value, bool) else str(value), "app.json",
                                 _line_naming(text, name)))  # fmt: skip
    return found


def _dotenv(root: Path) -> list[Setting]:
    found = []
    for number, line in enumerate((_text(root / ".env") or "").splitlines(), start=1):
        match = re.fullmatch(rf"\s*(?:export\s+)?({_NAME})\s*=\s*(.*?)\s*", line)
        if match and not line.lstrip().startswith("#"):
            found.append(Setting(match.group(1), _unquoted(match.group(2)), ".env", number))
    return found


def _compose(root: Path, name: str) -> list[Setting]:
    text = _text(root / name)
    if not text:
        return []
    import yaml  # imported here: most projects have no compose file (about 15 ms of check's start-up)

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    services = document.get("services") if isinstance(document, dict) else None
    found = []
    for service in services.values() if isinstance(services, dict) else ():
        environment = service.get("environment") if isinstance(service, dict) else None
        if isinstance(environment, list):
            pairs = [str(item).partition("=")[::2] for item in environment if "=" in str(item)]
        elif isinstance(environment, dict):
            pairs = [(str(key), "" if value is None else str(value)) for key, value in environment.items()]
            pairs = [(key, value.lower() if value in ("True", "False") else value) for key, value in pairs]
        else:
            continue
        found += [Setting(key, value, name, _line_naming(text, key)) for key, value in pairs]
    return found


def _text(path: Path) -> str | None:
    try:
        return read_text(path)
    except Refused:
        return None


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _line_naming(text: str, name: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(rf"(^|[^\w]){re.escape(name)}([^\w]|$)", line):
            return number
    return 0
