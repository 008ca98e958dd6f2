"""dashgen update on projects that older commits of this repository generated.

An old project is made by the old dashgen itself, built from `git archive` of its commit, or,
where the checkout has no history (an sdist), rendered from the template history dashgen ships
(tests/test_history.py proves each shipped state renders byte for byte what its commit's
`dashgen new` wrote). The project gets the edits people make, and the current dashgen updates it:
every edit stays byte for byte, every template change that touches no edited line arrives,
overlapping ones are marked, and the project's own tests and Procfile work.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from helpers import boot, own_tests, procfile_command, request, run_dashgen, snapshot

REPO = Path(__file__).resolve().parent.parent
# Before the fixes of 0.2.0's changelog: the last commit before Quart apps finished Dash's set-up in
# before_serving (5ea2875); the last commit of one template per backend; the first `dashgen new`.
BEFORE_ASGI_FIX = "3f84f63"
PER_BACKEND = "2db6a96"
FIRST_NEW = "7a8c16c"

ROUTE = {
    "flask": '@server.route(f"{PREFIX}api/mine")\ndef api_mine():\n    return {"mine": True}\n',
    "quart": '@server.route(f"{PREFIX}api/mine")\nasync def api_mine():\n    return {"mine": True}\n',
    "fastapi": '@server.get(f"{PREFIX}api/mine")\nasync def api_mine():\n    return {"mine": True}\n',
}
CALLBACK = (
    '@callback(Output("summary", "title"), Input("city", "value"))\n'
    "def summary_title(city):\n"
    '    return f"Monthly means for {city}"\n'
)
README_PARAGRAPH = "Our team's notes: this dashboard feeds the Monday report.\n\n"
OWN_TEST = "import app\n\n\ndef test_our_callback_is_there():\n    assert app.summary_title('Oslo').endswith('Oslo')\n"


def has_history(commit: str) -> bool:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        return False
    found = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=REPO, capture_output=True)
    return found.returncode == 0


def old_dashgen(commit: str, where: Path) -> Path:
    """The dashgen of `commit`, as a folder to put on PYTHONPATH."""
    tree = where / f"dashgen-{commit}"
    if not tree.exists():
        archive = subprocess.run(["git", "archive", commit, "dashgen", "templates"], cwd=REPO, capture_output=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tree, filter="data")
    return tree


def generate_old(commit: str, where: Path, *options: str) -> Path:
    """`dashgen new demo OPTIONS` as the dashgen of `commit` ran it."""
    if not has_history(commit):
        return from_history(commit, where, *options)
    tree = old_dashgen(commit, where)
    env = {**os.environ, "PYTHONPATH": str(tree)}
    made = subprocess.run(
        [sys.executable, "-m", "dashgen", "new", "demo", *options, "-q"],
        cwd=where,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    return where / "demo"


def shipped_state(commit: str):
    from dashgen import history

    return next(state for state in history.states() if state.commit.startswith(commit))


def answers_of(*options: str) -> dict:
    """The answers `dashgen new demo OPTIONS` records."""
    from dashgen.new import new_project

    given, words = {}, iter(options)
    for word in words:
        key = word.removeprefix("--").replace("-", "_")
        given[key] = next(words) if key in ("backend", "mount") else True
    return new_project("demo", directory=Path("unused"), **given).answers()


def rendered(state, *options: str) -> dict[str, bytes]:
    from dashgen import history

    return {path: text.encode() for path, text in history.render_state(state, answers_of(*options)).items()}


def from_history(commit: str, where: Path, *options: str) -> Path:
    """The project the dashgen of `commit` made with these options, from the shipped history."""
    project = where / "demo"
    for path, data in rendered(shipped_state(commit), *options).items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_bytes(data)
    return project


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=u", "-c", "user.email=u@example.com", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def edit_like_a_user(project: Path, backend: str) -> list[tuple[str, bytes]]:
    """A callback and a route in app.py, a colour, a requirement, a README paragraph, a generated
    test deleted and one of their own: what each edited file must keep."""
    app = project / "app.py"
    text = app.read_text()
    assert "\n\napp.layout = " in text
    text = text.replace("\n\napp.layout = ", f"\n\n{ROUTE[backend]}\n\n{CALLBACK}\n\napp.layout = ", 1)
    app.write_text(text)
    css = project / "assets" / "style.css"
    if css.exists():
        # A line no state of the template has changed: the body's colours did (var(--text)).
        css.write_text(css.read_text().replace("max-width: 960px;", "max-width: 1200px;", 1))
    with (project / "requirements.txt").open("a") as handle:
        handle.write("humanize>=4.0\n")
    readme = project / "README.md"
    lines = readme.read_text().split("\n", 2)
    readme.write_text(f"{lines[0]}\n{lines[1]}\n{README_PARAGRAPH}{lines[2]}")
    (project / "tests" / "test_app.py").unlink()
    (project / "tests" / "test_ours.py").write_text(OWN_TEST)
    return [
        ("app.py", ROUTE[backend].encode()),
        ("app.py", CALLBACK.encode()),
        ("README.md", README_PARAGRAPH.encode()),
    ]


def update(project: Path, *args: str):
    return run_dashgen("update", *args, cwd=project)


def fresh(where: Path, *options: str) -> dict[str, bytes]:
    """What the installed dashgen makes with these options."""
    where.mkdir()
    made = run_dashgen("new", "demo", *options, "-q", cwd=where)
    assert made.returncode == 0, made.stderr
    return snapshot(where / "demo")


def project_tests_pass(project: Path) -> None:
    tests = own_tests(project)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def serves(project: Path) -> None:
    with boot(project, procfile_command(project)) as server:
        page = request(f"{server.base}/")
        assert page.status == 200 and "_dash-config" in page.text
        assert request(f"{server.base}/api/mine").json() == {"mine": True}
        # The page's scripts answer (a fresh Quart worker answered them 500 before 0.2.0's fix).
        for script in re.findall(r'<script src="([^"]+)"', page.text)[:3]:
            assert request(f"{server.base}{script}").status == 200, script


CASES = [
    (BEFORE_ASGI_FIX, "quart", ()),
    (BEFORE_ASGI_FIX, "fastapi", ("--async-callbacks",)),
    (PER_BACKEND, "flask", ()),
    (FIRST_NEW, "fastapi", ()),
]


@pytest.mark.server
@pytest.mark.parametrize(("commit", "backend", "options"), CASES, ids=[f"{c}-{b}" for c, b, _ in CASES])
def test_an_edited_old_project_updates_keeping_every_edit(tmp_path, commit, backend, options):
    project = generate_old(commit, tmp_path, "--backend", backend, *options)
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "generated")
    made = {path: data for path, data in snapshot(project).items() if not path.startswith(".git/")}
    kept = edit_like_a_user(project, backend)
    git(project, "commit", "-qam", "ours")
    edited = snapshot(project)

    dry = update(project, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "Dry run: nothing was written." in dry.stdout
    assert snapshot(project) == edited

    result = update(project)
    assert result.returncode == 0, result.stdout + result.stderr
    # The answers say 0.1.0 only: the base is the shipped state that renders this very project.
    assert "best match" in result.stdout
    assert rendered(named_base(result.stdout), "--backend", backend, *options) == made
    after = snapshot(project)
    template = fresh(tmp_path / "fresh", "--backend", backend, *options)
    # The dry run showed each change it would make as a diff, and the run made exactly those.
    changed = {path for path in after.keys() | edited.keys() if after.get(path) != edited.get(path)}
    assert ".copier-answers.yml" in changed
    for path in changed:
        assert f"+++ b/{path}\n" in dry.stdout, path
    # Files both sides changed are merged, and said to be.
    for path in ("app.py", "README.md", "requirements.txt"):
        if template[path] != made[path]:
            assert f"update  {path} (merged)" in result.stdout, path

    # Every edit, byte for byte.
    for path, lines in kept:
        assert lines in after[path], path
    assert b"humanize>=4.0\n" in after["requirements.txt"]
    assert after["tests/test_ours.py"] == OWN_TEST.encode()
    if "assets/style.css" in made:
        assert b"max-width: 1200px;" in after["assets/style.css"]
    # The deleted test stays deleted, and is said to be.
    assert "tests/test_app.py" not in after
    # Files nobody edited are the current template's, and the template's new files are there.
    untouched = {path for path in made if made[path] == edited.get(path)} - {".copier-answers.yml"}
    for path in untouched & template.keys():
        assert after[path] == template[path], path
    for path in template.keys() - made.keys():
        assert after[path] == template[path], path
    # Template changes that touch no edited line are in the edited files too.
    for path in ("app.py", "requirements.txt", "README.md"):
        assert _template_lines_present(after[path], template[path], edited[path]), path
    answers = after[".copier-answers.yml"].decode()
    assert "_dashgen_version: 0.2.0" in answers and "_dashgen_template: sha256:" in answers
    assert f"backend: {backend}" in answers

    again = update(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing to do" in again.stdout
    assert snapshot(project) == after

    project_tests_pass(project)
    serves(project)


def named_base(output: str):
    """The shipped state the first line of update's output names as the base."""
    from dashgen import history

    match = re.search(r"^Base: (sha256:[0-9a-f]{16}) ", output, re.M)
    assert match, output
    return next(state for state in history.states() if state.id == match.group(1))


