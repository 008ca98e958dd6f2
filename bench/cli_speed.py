"""CLI speed, side by side in one run (these machines are noisy: compare the ratios).

    python bench/cli_speed.py [--runs 15] [--against OTHER_VENV/bin] [--no-docs]

Rows: `dashgen new` against `copier copy` of the same template (goal: at most half its time),
and `dashgen --help` against `python -c pass` (goal: at most 8x). With --against, the dashgen
installed there (an earlier version, installed non-editable as this one should be) runs
`check`, `deploy-files --dry-run` and `add-route --dry-run` on the same generated app beside
this one (goal: at most 1.1x of it). Prints a Markdown table with the load average at start and
end, and writes it into docs/benchmarks.md between the bench:cli_speed markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--against", type=Path, help="the bin folder of another dashgen to compare with")
    add_no_docs_option(parser)
    arguments = parser.parse_args()
    runs = arguments.runs
    load_at_start = os.getloadavg()[0]
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
    if arguments.against:
        rows += _against(dashgen, [str(arguments.against / "dashgen")], work, runs)
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"Median of {runs} runs, Python {sys.version.split()[0]}, load average {load_at_start:.1f} at the start "
        f"and {os.getloadavg()[0]:.1f} at the end.",
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


def _against(dashgen: list[str], other: list[str], work: Path, runs: int) -> list[tuple]:
    """The commands that read an app, this dashgen and the other on the same generated app,
    their runs interleaved."""
    subprocess.run([*dashgen, "new", "checked", "--backend", "fastapi", "-q"], cwd=work, check=True)
    project = work / "checked"
    commands = (
        ["check"],
        ["deploy-files", "--target", "enterprise", "--dry-run", "-q"],
        ["add-route", "/api/items", "--dry-run", "-q"],
    )
    rows = []
    for command in commands:
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(timed([*dashgen, *command], project, 1))
            theirs.append(timed([*other, *command], project, 1))
        shown = " ".join(command[:1] + [word for word in command[1:] if word != "-q"])
        rows.append((f"`dashgen {shown}`", statistics.median(ours), "earlier dashgen", statistics.median(theirs), 1.1))
    return rows


if __name__ == "__main__":
    main()
