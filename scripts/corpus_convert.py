#!/usr/bin/env python3
"""Run `dashgen convert` on a corpus of real apps and diff each conversion against its original.

    python scripts/corpus_convert.py CORPUS [--backend quart --backend fastapi] [--app NAME ...]

CORPUS holds `apps/<name>/` (one app per folder), `sources.json` (a list of
`{app, repo, commit, path, flask_features, convert_args?, diff_args?}`) and optionally
`deps/<name>/` and `deps/_common/` (packages installed with `pip install --target`, both put on
PYTHONPATH for the servers; PYTHONPATH wins over the venv, so they must not hold
dash/flask/quart/fastapi/plotly).

For each app and backend: the app is copied twice into a scratch dir (`original/`, `converted/`);
a `dash` pin in requirements*.txt is relaxed to `dash>=4.2.0` in BOTH copies (what the user is
told to do first; recorded as `relaxed`); `python -m dashgen convert --backend B` runs in
`converted/` with PYTHONPATH=--dashgen; on exit 0 the differential harness
(`--diff`, default /work/shared/tools/convert_diff.py) boots the original on gunicorn and the
conversion on uvicorn, at the root and below /p/, with the app's deps dir on PYTHONPATH.
Every subprocess runs in its own process group, killed on timeout, so no server outlives a run.

Writes CORPUS/results.json (after every app, so `--resume` skips what is done) and
CORPUS/results.md (app | repo@commit | one column per backend); `--out FILE.json` writes them
elsewhere (FILE.json and FILE.md), so a run over a few apps keeps the corpus' record.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

PIN = re.compile(r"^(?P<name>dash)(?P<extras>\[[^\]]*\])?\s*(?P<spec>[<>=~!][^;#]*)?(?P<rest>[;#].*)?$", re.I)
SERVE_HINT = re.compile(r"No Procfile web: line: serve the app with `uvicorn (\S+)")
SUMMARY = re.compile(r"convert-diff: (\d+)/(\d+) requests equal.*")


def relax_dash_pin(folder: Path) -> list[str]:
    """Rewrite a `dash` line pinned anywhere but >=4.2 in requirements*.txt to `dash>=4.2.0`."""
    changes = []
    for req in sorted(folder.rglob("requirements*.txt")):
        lines = req.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            m = PIN.match(line.strip())
            if not m or not m["spec"] or m["spec"].strip().startswith(">=4"):
                continue
            lines[i] = f"dash{m['extras'] or ''}>=4.2.0" + (f" {m['rest']}" if m["rest"] else "")
            changes.append(f"{req.relative_to(folder)}:{i + 1}: {line.strip()} -> {lines[i]}")
        if changes:
            req.write_text("\n".join(lines) + "\n")
    return changes


def run(cmd: list[str], cwd: Path, env: dict, timeout: float) -> tuple[int, str, str]:
    """Run cmd in its own process group; on timeout kill the whole group (servers included)."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return -9, out, err + f"\nTIMEOUT after {timeout:.0f}s"
    return proc.returncode, out, err


def convert_one(args, corpus: Path, src: dict, backend: str) -> dict:
    app = src["app"]
    scratch = Path(tempfile.mkdtemp(prefix=f"corpus-{app}-{backend}-"))
    try:
        orig, conv = scratch / "original", scratch / "converted"
        ignore = shutil.ignore_patterns("__pycache__", ".git")
        shutil.copytree(corpus / "apps" / app, orig, symlinks=True, ignore=ignore)
        relaxed = relax_dash_pin(orig)
        shutil.copytree(orig, conv, symlinks=True)
        env = dict(os.environ, PYTHONPATH=args.dashgen)
        env.pop("PORT", None)
        cmd = [args.python, "-m", "dashgen", "convert", "--backend", backend, *src.get("convert_args", [])]
        rc, out, err = run(cmd, conv, env, 300)
        res = {"rc": rc, "relaxed": relaxed, "stdout": out.splitlines()[-40:], "stderr": err.splitlines()}
        res["blockers"] = [ln for ln in res["stderr"] if re.match(r"^\S+:\d+: ", ln)]
        res["crash"] = "Traceback" in err
        if rc != 0:
            return res
        deps = [str(d.resolve()) for d in (corpus / "deps" / app, corpus / "deps" / "_common") if d.is_dir()]
        denv = dict(os.environ, PYTHONPATH=os.pathsep.join(deps))
        denv.pop("PORT", None)
        tally = scratch / "tally.json"
        cmd = [
            args.python,
            args.diff,
            "--python-bin",
            str(Path(args.python).parent),
            "--original",
            str(orig),
            "--converted",
            str(conv),
            "--json",
            str(tally),
            *src.get("diff_args", []),
        ]
        told = SERVE_HINT.search(out)  # no Procfile: serve it as convert told the user to
        if told and "--converted-app" not in cmd:
            cmd += ["--converted-app", told[1]]
            res["converted_app"] = told[1]
        drc, dout, derr = run(cmd, scratch, denv, args.diff_timeout)
        lines = dout.splitlines()
        summary = next((ln for ln in reversed(lines) if SUMMARY.match(ln)), None)
        res["diff"] = {
            "rc": drc,
            "summary": summary,
            "mismatches": [ln for ln in lines if not SUMMARY.match(ln)],
            "stderr": derr.splitlines()[-20:],
        }
        if tally.exists():
            res["diff"]["tally"] = json.loads(tally.read_text())
        if res["diff"]["mismatches"] and drc != 0:
            res["control"] = control(args, cmd, orig, scratch, denv, res["diff"]["mismatches"])
        return res
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _request(line: str) -> str:
    """`MISMATCH [root] layout GET /_dash-layout: ...` -> `[root] layout GET /_dash-layout`."""
    return line.removeprefix("MISMATCH ").split(": ", 1)[0]


