"""The template states dashgen ships (dashgen/template_history/): the current templates/ is one of
them under the current version, and each renders byte for byte what its commit's `dashgen new` wrote.

The expected bytes are hashes recorded by scripts/template_history.py, which ran each commit's own
`dashgen new` (built from `git archive`): the witness is the old code itself, and the test needs no
git history, so it runs in an sdist as in a checkout.
"""

import io
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from dashgen import __version__, history
from dashgen.new import new_project
from dashgen.render import read_template, template_id, templates_root


def current_state() -> str:
    return template_id(read_template(templates_root()))


def test_templates_is_the_recorded_state_of_this_version():
    assert history.version_problem(current_state(), __version__, history.states(), history.releases()) is None


def test_a_change_to_templates_fails_until_the_version_says_so(tmp_path):
    """What the test above says when someone edits templates/: an edited copy is a state the
    history does not know, and once the version was released, only a new version clears it."""
    shutil.copytree(templates_root(), tmp_path / "templates")
    readme = tmp_path / "templates" / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "One more line.\n")
    edited = template_id(read_template(tmp_path / "templates"))
    assert edited != current_state()
    states = history.states()
    assert "run scripts/template_history.py" in history.version_problem(edited, __version__, states, {})
    released = {__version__: current_state()}
    assert "the version did not" in history.version_problem(edited, __version__, states, released)
    # Recorded under a new version, it passes; the released one still names its own state.
    recorded = [*states, history.State(edited, "9.9.9", "", 0, "edited", {})]
    assert history.version_problem(edited, "9.9.9", recorded, released) is None
    assert "the version says 9.9.9" in history.version_problem(current_state(), "9.9.9", recorded, released)


def test_the_changelog_says_what_this_version_changes_in_generated_projects():
    changelog = (Path(__file__).resolve().parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", changelog, flags=re.M)
    ours = [section for section in sections if section.startswith(f"{__version__} ")]
    assert ours, f"CHANGELOG.md has no section ## {__version__}"
    assert "### Changed in generated projects" in ours[0]


def test_each_release_names_one_recorded_state():
    ids = {state.id: state for state in history.states()}
    for version, state_id in history.releases().items():
        assert ids[state_id].version == version


def test_every_state_templates_had_in_this_checkouts_history_is_shipped(tmp_path):
    """A merge that brought template commits from another branch needs the history regenerated
    too: a project made on any of those commits must find its base."""
    repo = Path(__file__).resolve().parent.parent
    if shutil.which("git") is None or not (repo / ".git").exists():
        pytest.skip("no git checkout here (an sdist): the shipped history is checked against git where there is one")
    log = subprocess.run(["git", "log", "--format=%H", "--", "templates"], cwd=repo, capture_output=True, text=True)
    shipped = {state.id for state in history.states()}
    missing = []
    for commit in log.stdout.split():
        archive = subprocess.run(["git", "archive", commit, "templates"], cwd=repo, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp_path / commit, filter="data")
        if template_id(read_template(tmp_path / commit / "templates")) not in shipped:
            missing.append(commit[:10])
    assert not missing, f"templates/ of {', '.join(missing)} is not shipped: run scripts/template_history.py"


def test_versions_only_go_up():
    """A state may come from a branch merged later (still saying 0.1.0), so states are not in
    version order; but no state is newer than this dashgen, and releases go up with time."""
    from packaging.version import Version

    states = history.states()
    assert all(Version(state.version) <= Version(__version__) for state in states)
    order = [state.id for state in states]
    released = sorted(history.releases().items(), key=lambda release: Version(release[0]))
    assert [order.index(state_id) for _, state_id in released] == sorted(order.index(i) for _, i in released)
    assert len(states) >= 30  # every state since the first commit of templates/


def answers(options: list[str]) -> dict:
    given, words = {}, iter(options)
    for word in words:
        key = word.removeprefix("--").replace("-", "_")
        given[key] = next(words) if key in ("backend", "mount") else True
    return new_project("demo", directory=Path("unused"), **given).answers()


STATES = history.states()


@pytest.mark.parametrize("state", STATES, ids=[state.id[7:15] + "-" + (state.commit[:7] or "now") for state in STATES])
def test_each_state_renders_what_its_commit_generated(state):
    sets = history.manifest()["answer_sets"]
    if not state.renders:
        pytest.skip(f"commit {state.commit[:10]} had no `dashgen new` to record (its templates came before the CLI)")
    for name, expected in state.renders.items():
        files = history.render_state(state, answers(sets[name]))
        assert history.project_hash({path: text.encode() for path, text in files.items()}) == expected, name
