"""Boot real apps the way a platform would, after dashgen has prepared them.

    python scripts/realworld_boot.py APPS_DIR --dashgen VENV/bin --base VENV [--only a,b] [--work DIR]

For each app folder in APPS_DIR (or those named by --only): copy it to WORK, run
`dashgen deploy-files --target enterprise` and `dashgen add-route /api/health` there, make a
Python venv that sees the packages of the --base venv (current Dash, gunicorn, uvicorn, ...)
under the app's own requirements.txt (installed over them, as written after dashgen), then boot
the Procfile's `web:` command on 127.0.0.1 on a free port, without and with
DASH_ROUTES_PATHNAME_PREFIX=/p/, and ask for the page, `_dash-layout` and `/api/health`.

An app passes when, for both prefixes, the page is Dash's index page (200), `_dash-layout` is a
JSON layout that is not null (200) and `/api/health` answers 200 with the body add-route wrote.
Apps whose requirements do not install (old pins without wheels for this Python) are reported
as such and are neither passes nor failures. Prints a table and writes WORK/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import Reply, boot, dash_config, request  # noqa: E402

HEALTH = {"route": "/api/health", "method": "GET"}
PREFIXES = (None, "/p/")


def run(args: list[str], cwd: Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
    )


def web_command(project: Path) -> str | None:
    """The Procfile's web: command as the platform reads it (BOM, CRLF, comments allowed)."""
    procfile = project / "Procfile"
    if not procfile.is_file():
        return None
    for line in procfile.read_text(encoding="utf-8-sig", errors="replace").splitlines():
        name, sep, command = line.strip().partition(":")
        if sep and name.strip() == "web":
            return command.strip()
    return None