def control(args, cmd: list[str], orig: Path, scratch: Path, env: dict, mismatches: list[str]) -> dict:
    """The same requests to the original and a second process of the original (both gunicorn): a
    request that differs there too draws a value per process (a uuid in the layout, say), so its
    mismatch is the app's, not the conversion's."""
    control_cmd = [*cmd[: cmd.index("--converted") + 1], str(orig), *cmd[cmd.index("--converted") + 2 :]]
    for option in ("--json", "--converted-app"):  # the conversion's tally and module:variable
        if option in control_cmd:
            at = control_cmd.index(option)
            del control_cmd[at : at + 2]
    rc, out, _ = run([*control_cmd, "--converted-server", "gunicorn"], scratch, env, args.diff_timeout)
    own = {_request(line) for line in out.splitlines() if line.startswith("MISMATCH")}
    return {"rc": rc, "own": sorted(own), "left": [line for line in mismatches if _request(line) not in own]}


# A callback that raises PreventUpdate: 204 and no body on both, with a Content-Type that is the
# backend's (Flask's text/html; uvicorn serving Dash's FastAPI reply says application/json), as a
# Dash app with no Flask code at all answers on each: Dash's difference, not the conversion's.
NO_CONTENT = re.compile(
    r"orig=204 conv=204: orig …\[204, \"[^\"]*\", null, \[\"\w+\", (\"\"|0, 0)\]\]… "
    r"vs conv …\[204, \"[^\"]*\", null, \[\"\w+\", (\"\"|0, 0)\]\]…"
)


def cell(res: dict | None) -> str:
    if res is None:
        return "—"
    relaxed = " (dash pin relaxed)" if res.get("relaxed") else ""
    if res.get("crash"):
        return f"CRASH: {(res['stderr'] or ['?'])[-1]}"[:160]
    if res["rc"] != 0:
        first = (res["blockers"] or [ln for ln in res["stderr"] if ln.strip()] or ["?"])[0]
        return f"refused ({len(res['blockers'])}): {first}"[:200].replace("|", "\\|") + relaxed
    d = res.get("diff", {})
    m = SUMMARY.match(d.get("summary") or "")
    verdict = f"equal {m[1]}/{m[2]}" if m else f"diff rc={d.get('rc')}, no summary"
    if m and m[2] == "0":
        verdict = "converted; neither server booted, nothing compared"
    elif m and m[1] != m[2] and res.get("control") is not None:
        left = res["control"]["left"]
        no_content = [line for line in left if NO_CONTENT.search(line)]
        if len(no_content) == len(left):
            own = int(m[2]) - int(m[1]) - len(left)
            verdict = f"equal {m[1]}/{m[2]}" + (f" + {own} that differ between two processes of the original too"
                                                if own else "")  # fmt: skip
            verdict += f" + {len(left)} PreventUpdate 204s whose Content-Type is the backend's" if left else ""
        else:
            verdict = f"DIFFERS {m[1]}/{m[2]}"
    elif m and m[1] != m[2]:
        verdict = f"DIFFERS {m[1]}/{m[2]}"
    return verdict + relaxed


def write_md(out: Path, sources: list[dict], results: dict, backends: list[str]) -> None:
    rows = ["| app | repo@commit | " + " | ".join(backends) + " |", "|---|---|" + "---|" * len(backends)]
    for s in sources:
        cells = [cell(results.get(f"{s['app']}/{b}")) for b in backends]
        where = f"{s['repo']}@{s['commit'][:10]} ({s.get('path') or '.'})"
        rows.append(f"| {s['app']} | {where} | " + " | ".join(cells) + " |")
    out.with_suffix(".md").write_text("\n".join(rows) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--backend", action="append", choices=["quart", "fastapi"])
    ap.add_argument("--app", action="append", help="only these apps (repeatable)")
    ap.add_argument("--python", default="/tmp/venv-main/bin/python")
    ap.add_argument("--dashgen", default="/work/main", help="PYTHONPATH for `python -m dashgen`")
    ap.add_argument("--diff", default="/work/shared/tools/convert_diff.py")
    ap.add_argument("--diff-timeout", type=float, default=900)
    ap.add_argument("--out", type=Path, help="results file (default CORPUS/results.json; its .md beside it)")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="keep results.json entries already there (with every entry there: only rewrite results.md)",
    )
    args = ap.parse_args()
    backends = args.backend or ["quart", "fastapi"]
    sources = json.loads((args.corpus / "sources.json").read_text())
    out = args.out or args.corpus / "results.json"
    results = json.loads(out.read_text()) if args.resume and out.exists() else {}
    for src in sources:
        if args.app and src["app"] not in args.app:
            continue
        for b in backends:
            key = f"{src['app']}/{b}"
            if key in results:
                continue
            results[key] = convert_one(args, args.corpus, src, b)
            print(f"{key}: {cell(results[key])}", flush=True)
            out.write_text(json.dumps(results, indent=1))
            write_md(out, sources, results, backends)
    write_md(out, sources, results, backends)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
