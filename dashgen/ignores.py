"""Which findings the user has decided to live with: --select and --ignore, `[tool.dashgen]
ignore = [...]` in pyproject.toml, and `# dashgen: ignore[CODE]` comments in the files."""

from __future__ import annotations

import re
from pathlib import Path

from dashgen.errors import InvalidInput, Refused
from dashgen.reading import read_pyproject, read_text
from dashgen.rules import Finding, get

_COMMENT = re.compile(r"#\s*dashgen:\s*ignore\[([^\]]*)\]")
# Files whose comments stand on a line of their own: a comment after a Procfile command would be
# passed to the shell, one after a requirement is pip's.
_LINE_ABOVE = re.compile(r"(^|/)(Procfile|[^/]*requirements[^/]*\.txt)$")


def codes(text: str | None, option: str) -> frozenset[str] | None:
    """`CODE[,CODE]` as typed after an option, every code known."""
    if text is None:
        return None
    found = frozenset(code.strip() for code in text.split(",") if code.strip())
    unknown = sorted(code for code in found if get(code) is None)
    if unknown:
        raise InvalidInput(
            f"{option} names {', '.join(unknown)}, which {'is not a rule' if len(unknown) == 1 else 'are not rules'}: "
            "`dashgen check --list-rules` lists them."
        )
    return found


def configured(root: Path) -> frozenset[str]:
    """`[tool.dashgen] ignore = [...]` in the project's pyproject.toml."""
    settings = read_pyproject(root, "dashgen", "[tool.dashgen]").get("tool", {}).get("dashgen", {})
    ignore = settings.get("ignore", []) if isinstance(settings, dict) else None
    if not isinstance(ignore, list) or not all(isinstance(code, str) for code in ignore):
        raise Refused('pyproject.toml: [tool.dashgen] ignore must be a list of codes, like ignore = ["setup-race"].')
    unknown = sorted(code for code in ignore if get(code) is None)
    if unknown:
        raise Refused(
            f"pyproject.toml: [tool.dashgen] ignore names {', '.join(unknown)}, which dashgen has no rule for: "
            "`dashgen check --list-rules` lists them."
        )
    return frozenset(ignore)


def split(
    findings: list[Finding], ignore: frozenset[str], root: Path
) -> tuple[list[Finding], list[Finding], list[Finding]]:
    """The findings that count, those ignored by code (--ignore, pyproject.toml), and those
    ignored by a comment in the file."""
    comments = _Comments(root)
    kept, by_code, by_comment = [], [], []
    for finding in findings:
        if finding.code in ignore:
            by_code.append(finding)
        elif finding.code in comments.ignored_at(finding.file, finding.line):
            by_comment.append(finding)
        else:
            kept.append(finding)
    return kept, by_code, by_comment


class _Comments:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._lines: dict[str, list[str]] = {}

    def ignored_at(self, file: str, line: int) -> set[str]:
        """The codes a `# dashgen: ignore[...]` comment turns off for a finding at file:line: on
        that line, on the line above it in a Procfile or requirements file, and on the first line
        for a finding about the whole file."""
        lines = self._read(file)
        above = bool(_LINE_ABOVE.search(file))
        wanted = 1 if line == 0 else line - 1 if above else line
        if not 1 <= wanted <= len(lines):
            return set()
        text = lines[wanted - 1]
        if above and not text.lstrip().startswith("#"):
            return set()
        return {code.strip() for match in _COMMENT.finditer(text) for code in match.group(1).split(",")}

    def _read(self, file: str) -> list[str]:
        if file not in self._lines:
            try:
                text = read_text(self._root / file) or ""
            except Refused:
                text = ""
            self._lines[file] = re.split(r"\r\n|\r|\n", text)
        return self._lines[file]
