"""Background jobs at scale: 50 one-second jobs submitted at once to the generated app.

    python bench/jobs.py [--jobs 50] [--job-seconds 1] [--workers 1 2 4] [--no-docs]

It generates `dashgen new jobs --backend fastapi --background-callbacks`, calibrates the job's
size so that one job is about a second of work on one idle core, then, side by side in one run:
the app on Celery (a real Redis from Debian's redis-server, the Procfile's worker: line with
WORKER_CONCURRENCY = 1, 2 and 4, the web: line with its 2 workers) and the same app with
REDIS_URL unset, on DiskcacheManager. Each job is clicked as a browser does (its own click time,
so no two share a cache key) and polled every half second, as Dash's renderer does, until its
result arrives. The figure is the time from the first click to the last result.

It prints a Markdown table, writes bench/results/jobs.json and rewrites docs/benchmarks.md's
section between the bench:jobs markers (unless --no-docs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from apps import add_no_docs_option, publish  # noqa: E402
from background_helpers import celery_worker, process_line, redis_server, start_job  # noqa: E402
from helpers import boot  # noqa: E402
from quiet import add_busy_option, load_note, wait_until_quiet  # noqa: E402

POLL_SECONDS = 0.5  # Dash's renderer polls a background callback about this often
# Who spends the 2 cores during a run, by command line: the job's own processes against the rest.
ROLES = {"celery": "workers", "uvicorn": "web", "redis-server": "redis"}


def generate(work: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "dashgen", "new", "jobs", "--backend", "fastapi", "--background-callbacks", "-q"],
        cwd=work,
        check=True,
    )
    return work / "jobs"


def points_per_second() -> float:
    """How many points the generated job handles in a second on one core (its own loop)."""
    rng = random.Random(1)
    started = time.perf_counter()
    count = 1_000_000
    sum(rng.random() ** 2 + rng.random() ** 2 <= 1 for _ in range(count))
    return count / (time.perf_counter() - started)


def cpu_by_role() -> dict[str, float]:
    """CPU seconds (user + system, with exited children's) so far of every process, summed by role:
    a process's role is its command line's, else its parent's (uvicorn's workers and
    DiskcacheManager's job processes are multiprocessing children); this process is the client."""
    tick = os.sysconf("SC_CLK_TCK")
    processes: dict[int, tuple[int, str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process has gone
            continue
        cpu = sum(int(value) for value in fields[11:15]) / tick
        processes[int(stat.parent.name)] = (int(fields[1]), command, cpu)

    def role(pid: int, depth: int = 0) -> str | None:
        if pid == os.getpid():
            return "client"
        if pid not in processes or depth > 10:
            return None
        parent, command, _ = processes[pid]
        return next((r for key, r in ROLES.items() if key in command), None) or role(parent, depth + 1)

    seconds: dict[str, float] = {}
    for pid, (_, _, cpu) in processes.items():
        if (found := role(pid)) is not None:
            seconds[found] = seconds.get(found, 0.0) + cpu
    return seconds


def run_jobs(page_url: str, jobs: int, points: int) -> dict:
    """Click Run `jobs` times at once; wait for every result. Returns the figures."""
    started = time.monotonic()

    def one(number: int) -> float:
        job = start_job(
            page_url,
            "job-result.children",
            "run-job",
            {"run-job.n_clicks_timestamp": time.time() * 1000 + number, "job-points.value": points},
            timeout=jobs * 30,  # a browser waits for an answer as long as it takes
        )
        job.wait(timeout=jobs * 30, every=POLL_SECONDS)
        slowest.append(job.slowest_poll)
        return time.monotonic() - started

    slowest: list[float] = []

    load = os.getloadavg()[0]
    cpu_before = cpu_by_role()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        finished = list(pool.map(one, range(jobs)))
    cpu_after = cpu_by_role()
    cpu = {role: round(cpu_after[role] - cpu_before.get(role, 0.0), 1) for role in cpu_after}
    # The machine's other load shares the same 2 cores: a figure is only as good as this is low.
    load = max(load, os.getloadavg()[0])
    figures = {"seconds": round(max(finished), 1), "first": round(min(finished), 1), "jobs": jobs}
    return figures | {"load": load, "slowest_poll": round(max(slowest), 1), "cpu": cpu}


def measure(project: Path, work: Path, jobs: int, points: int, workers: list[int]) -> list[dict]:
    rows = []
    for count in workers:
        with ExitStack() as stack:
            redis_url = stack.enter_context(redis_server(work))
            env = {"REDIS_URL": redis_url, "WORKER_CONCURRENCY": str(count)}
            stack.enter_context(celery_worker(project, process_line(project, "worker"), env))
            web = stack.enter_context(boot(project, process_line(project, "web"), env=env))
            row = {"setup": f"Celery, {count} worker process{'es' * (count > 1)}", "processes": count}
            rows.append(row | run_jobs(f"{web.base}/", jobs, points))
            print(rows[-1], flush=True)
    with boot(project, process_line(project, "web")) as web:  # REDIS_URL unset: DiskcacheManager
        row = {"setup": "DiskcacheManager (a process per job, web: 2 workers)", "processes": jobs}
        rows.append(row | run_jobs(f"{web.base}/", jobs, points))
        print(rows[-1], flush=True)
    return rows


def markdown(rows: list[dict], jobs: int, job_seconds: float, points: int) -> list[str]:
    one = next((row["seconds"] for row in rows if row["processes"] == 1 and row["setup"].startswith("Celery")), None)
    lines = [
        f"{jobs} jobs of about {job_seconds:g} s each ({points:,} points, calibrated on this machine's idle core) "
        f"submitted at once; Python {sys.version.split()[0]}, {os.cpu_count()} cores.",
        "",
        "| setup | all done | first result | jobs/s | vs 1 Celery process | slowest poll | load average "
        "| CPU s: workers | web | redis | client | of the 2 cores |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        speedup = f"{one / row['seconds']:.2f}x" if one else ""
        cpu = [row["cpu"].get(role, 0.0) for role in ("workers", "web", "redis", "client")]
        lines.append(
            f"| {row['setup']} | {row['seconds']:.1f} s | {row['first']:.1f} s | "
            f"{row['jobs'] / row['seconds']:.2f} | {speedup} | {row['slowest_poll']:.1f} s | {row['load']:.1f} | "
            + " | ".join(f"{value:.1f}" for value in cpu)
            + f" | {sum(cpu) / (row['seconds'] * (os.cpu_count() or 1)):.0%} |"
        )
    lines += [
        "",
        "CPU s: seconds of CPU (user + system) each role spent during the run, read from /proc: the",
        "Celery worker processes, the web server's uvicorn workers answering the clicks and the polls",
        "(on DiskcacheManager the jobs too: each runs in a process started by a web worker), Redis,",
        "and this bench's client threads; the last column is their sum over the run's 2 cores.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--job-seconds", type=float, default=1.0)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    add_no_docs_option(parser)
    add_busy_option(parser)
    arguments = parser.parse_args()
    load = wait_until_quiet(arguments.busy)
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as folder:
        work = Path(folder)
        project = generate(work)
        points = int(points_per_second() * arguments.job_seconds)
        rows = measure(project, work, arguments.jobs, points, arguments.workers)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "jobs.json").write_text(json.dumps({"points": points, "rows": rows}, indent=2))
    lines = markdown(rows, arguments.jobs, arguments.job_seconds, points)
    lines[0] += " " + load_note(load)
    publish("jobs", lines, docs=not arguments.no_docs)


if __name__ == "__main__":
    main()
