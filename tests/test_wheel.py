"""The built wheel carries the templates: installed into a fresh venv (no source tree in
reach), `dashgen new` works from an unrelated folder and makes the same files."""

import subprocess
import sys
import venv
from pathlib import Path

from helpers import generate, snapshot

REPO = Path(__file__).resolve().parent.parent


def test_wheel_installed_in_a_fresh_venv_generates_projects(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next((tmp_path / "dist").glob("dashgen_cli-*.whl"))
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True, timeout=600
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "dashgen"), "new", "demo", "--backend", "fastapi", "--static-site"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    installed = subprocess.run(
        [str(python), "-c", "import dashgen.render as r; print(r.templates_root())"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert installed.startswith(str(tmp_path / "venv")), installed

    (tmp_path / "source").mkdir()
    from_source = generate(tmp_path / "source", "fastapi", "static-site")
    made, expected = snapshot(elsewhere / "demo"), snapshot(from_source)
    assert made.keys() == expected.keys()
    assert {path for path in made if made[path] != expected[path]} == set()
