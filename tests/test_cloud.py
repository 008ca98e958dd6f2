"""Plotly Cloud: `check --target cloud` and `deploy-files --target cloud` against what Plotly
Cloud's own CLI (the plotly-cloud package, `plotly app publish`) does with the same folder: the
entrypoint module its detection picks and the zip its packaging code makes."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import generate, run_dashgen
from plotly_cloud._commands import detect_entrypoint_module, normalize_entrypoint_module
from plotly_cloud._deploy import MAX_ZIP_SIZE, create_deployment_zip, save_deployment_config

from dashgen import cloud
from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"


def check_cloud(project: Path) -> tuple[int, list[dict]]:
    result = run_dashgen("check", "--target", "cloud", "--json", cwd=project)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)["findings"]


def cloud_codes(findings: list[dict]) -> list[str]:
    return [finding["code"] for finding in findings if finding["code"].startswith("cloud-")]


def cli_zip(project: Path, output: Path, *, skip_size_check: bool = True) -> zipfile.ZipFile:
    """The zip `plotly app publish` uploads, made by the CLI's own packaging code."""
    asyncio.run(create_deployment_zip(str(project), str(output), skip_size_check))
    return zipfile.ZipFile(output)


def copy_app(name: str, tmp_path: Path) -> Path:
    project = tmp_path / name
    shutil.copytree(APPS / name, project)
    for plain, dotted in (("gitignore", ".gitignore"), ("env", ".env")):
        if (project / plain).exists():
            (project / plain).rename(project / dotted)
    return project


