"""What `pip install dashgen-cli` installs, before and after copier left the runtime dependencies,
side by side in one run.

    python bench/footprint.py [--before REF] [--runs 3] [--no-docs]

Builds a wheel of REF (default: the last commit with copier among the runtime dependencies) and
one of the working tree, installs each once to warm pip's cache, then installs each into fresh
venvs, alternating, and reports the packages installed, their size on disk and the median
`pip install` time. Prints a Markdown table and writes it into docs/benchmarks.md between the
bench:footprint markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps import add_no_docs_option, publish  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
LAST_WITH_COPIER = "265d3bb"
# What a fresh venv holds before anything is installed.
SEED = {"pip", "setuptools", "wheel"}


def build_wheel(source: Path, dist: Path) -> Path:
    dist.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)]
    subprocess.run(pip, check=True, capture_output=True)
    return next(dist.glob("dashgen_cli-*.whl"))


def source_at(ref: str, into: Path) -> Path:
    archive = into / "source.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), ref], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "source", filter="data")
    return into / "source"


def install(wheel: Path, where: Path) -> dict[str, float]:
    """Install `wheel` into a fresh venv at `where`: seconds, packages added, MB added."""
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    empty = _size(site)
    start = time.perf_counter()
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"], check=True, capture_output=True, text=True
    ).stdout
    packages = [package["name"] for package in json.loads(listed) if package["name"].lower() not in SEED]
    return {"seconds": seconds, "packages": len(packages), "mb": (_size(site) - empty) / 1e6}


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=LAST_WITH_COPIER)
    parser.add_argument("--runs", type=int, default=3)
    add_no_docs_option(parser)
    add_busy_option(parser)
    arguments = parser.parse_args()
    load = wait_until_quiet(arguments.busy)
    work = Path(tempfile.mkdtemp(prefix="dashgen-footprint-"))
    wheels = {
        f"before (`{arguments.before}`, copier a runtime dependency)": build_wheel(
            source_at(arguments.before, work), work / "dist-before"
        ),
        "after (runtime dependencies = what dashgen imports)": build_wheel(REPO, work / "dist-after"),
    }
    for index, wheel in enumerate(wheels.values()):
        install(wheel, work / f"warm-{index}")  # fills pip's cache: the timed installs download nothing
    results: dict[str, list[dict[str, float]]] = {name: [] for name in wheels}
    for run in range(arguments.runs):
        for index, (name, wheel) in enumerate(wheels.items()):
            results[name].append(install(wheel, work / f"run-{run}-{index}"))
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"`pip install` of the wheel into a fresh venv, warm pip cache, median of {arguments.runs} runs, "
        f"Python {sys.version.split()[0]}. {load_note(load)}",
        "",
        "| dashgen | packages installed | MB on disk | `pip install` time |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, samples in results.items():
        seconds = statistics.median(sample["seconds"] for sample in samples)
        lines.append(f"| {name} | {samples[0]['packages']:.0f} | {samples[0]['mb']:.1f} | {seconds:.1f} s |")
    publish("footprint", lines, docs=not arguments.no_docs)


if __name__ == "__main__":
    main()
