"""How long `convert` takes beside `check` on the same Flask app, side by side.

    python bench/convert_speed.py [--sizes 5000] [--runs 5] [--no-docs] [--busy]

For each size it generates the Flask app.py of bench/app_size.py (one route for every ten
callbacks), then times `check --target enterprise` and `convert --backend quart` and
`convert --backend fastapi` on it (median of --runs, each on a fresh copy) and prints each with
its ratio to `check`. Goal (issue 21): convert within 2x of check at 5,000 lines. Waits for a
quiet machine (bench/quiet.py) and prints the load at the start and the end. Writes the table
into docs/benchmarks.md between the bench:convert markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from app_size import BIN, big_app, fresh_copy, timed  # noqa: E402
from apps import add_no_docs_option, update_benchmarks  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402

COMMANDS = {
    "check": ["check", "--target", "enterprise"],
    "convert quart": ["convert", "--backend", "quart"],
    "convert fastapi": ["convert", "--backend", "fastapi"],
}


def _status(work: Path, text: str, args: list[str]) -> int:
    """The command's exit status on a fresh copy: a refusal (1) reads the whole app and stops."""
    fresh_copy(work, text)
    return subprocess.run([str(BIN / "dashgen"), *args], cwd=work, capture_output=True).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 5000])
    parser.add_argument("--runs", type=int, default=5)
    add_busy_option(parser)
    add_no_docs_option(parser)
    arguments = parser.parse_args()
    start_load = wait_until_quiet(arguments.busy)
    scratch = Path(tempfile.mkdtemp(prefix="dashgen-convert-"))
    rows = []
    for size in arguments.sizes:
        text = big_app(size)
        seconds = {name: timed(scratch / "app", text, args, arguments.runs) for name, args in COMMANDS.items()}
        wall = seconds["check"][0]
        cells = [
            f"{seconds[name][0]:.2f} s ({seconds[name][0] / wall:.2f}x, exit {_status(scratch / 'app', text, args)})"
            for name, args in COMMANDS.items()
        ]
        rows.append(f"| {text.count(chr(10)):,} | {text.count('@server.route'):,} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    lines = [
        f"Median of {arguments.runs} runs per cell, Python {sys.version.split()[0]}; the Flask app.py of "
        "app_size.py. Wall time, and in brackets the ratio to `check` on the same file and the exit status (check "
        "exits 1 on an error finding, convert on a refusal, after reading the whole app). Goal: `convert` within "
        f"2x of `check` at 5,000 lines. {load_note(start_load)}",
        "",
        "| app.py lines | routes | check | convert quart | convert fastapi |",
        "| ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
    table = "\n".join(lines)
    print(table)
    if not arguments.no_docs:
        update_benchmarks("convert", table)


if __name__ == "__main__":
    main()