def status_of_home(project: Path, module: str) -> int:
    """The status of GET / when the app is started from `module`, through Flask's test client."""
    code = f"import {module} as m; print(m.app.server.test_client().get('/').status_code)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_generated_app_publishes_as_it_is(tmp_path, backend):
    project = generate(tmp_path, backend, "default")
    # What a working copy holds beside the project: the CLI must leave it out, and dashgen with it.
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / ".venv" / "lib" / "big.so").write_bytes(os.urandom(4096))
    (project / "__pycache__").mkdir()
    (project / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0" * 100)
    (project / "notes.egg-info").mkdir()
    (project / "notes.egg-info" / "PKG-INFO").write_text("x")

    returncode, findings = check_cloud(project)
    assert returncode == 0 and cloud_codes(findings) == [], findings
    assert detect_entrypoint_module(str(project)) == cloud.detected_entrypoint(project) == "app"

    made = cli_zip(project, tmp_path / "upload.zip")
    ours = cloud.upload(project)
    assert sorted(made.namelist()) == [relative for relative, _ in ours.files]
    assert sum(info.file_size for info in made.infolist()) == ours.total
    assert not any(name.startswith((".venv/", "__pycache__/")) for name in made.namelist())
    # The CLI reads `*.egg-info/` as a folder literally named so: the folder is uploaded, by both.
    assert "notes.egg-info/PKG-INFO" in made.namelist()

    readme = (project / "README.md").read_text()
    section = readme.split("## Publish to Plotly Cloud", 1)[1]
    assert 'pip install "dash[cloud]"' in section and "plotly user login" in section
    assert "plotly app publish --entrypoint-module app" in section
    assert "## Publish to Plotly Cloud" in readme and "Dash Enterprise" in readme
    development = (project / "requirements-dev.txt").read_text()
    assert "cloud" not in development and "plotly" not in development

    deploy = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert deploy.returncode == 0, deploy.stderr
    assert "plotly app publish --entrypoint-module app" in deploy.stdout
    assert not (project / "plotly-cloud.toml").exists() and "identical  requirements.txt" in deploy.stdout


def test_layout_set_in_index_beside_app_py(tmp_path):
    project = copy_app("cloud_index_layout", tmp_path)
    started = detect_entrypoint_module(str(project))
    assert started == cloud.detected_entrypoint(project) == "app"

    returncode, findings = check_cloud(project)
    assert returncode == 1
    [finding] = [finding for finding in findings if finding["code"] == "cloud-entrypoint"]
    assert finding["severity"] == "error"
    assert "`plotly app publish --entrypoint-module index`" in finding["fix"]
    assert "would start app" in finding["problem"] and "first publish" in finding["fix"]
    # The module the CLI picks serves no page; the one check names does.
    assert status_of_home(project, started) == 500
    assert status_of_home(project, "index") == 200
    # The CLI takes the suggested value as it is written.
    assert normalize_entrypoint_module("index") == "index"

    deploy = run_dashgen("deploy-files", "--target", "cloud", cwd=project)
    assert "plotly app publish --entrypoint-module index" in deploy.stdout, deploy.stdout
    assert "would start app" in deploy.stderr

    # After that first publish the CLI records the app; the entrypoint it was given is not
    # recorded, so check can only remind, not refuse.
    save_deployment_config({"app_id": "a1b2", "name": "sales"}, str(project / "plotly-cloud.toml"))
    returncode, findings = check_cloud(project)
    assert returncode == 0
    [finding] = [finding for finding in findings if finding["code"] == "cloud-entrypoint-unverified"]
    assert finding["severity"] == "warning" and "--name NAME --entrypoint-module index" in finding["fix"]


def test_app_only_in_a_module_the_cli_does_not_look_for(tmp_path):
    project = copy_app("cloud_dashboard_only", tmp_path)
    assert detect_entrypoint_module(str(project)) is None
    assert cloud.detected_entrypoint(project) is None

    returncode, findings = check_cloud(project)
    assert returncode == 1
    [finding] = [finding for finding in findings if finding["code"] == "cloud-entrypoint"]
    assert "`plotly app publish --entrypoint-module dashboard`" in finding["fix"]
    assert status_of_home(project, "dashboard") == 200

    # Renaming it to a name the CLI detects is the other way out: then check is clean.
    (project / "dashboard.py").rename(project / "main.py")
    returncode, findings = check_cloud(project)
    assert returncode == 0 and cloud_codes(findings) == [], findings
    assert detect_entrypoint_module(str(project)) == "main"


def test_oversized_upload_is_measured_as_the_cli_measures_it(tmp_path):
    project = generate(tmp_path, "flask", "default")
    recordings = project / "recordings"
    recordings.mkdir()
    # Random bytes do not compress: the zip is as large as the files.
    with open(recordings / "raw.bin", "wb") as handle:
        for _ in range(205):
            handle.write(os.urandom(1024 * 1024))
    (project / "data").mkdir()
    (project / "data" / "small.csv").write_text("a,b\n1,2\n")

    returncode, findings = check_cloud(project)
    assert returncode == 1
    [finding] = [finding for finding in findings if finding["code"] == "cloud-upload-too-large"]
    ours = cloud.upload(project)
    assert ours.total > MAX_ZIP_SIZE
    assert f"holds {ours.total / 1048576:.1f} MB" in finding["problem"]
    assert "recordings/ 205.0 MB" in finding["problem"]
    assert "`recordings/`" in finding["fix"] and "`data/`" not in finding["fix"]

    # The CLI compares the bytes it zips, uncompressed, with its limit: the same figure, to the
    # byte. The zip itself is that size plus deflate's framing of incompressible data (~0.03%).
    made = cli_zip(project, tmp_path / "upload.zip")
    assert sorted(made.namelist()) == [relative for relative, _ in ours.files]
    assert sum(info.file_size for info in made.infolist()) == ours.total
    assert abs((tmp_path / "upload.zip").stat().st_size - ours.total) < ours.total / 1000
    (tmp_path / "upload.zip").unlink()

    # The suggested line, added to .gitignore: check is clean and the CLI packs the folder.
    with open(project / ".gitignore", "a") as handle:
        handle.write("recordings/\n")
    returncode, findings = check_cloud(project)
    assert returncode == 0 and cloud_codes(findings) == [], findings
    asyncio.run(create_deployment_zip(str(project), str(tmp_path / "fits.zip")))
    assert "recordings/raw.bin" not in zipfile.ZipFile(tmp_path / "fits.zip").namelist()
    assert cloud.upload(project).total < MAX_ZIP_SIZE


def test_data_file_left_out_by_gitignore_and_secrets_in_env(tmp_path):
    project = copy_app("cloud_data_env", tmp_path)
    returncode, findings = check_cloud(project)
    assert returncode == 0  # warnings
    by_code = {finding["code"]: finding for finding in findings}
    excluded = [finding for finding in findings if finding["code"] == "cloud-file-excluded"]
    assert [(finding["file"], finding["line"]) for finding in excluded] == [("app.py", 6), ("report.py", 5)]
    assert "opens data/prices.csv" in excluded[0]["problem"] and "opens data/sales.csv" in excluded[1]["problem"]
    assert ".gitignore line 3 (`data/`)" in excluded[0]["problem"]
    secrets = by_code["cloud-env-not-uploaded"]
    assert "SECRET_KEY, API_TOKEN" in secrets["problem"] and "settings" in secrets["fix"]

    made = cli_zip(project, tmp_path / "upload.zip").namelist()
    assert "data/prices.csv" not in made and ".env" not in made and "app.py" in made
    # Started as the cloud would start it, from what the CLI uploads, the app cannot open its data.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "upload.zip").extractall(unpacked)
    started = subprocess.run([sys.executable, "-c", "import app"], cwd=unpacked, capture_output=True, text=True)
    assert "FileNotFoundError" in started.stderr

    # The fix: drop the line. The file is uploaded and the warning is gone.
    gitignore = project / ".gitignore"
    gitignore.write_text(gitignore.read_text().replace("data/\n", ""))
    _, findings = check_cloud(project)
    assert "cloud-file-excluded" not in cloud_codes(findings)
    assert "cloud-env-not-uploaded" in cloud_codes(findings)  # what only the app's settings can fix
    assert "data/prices.csv" in cli_zip(project, tmp_path / "fixed.zip").namelist()
    assert status_of_home(project, "app") == 200


def test_exclusion_rules_match_the_cli_on_every_pattern_kind(tmp_path):
    from plotly_cloud._deploy import parse_gitignore, should_exclude_path

    project = tmp_path / "rules"
    project.mkdir()
    (project / ".gitignore").write_text("# comment\n*.parquet\nsecrets.json\ncache/\n/data\nlogs/*.log\n!keep.log\n")
    paths = [
        "a.parquet", "x/y/b.parquet", "secrets.json", "deep/secrets.json", "cache/x", "src/cache/y",
        "data", "data/z.csv", "logs/a.log", "keep.log", "env", "sub/.env", "lib/x.py", "library/x.py",
        "pkg.egg-info/PKG-INFO", "a.pyc", "app.py", ".gitignore", "build", "build/x",
    ]  # fmt: skip
    patterns = parse_gitignore(str(project))
    rules = cloud.exclusions(project)
    for path in paths:
        assert (rules.match(path) is not None) == should_exclude_path(path, patterns), path
