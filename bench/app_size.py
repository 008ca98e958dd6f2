"""How `check`, `deploy-files` and `add-route` scale with the size of app.py, side by side.

    python bench/app_size.py [--sizes 5400 27000 54000] [--runs 3] [--no-docs] [--busy]

For each size it generates a Flask app.py of about that many lines (one route for every ten
callbacks, as in a large hand-written app), then times each command on it (median of --runs,
each on a fresh copy) beside its floor: a Python that imports dashgen's command line and parses
app.py once with ast, which no command can beat. It prints lines -> seconds per command with each
command's ratio to the floor. Goal (issue 24): every command within 1.3x of the floor at every
size. Waits for a quiet machine (bench/quiet.py). Writes the table into docs/benchmarks.md
between the bench:app_size markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from apps import add_no_docs_option, update_benchmarks  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402

BIN = Path(sys.executable).parent
# Start-up and one parse of app.py: what every command does at the least.
FLOOR = [sys.executable, "-c", "import ast, dashgen.cli; ast.parse(open('app.py', 'rb').read())"]
COMMANDS = {
    "check": ["check", "--target", "enterprise"],
    "deploy-files": ["deploy-files", "--target", "enterprise"],
    "add-route": ["add-route", "/api/bench-health"],
}
HEAD = """\
import os

from dash import Dash, Input, Output, callback, dcc, html

PREFIX = os.environ.get("DASH_ROUTES_PATHNAME_PREFIX", "/")

app = Dash(__name__)
server = app.server
app.layout = html.Div([dcc.Input(id="in-0"), html.Div(id="out-0")])
"""
CALLBACK = """

@callback(Output("out-{n}", "children"), Input("in-{n}", "value"))
def update_{n}(value):
    return value
"""
ROUTE = """

@server.route(f"{{PREFIX}}api/item-{n}", methods=["GET"])
def item_{n}():
    return {{"item": {n}}}
"""
MAIN = """

if __name__ == "__main__":
    app.run(debug=True)
"""


def big_app(lines: int) -> str:
    """A Flask Dash app of about `lines` lines: 10 callbacks to each route."""
    parts = [HEAD]
    count = HEAD.count("\n")
    n = 0
    while count < lines:
        block = CALLBACK.format(n=n) + (ROUTE.format(n=n) if n % 10 == 9 else "")
        parts.append(block)
        count += block.count("\n")
        n += 1
    parts.append(MAIN)
    return "".join(parts)


def fresh_copy(work: Path, text: str) -> None:
    """`work` holding only the app.py `text` and its requirements.txt."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    (work / "app.py").write_text(text)
    (work / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")


def timed(work: Path, text: str, args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command (a dashgen command,
    or the floor), each run on a fresh copy."""
    command = FLOOR if args is FLOOR else [str(BIN / "dashgen"), *args]
    walls, cpus = [], []
    for _ in range(runs):
        fresh_copy(work, text)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, cwd=work, capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        assert result.returncode in (0, 1), result.stderr  # check exits 1 on an error finding
    return statistics.median(walls), statistics.median(cpus)


def _row(text: str, seconds: dict[str, tuple[float, float]]) -> str:
    wall, cpu = seconds["floor"]

    def cell(name: str) -> str:
        return f"{seconds[name][0]:.2f} s ({seconds[name][1]:.2f} s)"

    def ratio(name: str) -> str:
        return f"{seconds[name][0] / wall:.2f}x ({seconds[name][1] / cpu:.2f}x)"

    commands = " | ".join(f"{cell(name)} | {ratio(name)}" for name in COMMANDS)
    return (
        f"| {text.count(chr(10)):,} | {text.count('@callback'):,} | {text.count('@server.route'):,} "
        f"| {cell('floor')} | {commands} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[540, 5400, 27000, 54000])
    parser.add_argument("--runs", type=int, default=3)
    add_no_docs_option(parser)
    add_busy_option(parser)
    arguments = parser.parse_args()
    load = wait_until_quiet(arguments.busy)
    scratch = Path(tempfile.mkdtemp(prefix="dashgen-size-"))
    rows = []
    for size in arguments.sizes:
        text = big_app(size)
        seconds = {"floor": timed(scratch / "app", text, FLOOR, arguments.runs)}
        seconds |= {name: timed(scratch / "app", text, args, arguments.runs) for name, args in COMMANDS.items()}
        rows.append(_row(text, seconds))
        print(rows[-1], flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    lines = [
        f"Median of {arguments.runs} runs per cell, Python {sys.version.split()[0]}; a Flask app.py with one route "
        "per ten callbacks. Wall time, and in brackets CPU time, which a busy machine inflates less. The floor is "
        "a Python that imports dashgen's command line and parses app.py once. Goal: each command within 1.3x of "
        f"the floor. {load_note(load)}",
        "",
        "| app.py lines | callbacks | routes | floor | check | × floor | deploy-files | × floor | add-route "
        "| × floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
    table = "\n".join(lines)
    print(table)
    if not arguments.no_docs:
        update_benchmarks("app_size", table)


if __name__ == "__main__":
    main()