def _template_lines_present(merged: bytes, template: bytes, edited: bytes) -> bool:
    """Each line the current template has and the edited file lacks arrived (the line-level
    evidence that the template's change was applied)."""
    wanted = set(template.decode().splitlines()) - set(edited.decode().splitlines())
    return wanted <= set(merged.decode().splitlines())


def test_the_same_update_without_a_git_repository(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with_git = generate_old(BEFORE_ASGI_FIX, tmp_path / "a", "--backend", "quart")
    without = generate_old(BEFORE_ASGI_FIX, tmp_path / "b", "--backend", "quart")
    git(with_git, "init", "-q")
    git(with_git, "add", "-A")
    git(with_git, "commit", "-qm", "generated")
    for project in (with_git, without):
        edit_like_a_user(project, "quart")
        result = update(project)
        assert result.returncode == 0, result.stdout + result.stderr
    ours = {path: data for path, data in snapshot(with_git).items() if not path.startswith(".git/")}
    assert ours == snapshot(without)
    assert b"before_serving" in ours["app.py"]


def test_overlapping_edits_are_marked_listed_refused_until_resolved(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path, "--backend", "quart")
    app = project / "app.py"
    # Where the template now writes its worker start-up: the user's lines and the template's overlap.
    ours = '@server.route(f"{PREFIX}api/mine")\nasync def api_mine():\n    return {"mine": True}\n\n\n'
    app.write_text(app.read_text().replace('if __name__ == "__main__":', ours + 'if __name__ == "__main__":'))
    before = app.read_text()

    dry = update(project, "--dry-run")
    assert dry.returncode == 1 and app.read_text() == before
    assert "+++ b/app.py" in dry.stdout and "<<<<<<< yours" in dry.stdout
    assert "app.py:" in dry.stderr and "update would mark it inline and exit 1" in dry.stderr
    result = update(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "conflicted  app.py (1 conflict marked)" in result.stdout
    assert "app.py:" in result.stderr and "run dashgen update again" in result.stderr
    marked = app.read_text()
    assert "<<<<<<< yours\n" in marked and "=======\n" in marked and ">>>>>>> template\n" in marked
    assert ours.strip() in marked and "before_serving" in marked
    assert "_dashgen_version: 0.2.0" in (project / ".copier-answers.yml").read_text()

    state = snapshot(project)
    assert not [path for path in state if path.endswith((".rej", ".orig", ".BASE", ".LOCAL", ".REMOTE"))]
    refused = update(project)
    assert refused.returncode == 1 and "Conflict markers" in refused.stderr and "app.py:" in refused.stderr
    assert snapshot(project) == state

    resolved = "".join(
        line for line in marked.splitlines(keepends=True) if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    )
    app.write_text(resolved)
    done = update(project)
    assert done.returncode == 0 and "Nothing to do" in done.stdout, done.stdout + done.stderr
    assert app.read_text() == resolved


def test_data_changes_an_answer_and_the_project_gains_its_files(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path, "--backend", "fastapi")
    result = update(project, "--data", "pages=true")
    assert result.returncode == 0, result.stdout + result.stderr
    # Unedited, it is now what `dashgen new --pages` makes: the pages, their tests, the app using them.
    assert snapshot(project) == fresh(tmp_path / "fresh", "--backend", "fastapi", "--pages")
    assert (project / "pages" / "home.py").is_file()
    assert "pages: true" in (project / ".copier-answers.yml").read_text()
    assert update(project).stdout.count("Nothing to do") == 1
    project_tests_pass(project)


def test_a_file_the_template_adds_where_you_have_one_keeps_yours_inside_markers(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path, "--backend", "fastapi")
    ours = "# our own home page, written before --pages\nLAYOUT = 'ours'\n"
    (project / "pages").mkdir()
    (project / "pages" / "home.py").write_text(ours)
    result = update(project, "--data", "pages=true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pages/home.py:" in result.stderr
    marked = (project / "pages" / "home.py").read_text()
    assert marked.startswith("<<<<<<< yours\n" + ours) and "register_page" in marked


def test_a_deleted_file_stays_deleted_and_restore_brings_it_back(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path, "--backend", "quart")
    (project / "app.py").unlink()  # which the template has changed since (before_serving)
    result = update(project)
    assert result.returncode == 0, result.stderr
    assert not (project / "app.py").exists()
    assert "app.py: you deleted it" in result.stdout and "--restore app.py" in result.stdout
    restored = update(project, "--restore", "app.py")
    assert restored.returncode == 0, restored.stderr
    assert "before_serving" in (project / "app.py").read_text()


def refused(project: Path, status: int, *args: str) -> str:
    """update refuses with `status`, one sentence on stderr, and no byte of the project changes."""
    before = snapshot(project)
    result = update(project, *args)
    assert result.returncode == status, (args, result.stdout, result.stderr)
    message = " ".join(result.stderr.split())
    assert message.startswith("error: ") and message.endswith(".") and "Traceback" not in message, message
    assert snapshot(project) == before, args
    return message


def test_bad_input_exits_2_and_changes_nothing(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path, "--backend", "quart")
    edit_like_a_user(project, "quart")  # an update would change it: a refusal must not
    assert "not key=value" in refused(project, 2, "--data", "pages")
    assert "no question 'colour'" in refused(project, 2, "--data", "colour=red")
    assert "no shipped template state" in refused(project, 2, "--from", "nothing-like-it")
    assert "give a commit or a template id" in refused(project, 2, "--from", "0.1.0")
    assert "does not make notes.txt" in refused(project, 2, "--restore", "notes.txt")
    assert update(project, "--dry-run").returncode == 0


def test_state_on_disk_that_cannot_be_updated_exits_1_and_changes_nothing(tmp_path):
    not_ours = tmp_path / "not-ours"
    not_ours.mkdir()
    (not_ours / "app.py").write_text("import dash\n")
    assert ".copier-answers.yml" in refused(not_ours, 1)
    (not_ours / ".copier-answers.yml").write_text("_src_path: gh:someone/else\n")
    assert "not one dashgen wrote" in refused(not_ours, 1)
    (not_ours / ".copier-answers.yml").write_text("backend: [flask\n")
    assert "not valid YAML" in refused(not_ours, 1)

    (tmp_path / "made").mkdir()
    project = tmp_path / "made" / "demo"
    assert run_dashgen("new", "demo", "--backend", "flask", "-q", cwd=tmp_path / "made").returncode == 0
    assert update(project).stdout.count("Nothing to do") == 1
    answers = project / ".copier-answers.yml"
    recorded = answers.read_text()
    answers.write_text(recorded.replace("_dashgen_template: sha256:", "_dashgen_template: sha256:0000"))
    assert "does not know" in refused(project, 1)
    answers.write_text(recorded.replace("_dashgen_version: 0.2.0", "_dashgen_version: 9.0.0"))
    assert "does not go back" in refused(project, 1)


def test_an_unedited_project_of_every_shipped_state_updates_to_the_fresh_template(tmp_path):
    """Projects made by any commit since templates/ began: rendered from the shipped state itself
    (test_history proves each state renders what its commit's dashgen new wrote)."""
    from dashgen import history
    from dashgen.new import new_project

    answers = new_project("demo", backend="quart", directory=tmp_path).answers()
    template = fresh(tmp_path / "fresh", "--backend", "quart")
    for state in history.states():
        project = tmp_path / state.id[7:]
        for path, text in history.render_state(state, answers).items():
            (project / path).parent.mkdir(parents=True, exist_ok=True)
            (project / path).write_text(text)
        result = update(project)
        assert result.returncode == 0, (state.label, result.stdout, result.stderr)
        got = snapshot(project)
        assert {path for path in template if got.get(path) != template[path]} == set(), state.label


# --- The base of a project made before versions ------------------------------------------------


@pytest.mark.parametrize("commit", [FIRST_NEW, PER_BACKEND, BEFORE_ASGI_FIX, "818122b"])
def test_a_project_of_0_1_0_finds_the_state_that_made_it_and_from_overrides(tmp_path, commit):
    project = generate_old(commit, tmp_path, "--backend", "fastapi")
    made = snapshot(project)
    assert "_dashgen_template" not in made[".copier-answers.yml"].decode()
    edit_like_a_user(project, "fastapi")  # edits do not lead it astray
    found = update(project, "--dry-run")
    assert found.returncode == 0, found.stdout + found.stderr
    assert "the shipped state closest to the project (best match; --from overrides)" in found.stdout
    assert rendered(named_base(found.stdout), "--backend", "fastapi") == made

    other = BEFORE_ASGI_FIX if commit == FIRST_NEW else FIRST_NEW
    chosen = update(project, "--dry-run", "--from", other)
    assert named_base(chosen.stdout) == shipped_state(other)
    assert f"commit {shipped_state(other).commit[:10]}" in chosen.stdout and "chosen with --from" in chosen.stdout


# --- Conflicts, listed by line -------------------------------------------------------------------


def test_each_listed_conflict_points_at_its_markers(tmp_path):
    project = generate_old(FIRST_NEW, tmp_path, "--backend", "fastapi")
    readme = project / "README.md"
    # Every line of the old README rewritten by the user: each template change overlaps.
    readme.write_text("".join(f"ours: {line}\n" if line else "\n" for line in readme.read_text().splitlines()))
    result = update(project)
    assert result.returncode == 1, result.stdout + result.stderr
    spans = re.findall(r"README\.md:(\d+)-(\d+)", result.stderr)
    assert spans, result.stderr
    lines = readme.read_text().splitlines()
    for start, end in spans:
        assert lines[int(start) - 1] == "<<<<<<< yours" and lines[int(end) - 1] == ">>>>>>> template"
    assert sum(line == "<<<<<<< yours" for line in lines) == len(spans)


# --- Every write all or nothing, under the project's lock ---------------------------------------


def updated_copy(project: Path, where: Path) -> dict[str, bytes]:
    """What an uninterrupted update makes of `project`, on a copy of it."""
    copy = where / "demo"
    shutil.copytree(project, copy)
    assert update(copy).returncode == 0
    return snapshot(copy)


def start_update(project: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashgen", "update", "-q"],
        cwd=project,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_update_waits_for_the_projects_lock(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path / "a", "--backend", "quart")
    edit_like_a_user(project, "quart")
    edited = snapshot(project)
    expected = updated_copy(project, tmp_path / "b")
    lock = os.open(project, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another dashgen writing here
        waiting = start_update(project)
        time.sleep(3)
        assert waiting.poll() is None and snapshot(project) == edited
    finally:
        os.close(lock)
    assert waiting.wait(timeout=120) == 0, waiting.stderr.read()
    assert snapshot(project) == expected


def _when_renaming(project: Path) -> None:
    """Wait until the update has staged its texts and is renaming them into place."""
    deadline = time.monotonic() + 60
    while not list(project.glob(".dashgen-stage-*/journal.json")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)


def test_an_interrupted_update_lands_whole_or_not_at_all(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path / "a", "--backend", "quart")
    edit_like_a_user(project, "quart")
    edited = snapshot(project)
    expected = updated_copy(project, tmp_path / "b")
    running = start_update(project, DASHGEN_TEST_PAUSE_BETWEEN_RENAMES="0.2")
    _when_renaming(project)
    running.send_signal(signal.SIGTERM)  # held while the files are renamed: it lands after
    assert running.wait(timeout=60) in (-signal.SIGTERM, 128 + signal.SIGTERM)
    # Sent between two renames, it waited for the last: the update landed whole, nothing staged left.
    assert snapshot(project) == expected != edited
    assert not list(project.glob(".dashgen-stage-*"))


def test_a_killed_update_is_rolled_back_by_the_next_run(tmp_path):
    project = generate_old(BEFORE_ASGI_FIX, tmp_path / "a", "--backend", "quart")
    edit_like_a_user(project, "quart")
    expected = updated_copy(project, tmp_path / "b")
    running = start_update(project, DASHGEN_TEST_PAUSE_BETWEEN_RENAMES="0.2")
    _when_renaming(project)
    running.kill()
    running.wait(timeout=60)
    assert list(project.glob(".dashgen-stage-*/journal.json")), "killed after the renames: widen the window"
    # The next run puts back what the killed one replaced, then updates as if nothing happened.
    again = update(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert snapshot(project) == expected
