"""Every state templates/ has had on main, shipped in the package, so `dashgen update` can render
the template that made a project (its base) with the project's recorded answers.

template_history/states.json lists the states, oldest first; states.tar.xz holds their files
(`<hash>/<path inside templates/>`). scripts/template_history.py regenerates both from git.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any, NamedTuple

FOLDER = Path(__file__).parent / "template_history"
MANIFEST = FOLDER / "states.json"
ARCHIVE = FOLDER / "states.tar.xz"
UNVERSIONED = "0.1.0"  # what every commit before versions said


class State(NamedTuple):
    """One state of templates/ as a commit of dashgen made it, and what it rendered."""

    id: str  # "sha256:" and 16 hex digits of templates/ (render.template_id)
    version: str
    commit: str  # the first commit that had it ("" for a state not committed when shipped)
    time: int
    subject: str
    renders: dict[str, str]  # answer set -> hash of what that commit's `dashgen new` wrote

    @property
    def label(self) -> str:
        where = f"commit {self.commit[:10]}" if self.commit else "the release"
        return f"{self.id} ({self.version}, {where}: {self.subject})"


@functools.cache
def manifest() -> dict[str, Any]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def states() -> list[State]:
    return [State(**state) for state in manifest()["states"]]


@functools.cache
def _archive() -> dict[str, dict[str, str]]:
    files: dict[str, dict[str, str]] = {}
    with tarfile.open(ARCHIVE, mode="r:xz") as tar:
        for member in tar.getmembers():
            digest, _, path = member.name.partition("/")
            handle = tar.extractfile(member)
            assert handle is not None
            files.setdefault(f"sha256:{digest}", {})[path] = handle.read().decode("utf-8")
    return files


def releases() -> dict[str, str]:
    """{version: template state id} for every released version (a git tag v<version>)."""
    return dict(manifest().get("releases", {}))


def version_problem(current: str, version: str, known: list[State], released: dict[str, str]) -> str | None:
    """Why templates/ (state `current`) cannot ship as `version`, or None: every state must be in
    the history under the version that shipped it, and a released version names one state only."""
    by_id = {state.id: state for state in known}
    bump = "bump __version__ in dashgen/__init__.py, say what changes in CHANGELOG.md, run scripts/template_history.py"
    if version in released and released[version] != current:
        return f"templates/ changed since {version} was released, and the version did not: {bump}."
    if current not in by_id:
        return "templates/ changed since the history was recorded: run scripts/template_history.py."
    if by_id[current].version != version:
        return f"templates/ is the state {by_id[current].version} shipped, and the version says {version}: {bump}."
    return None


def state_files(state: State) -> dict[str, str]:
    return _archive()[state.id]


def render_state(state: State, data: dict[str, Any]) -> dict[str, str]:
    """What the dashgen of `state` wrote for these answers: {relative path: text}."""
    from dashgen.render import render_files

    template = None if state.version == UNVERSIONED else state.id
    return render_files(state_files(state), data, version=state.version, template=template)[1]


def project_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{len(files[path])}\0".encode() + files[path])
    return digest.hexdigest()
