"""Regenerate dashgen/template_history/ from git: every state of templates/ that a commit of this
repository made (deduplicated by content), and, for each state, the hash of what that commit's own
`dashgen new` wrote for a few sets of options.

    python scripts/template_history.py

`dashgen update` renders a project's base from these states; tests/test_update.py re-renders each
state with the current code and compares it with the hashes recorded here (made by the old code
itself, built from `git archive`), so the history stays true to what each commit generated.

Run it after every change to templates/ reaches main (a merge included): it is all the history
needs, and it takes under a minute. Before a version is released, the changes join it; once the
version is tagged (v0.2.0), a change to templates/ needs a new version first, and this script
and tests/test_history.py both refuse until __version__ says one.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dashgen import __version__  # noqa: E402
from dashgen.history import ARCHIVE, MANIFEST, project_hash  # noqa: E402
from dashgen.render import read_template, template_id  # noqa: E402

# The options each state is generated with (those a state's CLI does not know are skipped).
ANSWER_SETS = {
    "flask": ["--backend", "flask"],
    "flask-background": ["--backend", "flask", "--background-callbacks"],
    "flask-mount": ["--backend", "flask", "--mount", "/dash/"],
    "fastapi-static-site": ["--backend", "fastapi", "--static-site"],
    "fastapi-pages": ["--backend", "fastapi", "--pages"],
    "quart-async": ["--backend", "quart", "--async-callbacks"],
    "quart-websocket": ["--backend", "quart", "--websocket-callbacks"],
}


def git(*args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=REPO, check=True, capture_output=True).stdout


def commits() -> list[tuple[str, int, str]]:
    """Every commit that changed templates/, oldest first: (hash, time, subject)."""
    lines = git("log", "--format=%H %ct %s", "--", "templates").decode().splitlines()
    found = [(line.split(" ", 2)[0], int(line.split(" ", 2)[1]), line.split(" ", 2)[2]) for line in lines]
    return sorted(found, key=lambda commit: commit[1])


def tree_at(commit: str, where: Path) -> None:
    archive = git("archive", commit, "templates", "dashgen")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")


def version_at(tree: Path) -> str:
    match = re.search(r'__version__ = "([^"]+)"', (tree / "dashgen" / "__init__.py").read_text())
    assert match, tree
    return match.group(1)


def generated(tree: Path, options: list[str], scratch: Path) -> str | None:
    """The hash of what this tree's `dashgen new demo OPTIONS` writes, or None if it refuses them."""
    out = Path(tempfile.mkdtemp(dir=scratch))
    result = subprocess.run(
        [sys.executable, "-m", "dashgen", "new", "demo", *options, "-q"],
        cwd=out,
        env={**os.environ, "PYTHONPATH": str(tree)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    if result.returncode != 0:
        return None
    root = out / "demo"
    return project_hash(
        {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}
    )


def main() -> None:
    states: dict[str, dict] = {}
    files_of: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        found = [(sha, time, subject, None) for sha, time, subject in commits()]
        found.append(("", 0, "the working tree", REPO))
        for sha, time, subject, tree in found:
            if tree is None:
                tree = scratch / sha
                tree_at(sha, tree)
            files = read_template(tree / "templates")
            state_id = template_id(files)
            version = version_at(tree)
            if state_id in states:
                continue
            print(f"{state_id} {version} {sha[:10] or 'working tree'} {subject[:60]}", flush=True)
            renders = {name: generated(tree, options, scratch) for name, options in ANSWER_SETS.items()}
            states[state_id] = {
                "id": state_id,
                "version": version,
                "commit": sha,
                "time": time,
                "subject": subject,
                "renders": {name: digest for name, digest in renders.items() if digest},
            }
            files_of[state_id] = files
    # Every state is kept, even several under one version: a project made by any commit of main
    # records the state that made it, and update must find it. A released version (tag v<version>)
    # names exactly one state; tests/test_history.py holds templates/ to it.
    kept = list(states.values())
    releases = released_states(kept)
    current = states[template_id(read_template(REPO / "templates"))]
    assert current["version"] == __version__, f"templates/ is the state {current['version']} shipped: bump __version__"
    write(kept, files_of, releases)


def released_states(kept: list[dict]) -> dict[str, str]:
    """{version: the state id of templates/ at its tag v<version>}, for every tag that names one."""
    ids = {state["id"] for state in kept}
    releases: dict[str, str] = {}
    for tag in git("tag", "--list", "v[0-9]*").decode().split():
        with tempfile.TemporaryDirectory() as folder:
            tree_at(tag, Path(folder))
            state_id = template_id(read_template(Path(folder) / "templates"))
        assert state_id in ids, f"{tag}: its templates/ is not a state of main"
        releases[tag.removeprefix("v")] = state_id
    current = template_id(read_template(REPO / "templates"))
    released = releases.get(__version__)
    if released is not None and released != current:
        sys.exit(
            f"templates/ changed since v{__version__} was released, and __version__ is still {__version__}: "
            "bump it in dashgen/__init__.py, say what changes in CHANGELOG.md, then run this again."
        )
    return releases


def write(kept: list[dict], files_of: dict[str, dict[str, str]], releases: dict[str, str]) -> None:
    MANIFEST.parent.mkdir(exist_ok=True)
    manifest = {"answer_sets": ANSWER_SETS, "releases": releases, "states": kept}
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz", preset=9) as tar:
        for state in kept:
            for path, text in sorted(files_of[state["id"]].items()):
                data = text.encode("utf-8")
                info = tarfile.TarInfo(f"{state['id'].removeprefix('sha256:')}/{path}")
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
    ARCHIVE.write_bytes(buffer.getvalue())
    size = sum(len(text.encode()) for state in kept for text in files_of[state["id"]].values())
    print(f"{len(kept)} states, {size // 1024} KB of templates, {ARCHIVE.stat().st_size // 1024} KB archived")


if __name__ == "__main__":
    main()
