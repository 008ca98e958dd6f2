"""The built wheel carries the templates and their history: installed into a fresh venv (no
source tree in reach), `dashgen new` works from an unrelated folder and makes the same files.
scripts/test builds the wheel once (and checks its metadata with twine) and passes it in
DASHGEN_WHEEL; run alone, the test builds it."""

import email
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from helpers import generate, snapshot

from dashgen import DISTRIBUTION, __version__

REPO = Path(__file__).resolve().parent.parent
# The fresh venv sees nothing of this checkout, even when the tests run with PYTHONPATH set.
ISOLATED = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}


def built_wheel(tmp_path: Path) -> Path:
    if os.environ.get("DASHGEN_WHEEL"):
        return Path(os.environ["DASHGEN_WHEEL"])
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return next((tmp_path / "dist").glob("dashgen_cli-*.whl"))


def test_the_wheel_is_the_release_its_name_and_version_say(tmp_path):
    wheel = built_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_file = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(archive.read(metadata_file))
    assert (metadata["Name"], metadata["Version"]) == (DISTRIBUTION, __version__)
    assert metadata["License-Expression"] == "MIT"
    assert "dashgen/template_history/states.tar.xz" in names
    assert "dashgen/template_history/states.json" in names
    assert "dashgen/templates/copier.yml" in names


def test_wheel_installed_in_a_fresh_venv_generates_projects(tmp_path):
    wheel = built_wheel(tmp_path)
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
        env=ISOLATED,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    installed = subprocess.run(
        [str(python), "-c", "import dashgen.render as r; print(r.templates_root())"],
        cwd=elsewhere,
        env=ISOLATED,
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
