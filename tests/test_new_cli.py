"""`dashgen new` as typed: options, refusals, exit statuses, and what is (not) left on disk."""

import os
import subprocess
import sys

import pytest
from helpers import run_dashgen, snapshot

from dashgen import __version__
from dashgen.plan import CREATE, FileChange, Plan


def test_defaults_to_flask_without_a_terminal_and_prints_the_next_steps(tmp_path):
    result = run_dashgen("new", "myapp", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert any(line.split() == ["create", "app.py"] for line in result.stdout.splitlines())
    assert "pip install -r requirements.txt" in result.stdout
    assert "backend: flask" in (tmp_path / "myapp" / ".copier-answers.yml").read_text()
    assert "gunicorn" in (tmp_path / "myapp" / "Procfile").read_text()


def test_output_is_one_line_per_file(tmp_path):
    result = run_dashgen("new", "myapp", "--backend", "fastapi", cwd=tmp_path)
    lines = [line.split() for line in result.stdout.splitlines() if line.strip()]
    created = {words[1] for words in lines if words[0] == "create"}
    assert created == set(snapshot(tmp_path / "myapp"))


def test_answers_file_records_options_and_version(tmp_path):
    run_dashgen("new", "shop", "--backend", "quart", "--mount", "dash", cwd=tmp_path)
    answers = (tmp_path / "shop" / ".copier-answers.yml").read_text()
    for line in (
        f"_dashgen_version: {__version__}",
        "backend: quart",
        "mount: /dash/",
        "own_server: true",
        "project_name: shop",
    ):
        assert line in answers


def test_quiet_prints_nothing(tmp_path):
    result = run_dashgen("new", "myapp", "--quiet", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    assert (tmp_path / "myapp" / "app.py").is_file()


def test_dry_run_writes_nothing(tmp_path):
    result = run_dashgen("new", "myapp", "--backend", "quart", "--dry-run", cwd=tmp_path)
    assert result.returncode == 0
    assert "app.py" in result.stdout and "nothing was written" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_directory_option_creates_the_project_there(tmp_path):
    result = run_dashgen("new", "myapp", "--directory", "projects/dash", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "projects" / "dash" / "myapp" / "app.py").is_file()


def test_version(tmp_path):
    result = run_dashgen("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"dashgen {__version__}"


def test_yes_asks_nothing_even_with_input_waiting(tmp_path):
    result = run_dashgen("new", "myapp", "--yes", cwd=tmp_path, stdin="quart\n")
    assert result.returncode == 0
    assert "backend: flask" in (tmp_path / "myapp" / ".copier-answers.yml").read_text()


def test_terminal_user_is_asked_for_the_backend(tmp_path):
    controller, terminal = os.openpty()
    os.write(controller, b"quart\n")
    result = subprocess.run(
        [sys.executable, "-m", "dashgen", "new", "myapp"],
        cwd=tmp_path,
        stdin=terminal,
        capture_output=True,
        text=True,
        timeout=60,
    )
    os.close(controller)
    os.close(terminal)
    assert result.returncode == 0, result.stderr
    assert "Server backend" in result.stdout
    assert "backend: quart" in (tmp_path / "myapp" / ".copier-answers.yml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["my-app"], "did you mean 'my_app'?"),
        (["1st"], "did you mean 'app_1st'?"),
        (["class"], "not a valid project name"),
        (["dash"], "would shadow"),
        (["fastapi"], "would shadow"),
        (["json"], "would shadow"),
        (["myapp", "--backend", "django"], "choose one of flask, fastapi, quart"),
        (["myapp", "--mount", "/"], "leave --mount out"),
        (["myapp", "--mount", "/a b/"], "is not a path"),
        (["myapp", "--mount", "/../x/"], "is not a path"),
        (["myapp", "--mount", "/api/"], "taken by the app's own routes"),
        (["myapp", "--static-site", "--mount", "/app/"], "taken by the app's own routes"),
    ],
)
def test_invalid_input_is_one_sentence_exit_2_and_writes_nothing(tmp_path, args, message):
    result = run_dashgen("new", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_existing_non_empty_directory_is_refused_with_exit_1(tmp_path):
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "notes.txt").write_text("mine\n")
    before = snapshot(tmp_path)
    result = run_dashgen("new", "myapp", cwd=tmp_path)
    assert result.returncode == 1
    assert "--force" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_existing_empty_directory_is_used(tmp_path):
    (tmp_path / "myapp").mkdir()
    assert run_dashgen("new", "myapp", cwd=tmp_path).returncode == 0
    assert (tmp_path / "myapp" / "app.py").is_file()


def test_force_overwrites_template_files_and_keeps_the_others(tmp_path):
    project = tmp_path / "myapp"
    project.mkdir()
    (project / "notes.txt").write_text("mine\n")
    (project / "app.py").write_text("print('old')\n")
    result = run_dashgen("new", "myapp", "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "force" in result.stdout and "app.py" in result.stdout
    assert (project / "notes.txt").read_text() == "mine\n"
    assert "Dash(" in (project / "app.py").read_text()


def test_rerun_with_force_reports_identical_and_changes_nothing(tmp_path):
    run_dashgen("new", "myapp", "--backend", "fastapi", cwd=tmp_path)
    before = snapshot(tmp_path)
    result = run_dashgen("new", "myapp", "--backend", "fastapi", "--force", cwd=tmp_path)
    assert result.returncode == 0
    statuses = {line.split()[0] for line in result.stdout.splitlines() if line.startswith(" ")}
    assert statuses == {"identical"}
    assert snapshot(tmp_path) == before


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    root = tmp_path / "myapp"
    plan = Plan(root)
    plan.changes = [
        FileChange("app.py", CREATE, "print('hi')\n"),
        FileChange("bad\0name", CREATE, "x\n"),  # the OS refuses this name
    ]
    with pytest.raises(ValueError):
        plan.apply()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_into_an_existing_folder_changes_nothing(tmp_path):
    root = tmp_path / "myapp"
    root.mkdir()
    (root / "app.py").write_text("old\n")
    plan = Plan(root)
    plan.changes = [
        FileChange("app.py", "force", "new\n", "old\n"),
        FileChange("sub/bad\0name", CREATE, "x\n"),
    ]
    with pytest.raises(ValueError):
        plan.apply()
    assert snapshot(tmp_path) == {"myapp/app.py": b"old\n"}
    assert [path.name for path in root.iterdir()] == ["app.py"]
