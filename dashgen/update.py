"""`dashgen update`: bring a project to the installed dashgen's template, keeping every edit.

Each file the template makes is merged three ways: the base is the file as the template that made
the project rendered it (a shipped state, see history.py, with the recorded answers), "yours" is
the file on disk, "theirs" is the current template with the same answers (and any --data). Files
the template does not make are never read or written.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashgen import ANSWERS_FILE, __version__, history
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import CONFLICTED, CREATE, IDENTICAL, UPDATE, FileChange, Plan, read_text

LABELS = ("yours", "base", "template")
_START, _END = "<<<<<<< yours", ">>>>>>> template"
_DATA = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.S)


@dataclass
class Update:
    """What `dashgen update` does to a project: the plan, the base it merged from, and its conflicts."""

    plan: Plan
    base: history.State
    how: str  # how the base was found: recorded, --from, or the best match
    target: str  # the current template's id
    conflicts: list[str] = field(default_factory=list)  # "app.py:12-20", one per conflict
    notes: list[str] = field(default_factory=list)


def parse_data(items: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in items:
        match = _DATA.fullmatch(item)
        if not match:
            raise InvalidInput(f"--data {item!r} is not key=value: write it like --data pages=true.")
        given[match.group(1)] = match.group(2)
    return given


def plan_update(root: Path, data: dict[str, str], *, base: str | None = None, restore: list[str] = ()) -> Update:
    """The plan that brings the project at `root` to the installed template."""
    from dashgen.render import load_config, read_template, render_template, template_id, templates_root

    recorded = _read_answers(root)
    answers = {key: value for key, value in recorded.items() if not key.startswith("_")}
    questions = {key for key in load_config(templates_root()) if not key.startswith("_")}
    unknown = sorted(set(data) - questions)
    if unknown:
        choices = ", ".join(sorted(questions))
        raise InvalidInput(f"The template has no question {unknown[0]!r}: --data takes one of {choices}.")
    _refuse_downgrade(str(recorded.get("_dashgen_version", history.UNVERSIONED)))
    state, how = _base_state(root, recorded, answers, base)
    old = history.render_state(state, answers)
    _, new = render_template({**answers, **data})
    target = template_id(read_template(templates_root()))
    _refuse_markers(root, sorted(old.keys() | new.keys()))
    update = Update(Plan(root), state, how, target)
    for path in restore:
        if path not in new:
            raise InvalidInput(f"--restore {path}: the template does not make {path}.")
    for path in sorted(old.keys() | new.keys()):
        change = _change(update, root, path, old.get(path), new.get(path), restore=path in restore)
        if change is not None:
            update.plan.changes.append(change)
    return update


def _read_answers(root: Path) -> dict[str, Any]:
    import yaml

    path = root / ANSWERS_FILE
    text = read_text(path)
    if text is None:
        raise Refused(
            f"{root} has no {ANSWERS_FILE}, so dashgen cannot tell which template made it: "
            "run update in the folder of a project dashgen new made."
        )
    try:
        recorded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise Refused(f"{ANSWERS_FILE}{where} is not valid YAML: fix it, then run update again.") from None
    if not isinstance(recorded, dict) or "backend" not in recorded:
        raise Refused(f"{ANSWERS_FILE} records no answers (no backend: line): it is not one dashgen wrote.")
    return recorded


def _refuse_downgrade(made_by: str) -> None:
    from packaging.version import InvalidVersion, Version

    try:
        newer = Version(made_by) > Version(__version__)
    except InvalidVersion:
        raise Refused(f"{ANSWERS_FILE} says _dashgen_version: {made_by}, which is not a version.") from None
    if newer:
        raise Refused(
            f"dashgen {made_by} made this project and this is dashgen {__version__}: update does not go back; "
            "install the newer dashgen (pip install -U dashgen-cli)."
        )


def _base_state(
    root: Path, recorded: dict[str, Any], answers: dict[str, Any], chosen: str | None
) -> tuple[history.State, str]:
    states = history.states()
    if chosen is not None:
        return _chosen_state(states, chosen), "chosen with --from"
    template = recorded.get("_dashgen_template")
    if template:
        for state in states:
            if state.id == template:
                return state, f"recorded in {ANSWERS_FILE}"
        raise Refused(
            f"{ANSWERS_FILE} names the template {template}, which this dashgen does not know (made by a dashgen "
            "that never reached a release?): name the closest with --from (a version or a commit)."
        )
    return _best_match(root, states, answers)


def _chosen_state(states: list[history.State], chosen: str) -> history.State:
    wanted = chosen.strip().removeprefix("sha256:")
    found = [
        state
        for state in states
        if (len(wanted) >= 4 and state.id.removeprefix("sha256:").startswith(wanted))
        or (len(wanted) >= 7 and state.commit.startswith(wanted))
        or state.version == wanted
    ]
    if len(found) == 1 or (found and all(state.version == wanted for state in found) and wanted != history.UNVERSIONED):
        return found[-1]
    if not found:
        raise InvalidInput(f"--from {chosen}: no shipped template state has that id, commit or version.")
    raise InvalidInput(
        f"--from {chosen} names {len(found)} template states (every commit before 0.2.0 said 0.1.0): "
        "give a commit or a template id instead."
    )


def _best_match(root: Path, states: list[history.State], answers: dict[str, Any]) -> tuple[history.State, str]:
    """The unversioned state whose rendering is closest to the project: the most lines in common,
    minus the lines it writes that the project does not have."""
    disk: dict[str, list[str] | None] = {}
    best: tuple[int, history.State] | None = None
    for state in states:
        if state.version != history.UNVERSIONED:
            continue
        try:
            rendered = history.render_state(state, answers)
        except InvalidInput:
            continue  # the answers are not ones this state could have been given
        score = 0
        for path, text in rendered.items():
            if path not in disk:
                on_disk = read_text(root / path) if (root / path).is_file() else None
                disk[path] = on_disk.splitlines() if on_disk is not None else None
            lines, mine = text.splitlines(), disk[path]
            common = _common_lines(lines, mine) if mine is not None else 0
            score += common - (len(lines) - common)
        if best is None or score >= best[0]:
            best = (score, state)
    if best is None:
        raise Refused(
            "No shipped template state renders these answers, so the base is not found: name one with --from."
        )
    return best[1], "the shipped state closest to the project (best match; --from overrides)"


def _common_lines(a: list[str], b: list[str]) -> int:
    if a == b:
        return len(a)
    return sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def _refuse_markers(root: Path, paths: list[str]) -> None:
    left = []
    for path in paths:
        text = read_text(root / path) if (root / path).is_file() else None
        for number, line in enumerate((text or "").splitlines(), 1):
            if line == _START or line.startswith(_END):
                left.append(f"{path}:{number}")
                break
    if left:
        raise Refused(
            f"Conflict markers from an earlier update remain ({', '.join(left)}): resolve them (keep the lines "
            "you want, delete the <<<<<<< ======= >>>>>>> lines), then run update again. Nothing was changed."
        )


def _change(
    update: Update, root: Path, path: str, base: str | None, theirs: str | None, *, restore: bool
) -> FileChange | None:
    target = root / path
    if target.is_dir() or (target.exists() and not target.is_file()):
        update.notes.append(f"{path} is not a regular file here: left as it is.")
        return None
    try:
        yours = read_text(target)
    except UnicodeDecodeError:
        update.notes.append(f"{path} is not UTF-8 text: left as it is.")
        return None
    if theirs is None:
        if yours is not None and base is not None:
            update.notes.append(f"{path}: the template no longer writes it; yours stays (delete it if unused).")
        return None
    if yours is None:
        if base is None or restore:
            return FileChange(path, CREATE, theirs)
        if base != theirs:
            update.notes.append(
                f"{path}: you deleted it and the template has changed it since; it stays deleted "
                f"(dashgen update --restore {path} writes the template's version)."
            )
        return None
    if yours == theirs:
        return FileChange(path, IDENTICAL, theirs, yours)
    if base is not None and yours == base:
        return FileChange(path, UPDATE, theirs, yours)
    if base == theirs:
        return FileChange(path, IDENTICAL, yours, yours, where=f"{path} (yours kept: the template did not change it)")
    merged, conflicts = merge(yours, base or "", theirs)
    if merged == yours:
        return FileChange(path, IDENTICAL, yours, yours)
    if not conflicts:
        return FileChange(path, UPDATE, merged, yours, where=f"{path} (merged)")
    spans = conflict_spans(merged)
    update.conflicts.extend(f"{path}:{start}-{end}" for start, end in spans)
    return FileChange(
        path, CONFLICTED, merged, yours, where=f"{path} ({len(spans)} conflict{'s' if len(spans) > 1 else ''} marked)"
    )


def merge(yours: str, base: str, theirs: str) -> tuple[str, int]:
    """A 3-way merge by `git merge-file` (the git program, no repository): the text and the number of
    conflicts, each marked inline between `<<<<<<< yours` and `>>>>>>> template`."""
    git = shutil.which("git")
    if git is None:
        raise Refused(
            "dashgen update merges files with git merge-file, and git is not installed: install git "
            "(the project needs no repository), then run update again. Nothing was changed."
        )
    with tempfile.TemporaryDirectory(prefix="dashgen-merge-") as folder:
        names = []
        for label, text in zip(LABELS, (yours, base, theirs), strict=True):
            name = os.path.join(folder, label)
            with open(name, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            names.append(name)
        labels = [word for label in LABELS for word in ("-L", label)]
        # Outside any repository, with the plain conflict style whatever the user's git config says.
        result = subprocess.run(
            [git, "-c", "merge.conflictStyle=merge", "merge-file", "-p", *labels, *names],
            cwd=folder,
            capture_output=True,
            timeout=60,
        )
    if result.returncode < 0 or result.returncode > 127:
        raise Refused(f"git merge-file failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout.decode("utf-8"), result.returncode


def conflict_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for number, line in enumerate(text.splitlines(), 1):
        if line == _START:
            start = number
        elif line.startswith(_END) and start:
            spans.append((start, number))
            start = 0
    return spans
