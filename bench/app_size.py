"""How `check`, `deploy-files` and `add-route` scale with the size of app.py, side by side.

    python bench/app_size.py [--sizes 5400 27000 54000] [--runs 3] [--no-readme]

For each size it generates a Flask app.py of about that many lines (one route for every ten
callbacks, as in a large hand-written app), then times each command on it (median of --runs,
each on a fresh copy) and prints lines -> seconds per command with each command's ratio to
`check` on the same file. Goal (issue 10): every command within 3x of check and under 1 s at
50,000 lines. Writes the table into README.md between the bench:app_size markers (unless
--no-readme).
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
from apps import update_readme  # noqa: E402

BIN = Path(sys.executable).parent
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


def timed(work: Path, text: str, args: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        (work / "app.py").write_text(text)
        (work / "requirements.txt").write_text("dash>=4.2.0\ngunicorn>=23.0\n")
        start = time.perf_counter()
        subprocess.run([str(BIN / "dashgen"), *args], cwd=work, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[540, 5400, 27000, 54000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-readme", action="store_true")
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="dashgen-size-"))
    lines = [
        f"Median of {arguments.runs} runs per cell, Python {sys.version.split()[0]}; a Flask app.py with one route "
        "per ten callbacks. Goal: each command within 3x of `check` and under 1 s at 50,000 lines.",
        "",
        "| app.py lines | callbacks | routes | check | deploy-files | ratio | add-route | ratio | goal |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for size in arguments.sizes:
        text = big_app(size)
        seconds = {name: timed(scratch / "app", text, args, arguments.runs) for name, args in COMMANDS.items()}
        check = seconds["check"]
        ok = all(value <= 3 * check for value in seconds.values()) and (
            text.count("\n") < 50_000 or all(value < 1 for value in seconds.values())
        )
        lines.append(
            f"| {text.count(chr(10)):,} | {text.count('@callback'):,} | {text.count('@server.route'):,} "
            f"| {check:.2f} s | {seconds['deploy-files']:.2f} s | {seconds['deploy-files'] / check:.1f}x "
            f"| {seconds['add-route']:.2f} s | {seconds['add-route'] / check:.1f}x | {'ok' if ok else 'MISSED'} |"
        )
        print(lines[-1], flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    table = "\n".join(lines)
    print(table)
    if not arguments.no_readme:
        update_readme("app_size", table)


if __name__ == "__main__":
    main()