def make_venv(where: Path, base: Path, requirements: Path | None) -> tuple[bool, str]:
    """A venv whose own site-packages come first and the base venv's after them (a .pth file:
    `--system-site-packages` would reach the interpreter's packages, not the base venv's)."""
    shutil.rmtree(where, ignore_errors=True)
    try:
        made = run([sys.executable, "-m", "venv", str(where)], cwd=where.parent, timeout=900)
    except subprocess.TimeoutExpired:
        return False, "python -m venv took over 900 s"
    if made.returncode:
        return False, made.stderr[-500:]
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(where), "platbase": str(where)}))
    base_lib = Path(sysconfig.get_path("purelib", vars={"base": str(base), "platbase": str(base)}))
    (purelib / "zz-realworld-base.pth").write_text(f"{base_lib}\n")
    if requirements is None:
        link_servers(where, base)
        return True, "no requirements.txt"
    started = time.monotonic()
    try:
        install = run(
            [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--prefer-binary", "-r", requirements.name],
            cwd=requirements.parent,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        return False, "pip install took over 600 s"
    if install.returncode:
        return False, install.stderr.strip().splitlines()[-1][:300] if install.stderr.strip() else "pip failed"
    link_servers(where, base)
    return True, f"installed in {time.monotonic() - started:.0f} s"


def ask(url: str) -> Reply:
    try:
        return request(url, timeout=60)
    except OSError as error:  # a worker that died mid-answer: URLError, reset, timeout
        return Reply(0, f"no answer: {error}", "")


def said(reply: Reply) -> str:
    return "no answer" if reply.status == 0 else str(reply.status)


def link_servers(where: Path, base: Path) -> None:
    """The base venv's commands (gunicorn, uvicorn, ...) run by this venv's Python, so that they see
    the app's own packages: the base's scripts would run the base's interpreter."""
    for script in (base / "bin").iterdir():
        target = where / "bin" / script.name
        if target.exists() or not script.is_file():
            continue
        with script.open("rb") as handle:
            first = handle.readline()
        if not (first.startswith(b"#!") and b"python" in first):
            continue
        target.write_text(f'#!/bin/sh\nexec "{where / "bin" / "python"}" "{script}" "$@"\n')
        target.chmod(0o755)


def probe(base_url: str) -> dict[str, str]:
    """What the page, the layout and the health route answer: 'ok' or what went wrong."""
    seen = {}
    page = ask(base_url)
    try:
        dash_config(page.text)
        seen["page"] = "ok" if page.status == 200 else said(page)
    except AssertionError:
        seen["page"] = f"{said(page)}, not Dash's page"
    layout = ask(f"{base_url}_dash-layout")
    if layout.status != 200:
        seen["layout"] = said(layout)
    else:
        try:
            seen["layout"] = "ok" if layout.json() is not None else "null"
        except ValueError:
            seen["layout"] = "200, not JSON"
    health = ask(f"{base_url}api/health")
    if health.status != 200:
        seen["health"] = said(health)
    else:
        try:
            seen["health"] = "ok" if health.json() == HEALTH else f"200, body {health.text[:60]!r}"
        except ValueError:
            seen["health"] = f"200, body {health.text[:60]!r}"
    return seen


def boot_app(project: Path, command: str, bin_dirs: list[Path], prefix: str | None) -> dict:
    env = {
        "PATH": os.pathsep.join([*map(str, bin_dirs), os.environ["PATH"]]),
        "WEB_CONCURRENCY": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        with boot(project, command, prefix=prefix, timeout=120, env=env) as server:
            seen = probe(f"{server.base}{prefix or '/'}")
            if any(value != "ok" for value in seen.values()):
                seen["log"] = server.output()[-3000:]
                seen["why"] = why(seen["log"])
            return seen
    except AssertionError as error:
        return {"boot": "failed", "log": str(error)[-3000:], "why": why(str(error))}


def why(log: str) -> str:
    """The last exception line of a server log, the shortest account of what went wrong."""
    lines = [line.strip() for line in log.splitlines() if re.search(r"(Error|Exception)\b.*:", line)]
    # gunicorn says a missing attribute in a line of its own, not as an exception.
    lines = lines or [line.strip() for line in log.splitlines() if "Failed to find attribute" in line]
    return lines[-1][:200] if lines else ""


def check_app(src: Path, work: Path, dashgen: Path, base: Path) -> dict:
    project = work / "apps" / src.name
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(src, project, symlinks=True)
    result: dict = {"app": src.name}
    for key, args in (("deploy", ["deploy-files", "--target", "enterprise"]), ("route", ["add-route", "/api/health"])):
        done = run([str(dashgen / "dashgen"), *args], cwd=project, timeout=120)
        result[key] = {"rc": done.returncode, "output": (done.stdout + done.stderr)[-2000:]}
    command = web_command(project)
    result["command"] = command
    if command is None:
        result["status"] = "no Procfile web: command"
        return result
    requirements = project / "requirements.txt"
    env_dir = work / "venvs" / src.name
    ok, note = make_venv(env_dir, base, requirements if requirements.is_file() else None)
    result["install"] = note
    if not ok:
        result["status"] = "requirements do not install"
        return result
    python = env_dir / "bin" / "python"
    versions = run([str(python), "-c", "import dash; print(dash.__version__)"], cwd=project)
    result["dash"] = versions.stdout.strip() or versions.stderr.strip().splitlines()[-1:]
    result["boots"] = {
        str(prefix or "/"): boot_app(project, command, [env_dir / "bin", base / "bin"], prefix) for prefix in PREFIXES
    }
    passed = all(
        set(seen) == {"page", "layout", "health"} and set(seen.values()) == {"ok"} for seen in result["boots"].values()
    )
    result["status"] = "pass" if passed else "fail"
    return result


def cell(seen: dict) -> str:
    if "boot" in seen:
        return f"no boot ({seen['why']})"
    return " ".join(f"{key}:{value}" for key, value in seen.items() if key not in ("log", "why"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("apps", type=Path, help="a folder of app folders")
    parser.add_argument("--dashgen", type=Path, required=True, help="the bin/ folder holding the dashgen to try")
    parser.add_argument("--base", type=Path, required=True, help="a venv with current Dash, gunicorn, uvicorn, ...")
    parser.add_argument("--only", default="", help="comma-separated app folder names")
    parser.add_argument("--work", type=Path, default=Path("/tmp/realworld-boot"))
    options = parser.parse_args()
    only = [name for name in options.only.split(",") if name]
    sources = [options.apps / name for name in only] or sorted(p for p in options.apps.iterdir() if p.is_dir())
    options.work.mkdir(parents=True, exist_ok=True)
    (options.work / "venvs").mkdir(exist_ok=True)
    results = []
    for src in sources:
        started = time.monotonic()
        try:
            result = check_app(src, options.work, options.dashgen, options.base.resolve())
        except subprocess.TimeoutExpired as error:
            result = {"app": src.name, "status": f"harness timeout: {error.cmd[:3]}", "deploy": {}, "route": {}}
        result["seconds"] = round(time.monotonic() - started)
        results.append(result)
        boots = result.get("boots", {})
        print(
            f"{result['app']:40} {result['status']:28}"
            f" deploy={result['deploy'].get('rc')} route={result['route'].get('rc')}"
            f"  /: {cell(boots.get('/', {})) if boots else '-'}  /p/: {cell(boots.get('/p/', {})) if boots else '-'}",
            flush=True,
        )
        for prefix, seen in boots.items():
            if seen.get("why"):
                print(f"    {prefix}: {seen['why']}", flush=True)
        if result["status"] == "requirements do not install":
            print(f"    {result['install']}", flush=True)
        (options.work / "results.json").write_text(json.dumps(results, indent=1))
    booted = [r for r in results if "boots" in r]
    passed = sum(r["status"] == "pass" for r in booted)
    print(f"{len(results)} apps; {len(booted)} installed and booted; {passed} passed, {len(booted) - passed} failed")
    return 0 if booted and passed == len(booted) else 1


if __name__ == "__main__":
    sys.exit(main())
