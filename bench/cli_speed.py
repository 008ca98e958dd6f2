"""CLI speed, side by side in one run (these machines are noisy: compare the ratios).

    python bench/cli_speed.py [--runs 15] [--against OTHER_VENV/bin] [--no-docs] [--busy]

Rows: `dashgen new` against `copier copy` of the same template (goal: at most half its time),
and `dashgen --help` against `python -c pass` (goal: at most 8x). Then, on a generated FastAPI
app, `check`, `deploy-files --dry-run` and `add-route --dry-run` against `dashgen --help` (goal
issue 24: at most 1.5x) and against `python -c pass` (at most 10x), the five commands' runs
interleaved. With --against, the dashgen installed there (an earlier version, installed
non-editable as this one should be) runs the same three commands beside this one (goal: at most
1.1x of it). Children run with their bytecode written, as an installed dashgen has it. Waits
for a quiet machine (bench/quiet.py). Prints a Markdown table with the load average at start and
end, and writes it into docs/benchmarks.md between the bench:cli_speed markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps import add_no_docs_option, publish  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BIN = Path(sys.executable).parent
# An installed dashgen has its bytecode: without it every run would compile dashgen again.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
READING = (
    ["check"],
    ["deploy-files", "--target", "enterprise", "--dry-run", "-q"],
    ["add-route", "/api/items", "--dry-run", "-q"],
)


def timed(command: list[str], cwd: Path, runs: int, before=None) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system: a busy machine inflates it less) of
    `command` over `runs`."""
    walls, cpus = [], []
    for _ in range(runs):
        if before:
            before()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=ENVIRONMENT)
        walls.append(time.perf_counter() - start)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, help="the bin folder of another dashgen to compare with")
    add_no_docs_option(parser)
    add_busy_option(parser)
    arguments = parser.parse_args()
    runs = arguments.runs
    load_at_start = wait_until_quiet(arguments.busy)
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
    subprocess.run([*dashgen, "new", "checked", "--backend", "fastapi", "-q"], cwd=work, check=True)
    project = work / "checked"
    commands = {"`python -c pass`": [sys.executable, "-c", "pass"], "`dashgen --help`": [*dashgen, "--help"]}
    commands |= {_shown(command): [*dashgen, *command] for command in READING}
    seconds = _interleaved(commands, project, runs)
    bare, help_time = seconds.pop("`python -c pass`"), seconds.pop("`dashgen --help`")
    rows.append(("`dashgen --help`", help_time, "`python -c pass`", bare, 8.0))
    for name, time_taken in seconds.items():
        rows.append((name, time_taken, "`dashgen --help`", help_time, 1.5))
        rows.append((name, time_taken, "`python -c pass`", bare, 10.0))
    if arguments.against:
        rows += _against(dashgen, [str(arguments.against / "dashgen")], project, runs)
    shutil.rmtree(work, ignore_errors=True)

    lines = [
        f"Median of {runs} runs, Python {sys.version.split()[0]}, a FastAPI app from `dashgen new` for the commands "
        "that read one. Wall time, and in brackets CPU time (user + system), which a busy machine inflates less; "
        f"the ratio of each. {load_note(load_at_start)}",
        "",
        "| command | time | baseline | time | ratio | goal |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for ours_name, ours, base_name, base, goal in rows:
        ratio = ours[0] / base[0]
        verdict = "ok" if ratio <= goal else "MISSED"
        lines.append(
            f"| {ours_name} | {_ms(ours)} | {base_name} | {_ms(base)} "
            f"| {ratio:.2f}x ({ours[1] / base[1]:.2f}x) | <= {goal:g}x {verdict} |"
        )
    publish("cli_speed", lines, docs=not arguments.no_docs)


def _ms(seconds: tuple[float, float]) -> str:
    return f"{seconds[0] * 1000:.0f} ms ({seconds[1] * 1000:.0f} ms)"


def _shown(command: list[str]) -> str:
    return "`dashgen " + " ".join(word for word in command if word != "-q") + "`"


def _interleaved(commands: dict[str, list[str]], cwd: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median wall time of each command, one run of each in turn (after one warm-up run each),
    so that a change in the machine's load touches them all alike."""
    for command in commands.values():
        timed(command, cwd, 1)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command, cwd, 1))
    return {
        name: (statistics.median(wall for wall, _ in values), statistics.median(cpu for _, cpu in values))
        for name, values in samples.items()
    }


def _against(dashgen: list[str], other: list[str], project: Path, runs: int) -> list[tuple]:
    """The commands that read an app, this dashgen and the other on the same generated app,
    their runs interleaved."""
    rows = []
    for command in READING:
        seconds = _interleaved({"ours": [*dashgen, *command], "theirs": [*other, *command]}, project, runs)
        rows.append((_shown(command), seconds["ours"], "earlier dashgen", seconds["theirs"], 1.1))
    return rows


if __name__ == "__main__":
    main()
