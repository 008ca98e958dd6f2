"""Does every module dashgen edits still import? Run by hand over a corpus of fetched apps.

    python scripts/corpus_imports.py --bin VENV/bin --corpus APPS_DIR [--deps DIR] [--only a,b] [--out FILE.json]

For each app folder (two fresh copies in a temp dir; the corpus is never changed), `dashgen
deploy-files --target enterprise` and `dashgen add-route /api/health` are run in one copy, and
every .py file they changed is imported with VENV/bin/python in both copies the same way: from
the project folder, with the module's own folder and the project folder on sys.path, as its
dotted path from the project folder. The venv is the app's stand-in; with --deps, what the app's
requirements.txt lists is installed for it into DIR/<app> (`pip install --no-deps --target`,
kept between runs) and put before the venv's packages. An app whose original does not import
even so (a package it lacks, a data file the snapshot has not) says nothing about the edit and
is counted apart. A module that imported before the edit and not after it is a broken edit:
printed with the error, and the exit status is 1.

Also recorded: `dashgen check --json` parses as one JSON document for every app.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

TIMEOUT = 60
_IMPORT = """
import importlib, sys
sys.path[:0] = [sys.argv[2], sys.argv[1]]
importlib.import_module(sys.argv[3])
"""


def _snapshot(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*.py") if path.is_file()}


def _install(python: Path, app: Path, target: Path) -> None:
    """What the app's requirements list, into `target` (once; a line pip cannot install is skipped)."""
    requirements = app / "requirements.txt"
    if target.exists() or not requirements.is_file():
        return
    target.mkdir(parents=True)
    for line in requirements.read_text(errors="replace").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), line],
                capture_output=True, timeout=600, stdin=subprocess.DEVNULL,
            )  # fmt: skip


def _imports(python: Path, root: Path, relative: str, deps: Path | None = None) -> str | None:
    """None when the module imports; else the last line of its error."""
    path = root / relative
    parts = Path(relative).with_suffix("").parts
    dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    try:
        done = subprocess.run(
            [str(python), "-c", _IMPORT, str(root), str(path.parent), dotted],
            cwd=root, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(deps)} if deps is not None else None,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "timed out"
    if done.returncode == 0:
        return None
    lines = done.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit {done.returncode}"


def _run(dashgen: Path, root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(dashgen), *args], cwd=root, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
    )


def run_app(bin_dir: Path, app: Path, deps: Path | None) -> dict:
    python, dashgen = bin_dir / "python", bin_dir / "dashgen"
    if deps is not None:
        deps = deps / app.name
        _install(python, app, deps)
    with tempfile.TemporaryDirectory(prefix="corpus-imports-") as scratch:
        root, original = Path(scratch) / "edited" / app.name, Path(scratch) / "original" / app.name
        shutil.copytree(app, root, symlinks=True)
        shutil.copytree(app, original, symlinks=True)
        checked = _run(dashgen, root, "check", "--json")
        try:
            json.loads(checked.stdout)
            json_ok = True
        except ValueError:
            json_ok = False
        before = _snapshot(root)
        _run(dashgen, root, "deploy-files", "--target", "enterprise")
        _run(dashgen, root, "add-route", "/api/health")
        after = _snapshot(root)
        edited = sorted(relative for relative, data in after.items() if before.get(relative) != data)
        result = {"app": app.name, "check_json": json_ok, "edited": {}}
        for relative in edited:
            if relative not in before or _imports(python, original, relative, deps) is not None:
                result["edited"][relative] = "original does not import here"
                continue
            error = _imports(python, root, relative, deps)
            result["edited"][relative] = "imports" if error is None else f"BROKEN: {error}"
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, required=True, help="the venv's bin folder: python and dashgen")
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--deps", type=Path, help="where each app's requirements are installed")
    parser.add_argument("--only", default="", help="comma-separated app folder names")
    parser.add_argument("--out", type=Path)
    options = parser.parse_args()
    names = [name for name in options.only.split(",") if name]
    apps = sorted(path for path in options.corpus.iterdir() if path.is_dir() and (not names or path.name in names))
    results = []
    for app in apps:
        result = run_app(options.bin, app, options.deps)
        results.append(result)
        for relative, outcome in result["edited"].items():
            print(f"{app.name}/{relative}: {outcome}", flush=True)
        if not result["check_json"]:
            print(f"{app.name}: check --json printed no JSON document", flush=True)
    edited = [outcome for result in results for outcome in result["edited"].values()]
    outcomes = Counter("broken" if outcome.startswith("BROKEN") else outcome for outcome in edited)
    not_json = sum(not result["check_json"] for result in results)
    print(
        f"corpus-imports: {len(results)} apps, {sum(outcomes.values())} edited modules: "
        f"{outcomes['imports']} import, {outcomes['broken']} broken, "
        f"{outcomes['original does not import here']} whose original does not import here; "
        f"check --json not JSON on {not_json}"
    )
    if options.out:
        options.out.write_text(json.dumps(results, indent=1) + "\n")
    return 1 if outcomes["broken"] or not_json else 0


if __name__ == "__main__":
    sys.exit(main())
