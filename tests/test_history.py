"""The template states dashgen ships (dashgen/template_history/): the current templates/ is one of
them under the current version, and each renders byte for byte what its commit's `dashgen new` wrote.

The expected bytes are hashes recorded by scripts/template_history.py, which ran each commit's own
`dashgen new` (built from `git archive`): the witness is the old code itself, and the test needs no
git history, so it runs in an sdist as in a checkout.
"""

from pathlib import Path

import pytest

from dashgen import __version__, history
from dashgen.new import new_project
from dashgen.render import read_template, template_id, templates_root

REGENERATE = "bump __version__ in dashgen/__init__.py, update CHANGELOG.md, run scripts/template_history.py"


def test_a_change_to_templates_needs_a_new_version():
    current = template_id(read_template(templates_root()))
    by_id = {state.id: state for state in history.states()}
    assert current in by_id, f"templates/ changed since the history was recorded: {REGENERATE}"
    assert by_id[current].version == __version__, f"templates/ is the state of {by_id[current].version}: {REGENERATE}"
    released = [state for state in history.states() if state.version == __version__]
    assert released == [by_id[current]], f"{__version__} already names another template state: {REGENERATE}"


def test_versions_only_go_up():
    from packaging.version import Version

    versions = [Version(state.version) for state in history.states()]
    assert versions == sorted(versions)
    assert len(history.states()) >= 30  # every state since the first commit of templates/


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
