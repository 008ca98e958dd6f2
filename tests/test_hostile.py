"""dashgen used as a hostile user would: interrupted at random moments, run twice at once,
pointed at links out of the project, read-only folders, a file as --directory, a removed
working folder, odd names and a closed stdout. Each case asserts the exit status, one sentence
without a traceback, and the tree's hashes: unchanged on a refusal, complete on success."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import generate, run_dashgen

from dashgen.backends import BACKENDS

DASHGEN = [sys.executable, "-m", "dashgen"]
ENV = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
# The trials' counts, printed at the end of the run for docs/reliability.md.
RANDOM = random.Random(int(os.environ.get("DASHGEN_HOSTILE_SEED", "11")))


def tree(root: Path) -> dict[str, str]:
    """Every entry under root: a file's hash and mode, a link's target, a folder."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in sorted(folders + files):
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
                found[key] = f"{digest} {stat.S_IMODE(path.stat().st_mode):o}"
    return found


def leftovers(root: Path) -> list[str]:
    return [name for name in tree(root) if Path(name).name.startswith(".dashgen-")]


def one_sentence(stream: str) -> str:
    """The refusal: one `error:` line, no traceback."""
    assert "Traceback" not in stream, stream
    lines = [line for line in stream.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stream
    return lines[0]


def refused(result: subprocess.CompletedProcess, status: int, *words: str) -> None:
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    sentence = one_sentence(result.stderr)
    for word in words:
        assert word in sentence, sentence


def start(*args: str, cwd: Path, extra_env: dict | None = None, signal_after: tuple[str, float] | None = None):
    """dashgen as a process, optionally under `timeout -s SIGNAL DELAY` (a real signal)."""
    command = [*DASHGEN, *args]
    if signal_after is not None:
        name, delay = signal_after
        command = ["timeout", "--preserve-status", "-s", name, f"{delay:.3f}", *command]
    return subprocess.Popen(
        command,
        cwd=cwd,
        env={**ENV, **(extra_env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def spoiled(project: Path) -> None:
    """Every file of a generated project changed a little: `new --force` replaces all of them,
    a plan of a dozen renames in existing folders."""
    for path in project.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes() + b"# changed by hand\n")


# --- All or nothing, when interrupted --------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """`new demo` of each backend, made once; each test works on its own copy."""
    return {backend: generate(tmp_path_factory.mktemp(backend), backend, "default") for backend in BACKENDS}


@pytest.fixture
def project_of(generated, tmp_path):
    def copy(backend: str) -> Path:
        return Path(shutil.copytree(generated[backend], tmp_path / "demo", symlinks=True))

    return copy


@pytest.fixture(scope="module")
def reference(generated) -> dict[str, str]:
    """The tree `new demo --backend fastapi` makes, to compare interrupted runs against."""
    return tree(generated["fastapi"])


SIGNALS = {"INT": 130, "TERM": 143}
PAUSE = {"DASHGEN_TEST_PAUSE_BETWEEN_RENAMES": "0.1"}


def seconds_to_run(project: Path, *args: str, extra_env: dict | None = None) -> float:
    """How long the command takes on a copy of `project` now: the signals' delays are drawn
    around it, so they land in every phase however busy the machine is."""
    scratch = project.parent / "calibration"
    shutil.copytree(project, scratch / project.name, symlinks=True)
    began = time.monotonic()
    result = finish(start(*args, cwd=scratch, extra_env=extra_env))
    assert result.returncode == 0, result.stderr
    shutil.rmtree(scratch)
    return time.monotonic() - began


def test_interrupted_replacement_lands_whole_or_not_at_all(tmp_path, reference, project_of):
    """Ctrl-C and SIGTERM at random moments of `new --force` over a changed project (12 files
    replaced): exit 0 or 130/143 without a traceback, and the tree is either as it was or as the
    template makes it, never a mix. The pause between renames widens the window; signals are held
    while renames run, so they land before or after, whole."""
    project = project_of("fastapi")
    spoiled(project)
    before = tree(project)
    command = ("new", "demo", "--backend", "fastapi", "--force")
    took = {False: seconds_to_run(project, *command), True: seconds_to_run(project, *command, extra_env=PAUSE)}
    outcomes = {"nothing written": 0, "everything written": 0}
    for trial in range(12):
        signal_name = "INT" if trial % 2 == 0 else "TERM"
        paused = trial % 3 == 0
        delay = RANDOM.uniform(0.3, 1.05) * took[paused]
        pause = PAUSE if paused else {}
        result = finish(
            start(
                "new", "demo", "--backend", "fastapi", "--force",
                cwd=tmp_path, extra_env=pause, signal_after=(signal_name, delay),
            )
        )  # fmt: skip
        assert result.returncode in (0, SIGNALS[signal_name]), (delay, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        now = tree(project)
        assert now in (before, reference), (delay, signal_name)
        assert not leftovers(project)
        if result.returncode:
            written = now == reference
            assert result.stderr.strip() == (
                "Interrupted: every file was written." if written else "Interrupted: nothing was written."
            )
        outcomes["everything written" if now == reference else "nothing written"] += 1
        if now == reference:
            spoiled(project)
            before = tree(project)
    print(f"\nreliability: SIGINT/SIGTERM during new --force, 12 trials: {outcomes}")
    assert sum(outcomes.values()) == 12


def test_killed_replacement_is_rolled_back_by_the_next_run(tmp_path, reference, project_of):
    """SIGKILL cannot be caught: at random moments, also between renames. The files may be
    half-replaced until the next dashgen run on the project, which rolls back what the killed run
    left (from its journal) and then does its own work: the tree is complete, nothing is left over."""
    project = project_of("fastapi")
    spoiled(project)
    command = ("new", "demo", "--backend", "fastapi", "--force")
    took = {False: seconds_to_run(project, *command), True: seconds_to_run(project, *command, extra_env=PAUSE)}
    counts = {"half-done left for the next run": 0, "nothing or everything": 0}
    for trial in range(10):
        spoiled(project)
        before = tree(project)
        paused = trial % 2 == 0
        pause = PAUSE if paused else {}
        delay = RANDOM.uniform(0.5, 1.05) * took[paused]
        killed = finish(
            start(
                "new", "demo", "--backend", "fastapi", "--force",
                cwd=tmp_path, extra_env=pause, signal_after=("KILL", delay),
            )
        )  # fmt: skip
        assert killed.returncode in (0, -9, 137), killed.stderr
        files = {name: value for name, value in tree(project).items() if not name.startswith(".dashgen-")}
        mixed = files not in (before, reference)
        counts["half-done left for the next run" if mixed else "nothing or everything"] += 1
        rerun = run_dashgen("add-route", "/api/after", cwd=project)  # another command cleans up too
        assert rerun.returncode == 0, rerun.stderr
        assert not leftovers(project)
        after_rollback = tree(project)
        assert {k: v for k, v in after_rollback.items() if k != "app.py"} in (
            {k: v for k, v in before.items() if k != "app.py"},
            {k: v for k, v in reference.items() if k != "app.py"},
        )
        assert "api/after" in (project / "app.py").read_text()
        complete = run_dashgen("new", "demo", "--backend", "fastapi", "--force", cwd=tmp_path)
        assert complete.returncode == 0, complete.stderr
        assert tree(project) == reference
    print(f"\nreliability: SIGKILL during new --force, 10 trials: {counts}")


def test_interrupted_or_killed_new_never_leaves_a_half_made_project(tmp_path, reference):
    """A new project is staged beside its destination and renamed in whole: interrupted or
    killed at any moment, `demo/` is absent or complete; the next run cleans the staging folder."""
    (tmp_path / "demo").mkdir()
    took = seconds_to_run(tmp_path / "demo", "new", "demo", "--backend", "fastapi")
    (tmp_path / "demo").rmdir()
    counts = {"absent": 0, "complete": 0}
    for trial in range(12):
        signal_name = ("INT", "TERM", "KILL")[trial % 3]
        delay = RANDOM.uniform(0.3, 1.05) * took
        result = finish(start("new", "demo", "--backend", "fastapi", cwd=tmp_path, signal_after=(signal_name, delay)))
        assert "Traceback" not in result.stderr, result.stderr
        project = tmp_path / "demo"
        if project.exists():
            assert tree(project) == reference
            counts["complete"] += 1
        else:
            counts["absent"] += 1
        if signal_name != "KILL":
            assert not leftovers(tmp_path)
        again = run_dashgen("new", "demo", "--backend", "fastapi", "--force", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert tree(project) == reference and not leftovers(tmp_path)
        shutil.rmtree(project)
    print(f"\nreliability: signals during new, 12 trials: {counts}")


# --- One writer at a time ----------------------------------------------------------------------


# A signal whose handler runs inside a weakref callback, as the clean-up of an import's module
# lock is: Python only prints the exception raised there ("Exception ignored in ...") and goes on.
SIGNAL_IN_A_CALLBACK = """
import os, signal, time, weakref
from dashgen.errors import Interrupted, stop_on_signals

stop_on_signals()


class Thing:
    pass


def clean_up(_):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.2)  # the handler runs here, inside the callback


try:
    thing = Thing()
    reference = weakref.ref(thing, clean_up)
    del thing
    time.sleep(5)
    print("went on")
except Interrupted as interruption:
    print("interrupted by", interruption.signum)
"""


def test_a_signal_during_a_weakref_callback_still_stops_the_command_quietly():
    result = subprocess.run([sys.executable, "-c", SIGNAL_IN_A_CALLBACK], capture_output=True, text=True, timeout=60)
    assert result.stdout == f"interrupted by {int(signal.SIGTERM)}\n"
    assert result.stderr == ""


def test_twenty_pairs_of_concurrent_add_routes_lose_no_route(tmp_path, project_of):
    """Two add-route runs with different paths at the same moment, 20 times: each exits 0 with
    its route in app.py, or 1 with a sentence. Then the app serves every route it was given."""
    project = project_of("flask")
    counts = {"both added": 0, "one refused": 0}
    added = []
    for trial in range(20):
        paths = [f"/api/a{trial}", f"/api/b{trial}"]
        results = [finish(process) for process in [start("add-route", path, cwd=project) for path in paths]]
        text = (project / "app.py").read_text()
        for path, result in zip(paths, results, strict=True):
            assert "Traceback" not in result.stderr, result.stderr
            if result.returncode == 0:
                assert f'f"{{PREFIX}}{path[1:]}"' in text, (path, text)
                added.append(path)
            else:
                refused(result, 1)
        counts["both added" if all(r.returncode == 0 for r in results) else "one refused"] += 1
    assert not leftovers(project)
    print(f"\nreliability: 20 pairs of concurrent add-route: {counts}")
    assert len(added) >= 20
    served = _serve(project, added)
    assert served == {path: 200 for path in added}


def _serve(project: Path, paths: list[str]) -> dict[str, int]:
    """Each path's status from the app's own Flask test client, in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "sys.path.insert(0, '.')\n"
        "from app import server\n"
        "client = server.test_client()\n"
        "print(json.dumps({p: client.get(p).status_code for p in sys.argv[1:]}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *paths], cwd=project, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


def test_two_concurrent_new_of_one_name_make_exactly_one_project(tmp_path, reference):
    counts = {"one made, one refused": 0}
    for trial in range(10):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        results = [
            finish(process) for process in [start("new", "demo", "--backend", "fastapi", cwd=folder) for _ in range(2)]
        ]
        statuses = sorted(result.returncode for result in results)
        assert statuses == [0, 1], [(r.returncode, r.stderr) for r in results]
        refused(next(r for r in results if r.returncode == 1), 1, "already exists")
        assert tree(folder / "demo") == reference
        assert sorted(os.listdir(folder)) == ["demo"]
        counts["one made, one refused"] += 1
    print(f"\nreliability: 10 pairs of concurrent new of one name: {counts}")


# --- Inside the project only ---------------------------------------------------------------------


def test_linked_assets_folder_out_of_the_project_is_replaced_only_as_a_link(tmp_path, project_of):
    project = project_of("flask")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "style.css").write_text("their css\n")
    shutil.rmtree(project / "assets")
    (project / "assets").symlink_to(outside)
    before_outside = tree(outside)
    result = run_dashgen("new", "demo", "--backend", "flask", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(outside) == before_outside
    assert not (project / "assets").is_symlink() and (project / "assets" / "style.css").is_file()


def test_linked_app_out_of_the_project_is_refused_naming_the_link(tmp_path, project_of):
    project = project_of("flask")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (project / "app.py").rename(outside / "app.py")
    (project / "app.py").symlink_to(outside / "app.py")
    before = tree(tmp_path)
    result = run_dashgen("add-route", "/api/more", cwd=project)
    refused(result, 1, "app.py is a link to", str(outside / "app.py"), "--force")
    assert tree(tmp_path) == before


def test_linked_requirements_out_of_the_project_need_force_which_replaces_the_link(tmp_path, project_of):
    project = project_of("flask")
    outside = tmp_path / "shared-requirements.txt"
    outside.write_text("dash>=4.2\nredis\n")
    (project / "requirements.txt").unlink()
    (project / "requirements.txt").symlink_to(outside)
    before = tree(tmp_path)
    result = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    refused(result, 1, "requirements.txt is a link to", str(outside))
    assert tree(tmp_path) == before
    forced = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert outside.read_text() == "dash>=4.2\nredis\n"
    assert not (project / "requirements.txt").is_symlink()
    assert "gunicorn" in (project / "requirements.txt").read_text()


def test_a_link_inside_the_project_is_written_through_and_kept(tmp_path, project_of):
    project = project_of("flask")
    (project / "src").mkdir()
    (project / "app.py").rename(project / "src" / "app.py")
    (project / "app.py").symlink_to("src/app.py")
    result = run_dashgen("add-route", "/api/inner", cwd=project)
    assert result.returncode == 0, result.stderr
    assert os.readlink(project / "app.py") == "src/app.py"
    assert "api/inner" in (project / "src" / "app.py").read_text()


# --- Disks that refuse ---------------------------------------------------------------------------


def _read_only(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """dashgen with `folder` mounted read-only in a private mount namespace (works as root too)."""
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$1" && shift && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(folder), *DASHGEN, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )


@pytest.fixture
def can_unshare(tmp_path):
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("this machine allows no user namespaces for a read-only mount")


@pytest.mark.parametrize(
    "args",
    [("add-route", "/api/ro"), ("deploy-files", "--target", "docker"), ("new", "inner", "--backend", "quart")],
)
def test_read_only_folder_is_one_sentence(tmp_path, can_unshare, args, project_of):
    project = project_of("quart")
    before = tree(tmp_path)
    result = _read_only(project, *args)
    refused(result, 1, "read-only")
    assert tree(tmp_path) == before


def test_a_folder_where_a_file_goes_refuses_every_file(tmp_path, project_of):
    project = project_of("fastapi")
    (project / "Dockerfile").mkdir()
    before = tree(tmp_path)
    result = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    refused(result, 1, "Dockerfile is a folder")
    assert tree(tmp_path) == before  # .dockerignore was not written either


def test_directory_that_is_a_file(tmp_path):
    (tmp_path / "notes").write_text("mine\n")
    before = tree(tmp_path)
    result = run_dashgen("new", "demo", "--directory", "notes", cwd=tmp_path)
    refused(result, 1, "notes is a file")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("args", [("new", "demo"), ("add-route", "/api/x"), ("check",)])
def test_removed_working_folder(tmp_path, args):
    gone = tmp_path / "gone"
    gone.mkdir()
    script = "import os, sys, runpy; os.rmdir(os.getcwd()); sys.argv = ['dashgen', *sys.argv[1:]]; "
    script += "runpy.run_module('dashgen', run_name='__main__')"
    result = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=gone, capture_output=True, text=True, timeout=60, env=ENV
    )
    refused(result, 1, "current folder no longer exists")
    assert list(tmp_path.iterdir()) == []


def test_name_longer_than_the_file_system_allows(tmp_path):
    result = run_dashgen("new", "a" * 300, cwd=tmp_path)
    refused(result, 2, "300 bytes", "255")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, suggestion", [("données", "donnees"), ("_private", "private"), ("ﬁle_app", "file_app")])
def test_project_name_pyproject_cannot_hold(tmp_path, name, suggestion):
    result = run_dashgen("new", name, cwd=tmp_path)
    refused(result, 2, "pyproject.toml", repr(suggestion))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mount", [".", "/dash/./x", "/a/../b", "..."])
def test_dot_segments_in_mount(tmp_path, mount):
    refused(run_dashgen("new", "demo", "--mount", mount, cwd=tmp_path), 2, "--mount")
    assert list(tmp_path.iterdir()) == []


# --- Modes and line endings ----------------------------------------------------------------------


def test_new_files_get_the_umask_mode_and_replaced_files_keep_theirs(tmp_path, project_of):
    project = project_of("flask")
    (project / "Procfile").write_text("web: python app.py\n")
    (project / "Procfile").chmod(0o640)
    result = run_dashgen("deploy-files", "--target", "docker", "--force", cwd=project)
    assert result.returncode == 0, result.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((project / "Dockerfile").stat().st_mode) == 0o666 & ~umask
    forced = run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert "gunicorn" in (project / "Procfile").read_text()
    assert stat.S_IMODE((project / "Procfile").stat().st_mode) == 0o640


@pytest.mark.parametrize("ending", [b"\r", b"\r\n"])
def test_line_endings_are_kept(tmp_path, ending, project_of):
    project = project_of("flask")
    app = project / "app.py"
    app.write_bytes(app.read_bytes().replace(b"\n", ending))
    result = run_dashgen("add-route", "/events", "--kind", "sse", cwd=project)
    assert result.returncode == 0, result.stderr
    written = app.read_bytes()
    assert b"/events" in written
    rest = written.replace(ending, b"")
    assert b"\n" not in rest and b"\r" not in rest


# --- Generated names -------------------------------------------------------------------------------


def test_sse_route_named_after_an_imported_module_shadows_nothing(tmp_path, project_of):
    """`/time --kind sse` on Flask needs `import time`: the function gets another name, and the
    stream answers from the app's own test client."""
    project = project_of("flask")
    result = run_dashgen("add-route", "/time", "--kind", "sse", cwd=project)
    assert result.returncode == 0, result.stderr
    text = (project / "app.py").read_text()
    assert "import time" in text and "def time(" not in text and "def time_2(" in text
    script = (
        "import sys\nsys.path.insert(0, '.')\nfrom app import server\n"
        "reply = server.test_client().get('/time')\n"
        "print(reply.status_code, reply.get_data(as_text=True).count('data: event'))\n"
    )
    served = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True, timeout=120)
    assert served.stdout.split() == ["200", "3"], served.stderr


@pytest.mark.parametrize(
    "backend, args, words",
    [
        ("fastapi", ("/ws/{websocket}", "--kind", "websocket"), ("'websocket'",)),
        ("flask", ("/events/{stream}", "--kind", "sse"), ("'stream'",)),
        ("flask", ("/time", "--kind", "sse", "--name", "time"), ("--name 'time'",)),
        ("flask", ("/api/x", "--name", "range"), ("--name 'range'",)),
        ("flask", ("/api/x", "--name", "ﬁle"), ("'file'",)),
        ("flask", ("/api/{ﬁle}",), ("'file'",)),
    ],
)
def test_names_that_would_hide_or_be_normalised_are_refused(tmp_path, backend, args, words, project_of):
    project = project_of(backend)
    before = tree(project)
    refused(run_dashgen("add-route", *args, cwd=project), 2, *words)
    assert tree(project) == before


# --- Output ----------------------------------------------------------------------------------------


def test_markup_emoji_codes_and_escapes_in_paths_are_printed_as_they_are(tmp_path):
    folder = "[bold]x[/bold] file:100: \x1b[31mred"
    result = run_dashgen("new", "demo", "--directory", folder, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "[bold]x[/bold] file:100: \\x1b[31mred/demo" in result.stdout
    assert "\x1b" not in result.stdout and "\U0001f4af" not in result.stdout
    project = tmp_path / folder / "demo"
    assert (project / "app.py").is_file()
    odd = project / "[red]mod:100:.py"
    (project / "app.py").rename(odd)
    added = run_dashgen("add-route", "/api/odd", "--app", odd.name, cwd=project)
    assert added.returncode == 0, added.stderr
    assert "[red]mod:100:.py" in added.stdout


def test_closed_stdout_neither_stops_nor_loses_the_write(tmp_path, reference):
    reader, writer = os.pipe()
    os.close(reader)  # every write to stdout fails with EPIPE
    try:
        result = subprocess.run(
            [*DASHGEN, "new", "demo", "--backend", "fastapi"],
            cwd=tmp_path,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=ENV,
        )
    finally:
        os.close(writer)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert tree(tmp_path / "demo") == reference


def test_output_into_head_keeps_the_write(tmp_path, project_of):
    project = project_of("flask")
    command = " ".join([sys.executable, "-m", "dashgen", "add-route", "/api/piped", "--dry-run", "|", "head", "-1;"])
    command += f" {sys.executable} -m dashgen add-route /api/piped | head -1; echo status=${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", command], cwd=project, capture_output=True, text=True, timeout=120, env=ENV)
    assert "Traceback" not in result.stderr and result.stderr == "", result.stderr
    assert result.stdout.splitlines()[-1] == "status=0"
    assert "api/piped" in (project / "app.py").read_text()


def test_app_outside_the_current_folder_names_the_project_it_edits(tmp_path, project_of):
    project = project_of("flask")
    here = tmp_path / "elsewhere"
    here.mkdir()
    result = run_dashgen("add-route", "/api/far", "--app", "../demo/app.py", cwd=here)
    assert result.returncode == 0, result.stderr
    assert "Found the Dash app in ../demo/app.py" in result.stdout
    assert "api/far" in (project / "app.py").read_text() and list(here.iterdir()) == []
