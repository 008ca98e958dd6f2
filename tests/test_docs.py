"""The docs: README.md is a short front page that starts with the two commands, and every relative
link or image in README.md and docs/*.md reaches a file (and, with a #anchor into a Markdown file,
one of its headings, slugged as GitHub slugs them). Pure Python, no network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
# The most lines README.md may have: a newcomer reads it in two minutes.
README_LINES = 200
FIRST_COMMANDS = "pip install . && dashgen new myapp --backend fastapi\nbash scripts/test"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target), the target optionally in <...> and followed by a "title".
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks, HTML comments removed."""
    text = re.sub(r"<!--.*?-->", lambda match: "\n" * match.group().count("\n"), text, flags=re.S)
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0] * len(opening.group(1))
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            fence = None
        elif fence is None:
            lines.append((number, line))
    return lines


def fenced_blocks(text: str) -> list[str]:
    """The contents of each fenced code block, in order."""
    blocks, current, fence = [], [], None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence, current = opening.group(1)[0] * len(opening.group(1)), []
        elif fence is not None and line.strip().startswith(fence) and not line.strip().strip(fence[0]):
            blocks.append("\n".join(current))
            fence = None
        elif fence is not None:
            current.append(line)
    return blocks


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: rendered text, lower case, punctuation but - and _
    dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page, with GitHub's -1, -2 for repeated ones."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose_lines(page.read_text(encoding="utf-8")):
        heading = _HEADING.match(line)
        if not heading:
            continue
        base = slug(heading.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link and image on a page, outside code."""
    found = []
    for number, line in prose_lines(page.read_text(encoding="utf-8")):
        line = _CODE_SPAN.sub("", line)
        targets = [match.group(1) for match in _INLINE.finditer(line)]
        reference = _REFERENCE.match(line)
        if reference:
            targets.append(reference.group(1))
        found.extend((number, target.strip("<>")) for target in targets)
    return found


def broken(page: Path, target: str) -> str | None:
    """Why a relative link does not reach its file or heading; None when it does, or is not relative."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
        return None  # a URL: not checked here (no network)
    path, _, anchor = target.partition("#")
    destination = (page.parent / path).resolve() if path else page
    if not destination.exists():
        return f"{path} does not exist"
    if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
        return f"{path or page.name} has no heading #{anchor}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=[page.relative_to(REPO).as_posix() for page in PAGES])
def test_every_relative_link_and_image_reaches_its_file_and_heading(page):
    problems = [
        f"{page.relative_to(REPO)}:{number}: ({target}) {reason}"
        for number, target in links(page)
        if (reason := broken(page, target))
    ]
    assert problems == []


def test_the_link_check_sees_a_missing_file_a_missing_heading_and_skips_code(tmp_path):
    (tmp_path / "other.md").write_text("# A `dashgen check` page\n\n## Turning rules off\n\n## Turning rules off\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-dashgen-check-page) [ok](other.md#turning-rules-off-1) ![gone](gone.png)\n"
        "[bad](other.md#nowhere) [web](https://example.com/x.md) `[code](nothing.md)`\n"
        "```md\n[in a block](nothing.md)\n# not a heading\n```\n"
    )
    found = {target: broken(page, target) for _, target in links(page)}
    assert found == {
        "other.md#a-dashgen-check-page": None,
        "other.md#turning-rules-off-1": None,
        "gone.png": "gone.png does not exist",
        "other.md#nowhere": "other.md has no heading #nowhere",
        "https://example.com/x.md": None,
    }


def test_readme_is_a_short_front_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


def test_readme_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert fenced_blocks(text)[0] == FIRST_COMMANDS
    # .ci/run runs the first README line that starts with `bash scripts/test`, exactly as written.
    assert next(line for line in text.splitlines() if line.startswith("bash scripts/test")) == "bash scripts/test"


def test_every_bench_table_has_its_markers_in_benchmarks_md():
    """Each bench script rewrites its section of docs/benchmarks.md; a missing marker would make
    it write nothing without a word."""
    benchmarks = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    sections = {
        name
        for script in (REPO / "bench").glob("*.py")
        for name in re.findall(r"""(?:publish|update_benchmarks)\(\s*["'](\w+)["']""", script.read_text())
    }
    assert sections >= {"apps", "app_size", "cli_speed", "footprint", "jobs", "live"}
    for name in sorted(sections):
        assert benchmarks.count(f"<!-- bench:{name} -->") == 1, name
        assert benchmarks.count(f"<!-- /bench:{name} -->") == 1, name
        assert f"bench:{name}" not in readme, name


def test_the_rules_catalogue_is_what_the_rules_say():
    from dashgen import report, rules

    written = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert written == report.catalogue_markdown(rules.all_rules()), "run: python scripts/checks_doc.py"


def test_every_rule_has_a_section_in_the_catalogue():
    from dashgen import rules

    sections = anchors(REPO / "docs" / "checks.md")
    assert {each.code for each in rules.all_rules()} <= sections
