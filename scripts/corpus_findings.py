"""Record what `dashgen check` finds on a corpus of apps, and compare two such records.

    python scripts/corpus_findings.py --bin VENV/bin --corpus APPS_DIR --out FILE.json [--only a,b]
    python scripts/corpus_findings.py --compare OLD.json NEW.json

For each app folder in APPS_DIR (or those named by --only), a fresh copy of it is made in a temp
dir for each run (the corpus is never changed) and VENV/bin/dashgen is run there as `check
--json`, then with `--target enterprise`, `cloud` and `docker` (docker only where `check --help`
offers it). Recorded per app and run: the exit code and the sorted findings as [severity, code,
file, line]; the JSON printed may be the findings list itself or an object with a "findings" list.
Where no such JSON is printed (check refuses the app), findings is null and its message is kept.
Two commands run at once.

--compare prints every difference between two records (an app or run on one side only, an exit
code changed, a finding added or removed, a refusal's message changed), then their count, and
exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUNS = {
    "check": [],
    "check-enterprise": ["--target", "enterprise"],
    "check-cloud": ["--target", "cloud"],
    "check-docker": ["--target", "docker"],
}
TIMEOUT = 300


def dashgen(bin_dir: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(bin_dir / "dashgen"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )


def findings_of(stdout: str) -> list[list] | None:
    """The sorted [severity, code, file, line] of each finding, or None when stdout is not the JSON."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return None
    found = report.get("findings") if isinstance(report, dict) else report
    if not isinstance(found, list):
        return None
    return sorted([f["severity"], f["code"], f["file"], f["line"]] for f in found)


def run_one(bin_dir: Path, app: Path, run: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="corpus-findings-") as tmp:
        copy = Path(tmp) / app.name
        shutil.copytree(app, copy, symlinks=True)
        try:
            done = dashgen(bin_dir, ["check", "--json", *RUNS[run]], copy)
        except subprocess.TimeoutExpired:
            return {"exit": "timeout", "findings": None}
    result = {"exit": done.returncode, "findings": findings_of(done.stdout)}
    if result["findings"] is None:  # a refusal: keep its message, without the temp dir's name
        # The sentence is on stderr (stdout holds it as a JSON error document since issue 20).
        result["output"] = (done.stderr.strip() or done.stdout.strip()).replace(tmp, "<tmp>")
    return result


def record(bin_dir: Path, corpus: Path, only: list[str] | None, out: Path) -> None:
    apps = sorted(p for p in corpus.iterdir() if p.is_dir() and (only is None or p.name in only))
    if only and (unknown := set(only) - {p.name for p in apps}):
        sys.exit(f"not in {corpus}: {', '.join(sorted(unknown))}")
    helped = dashgen(bin_dir, ["check", "--help"], corpus).stdout
    runs = [run for run in RUNS if run != "check-docker" or "docker" in helped]
    started = time.monotonic()
    jobs = [(app, run) for app in apps for run in runs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: run_one(bin_dir, *job), jobs))
    report = {
        "dashgen": dashgen(bin_dir, ["--version"], corpus).stdout.strip(),
        "bin": str(bin_dir),
        "runs": runs,
        "seconds": round(time.monotonic() - started, 1),
        "apps": {app.name: {} for app in apps},
    }
    for (app, run), result in zip(jobs, results, strict=True):
        report["apps"][app.name][run] = result
    text = json.dumps(report, indent=1)  # one line per finding: JSON strings hold no raw newline
    out.write_text(re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\n\s*", "", m.group()), text) + "\n")
    exits = Counter(str(r["exit"]) for r in results)
    print(f"{len(apps)} apps, {len(jobs)} runs in {report['seconds']} s; exits {dict(exits)}; wrote {out}")


def compare(old_file: Path, new_file: Path) -> int:
    old, new = (json.loads(Path(f).read_text())["apps"] for f in (old_file, new_file))
    differences = []
    for app in sorted(old.keys() | new.keys()):
        if app not in old or app not in new:
            differences.append(f"{app}: only in {'old' if app in old else 'new'}")
            continue
        for run in sorted(old[app].keys() | new[app].keys()):
            a, b = old[app].get(run), new[app].get(run)
            if a is None or b is None:
                differences.append(f"{app} {run}: run only in {'old' if a is not None else 'new'}")
                continue
            if a["exit"] != b["exit"]:
                differences.append(f"{app} {run}: exit {a['exit']} -> {b['exit']}")
            if (a["findings"] is None) != (b["findings"] is None):
                side, bad = ("old", a) if a["findings"] is None else ("new", b)
                differences.append(f"{app} {run}: no findings JSON in {side}: {bad.get('output', '')}")
            elif a["findings"] is None and a.get("output") != b.get("output"):
                differences.append(f"{app} {run}: message {a.get('output')!r} -> {b.get('output')!r}")
            if a["findings"] is None or b["findings"] is None:
                continue
            before, after = Counter(map(tuple, a["findings"])), Counter(map(tuple, b["findings"]))
            for sign, diff in (("-", before - after), ("+", after - before)):
                for finding in sorted(diff.elements()):
                    differences.append(f"{app} {run}: {sign} {' '.join(map(str, finding))}")
    for line in differences:
        print(line)
    print(f"{len(differences)} difference{'s' * (len(differences) != 1)}")
    return 1 if differences else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", type=Path, help="the venv's bin folder holding dashgen")
    parser.add_argument("--corpus", type=Path, help="a folder of app folders")
    parser.add_argument("--out", type=Path, help="the JSON file to write")
    parser.add_argument("--only", help="comma-separated app folder names")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    if not (args.bin and args.corpus and args.out):
        parser.error("--bin, --corpus and --out are needed (or --compare OLD NEW)")
    only = args.only.split(",") if args.only else None
    record(args.bin.resolve(), args.corpus.resolve(), only, args.out)


if __name__ == "__main__":
    main()
