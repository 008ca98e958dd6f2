"""CLI speed, side by side in one run (these machines are noisy: compare the ratios).

    python bench/cli_speed.py [--runs 15] [--no-docs]

Rows: `dashgen new` against `copier copy` of the same template (goal: at most half its time),
and `dashgen --help` against `python -c pass` (goal: at most 8x). Prints a Markdown table and
writes it into docs/benchmarks.md between the bench:cli_speed markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps import add_no_docs_option, publish  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BIN = Path(sys.executable).parent


def timed(command: list[str], cwd: Path, runs: int, before=None) -> float:
    """Median wall time of `command` over `runs`, the runs of each row interleaved by caller."""
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    add_no_docs_option(parser)
    arguments = parser.parse_args()
    runs = arguments.runs
    work = Path(tempfile.mkdtemp(prefix="dashgen-bench-"))
    out = work / "out"

    def clean():
        shutil.rmtree(out, ignore_errors=True)

    dashgen = [str(BIN / "dashgen")]
    copier = [str(BIN / "copier"), "copy", "--defaults", "--quiet", "--data", "project_name=demo"]
    rows = []
    for backend in ("flask", "fastapi", "quart"):
        ours = timed([*dashgen, "new", "demo", "--backend", backend, "--directory", "out", "-q"], work, runs, clean)
        theirs = timed([*copier, "--data", f"backend={backend}", str(TEMPLATES), "out/demo"], work, runs, clean)
        rows.append((f"`dashgen new --backend {backend}`", ours, f"`copier copy -d backend={backend}`", theirs, 0.5))
    help_time = timed([*dashgen, "--help"], work, runs)
    bare = timed([sys.executable, "-c", "pass"], work, runs)
    rows.append(("`dashgen --help`", help_time, "`python -c pass`", bare, 8.0))
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"Median of {runs} runs, Python {sys.version.split()[0]}.",
        "",
        "| command | time | baseline | time | ratio | goal |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for ours_name, ours, base_name, base, goal in rows:
        ratio = ours / base
        verdict = "ok" if ratio <= goal else "MISSED"
        lines.append(
            f"| {ours_name} | {ours * 1000:.0f} ms | {base_name} | {base * 1000:.0f} ms "
            f"| {ratio:.2f}x | <= {goal:g}x {verdict} |"
        )
    publish("cli_speed", lines, docs=not arguments.no_docs)


if __name__ == "__main__":
    main()
