"""Background callbacks (`dashgen new --background-callbacks`, and what check and deploy-files say
about any app that has them): the generated job runs on diskcache with REDIS_URL unset and on a
real Celery worker, started from the Procfile's worker: line, with a real Redis when it is set."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from background_helpers import celery_worker, job_request, process_line, redis_server, start_job, wait_for
from helpers import BIN, DASH_PATH, TOPOLOGIES, boot, free_port, own_tests, request, run_dashgen, snapshot

from dashgen.backends import BACKENDS

APPS = Path(__file__).parent / "apps"
WORKER = "celery -A app:celery_app worker --concurrency ${WORKER_CONCURRENCY:-2} --loglevel INFO"
# About 0.5 µs a point on one idle core: a few seconds, or long enough to cancel.
SHORT, LONG = 3_000_000, 40_000_000


def new_jobs(tmp_path: Path, backend: str, topology: str = "default", name: str = "jobs") -> Path:
    result = run_dashgen(
        "new", name, "--backend", backend, "--background-callbacks", *TOPOLOGIES[topology], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return tmp_path / name


def job(page_url: str, points: int, clicked_at: float | None = None):
    """Click Run, as a browser does: the click's time (ms) is part of the job's arguments."""
    state = {"run-job.n_clicks_timestamp": clicked_at or time.time() * 1000, "job-points.value": points}
    return start_job(page_url, "job-result.children", "run-job", state)


def progress_values(job) -> list[int]:
    return [int(seen["job-progress.value"]) for seen in job.progress]


# --- The generated project's files ------------------------------------------------------------


@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_generated_project_has_a_worker_and_the_managers_packages(tmp_path, backend, topology):
    project = new_jobs(tmp_path, backend, topology)
    assert process_line(project, "worker") == WORKER
    requirements = (project / "requirements.txt").read_text()
    dash_line = next(line for line in requirements.splitlines() if line.startswith("dash"))
    assert {"celery", "diskcache"} <= set(re.search(r"\[(.*)\]", dash_line).group(1).split(","))
    assert "redis>=" in requirements
    app = (project / "app.py").read_text()
    assert app.count("background=True") == 1 and "celery_app = Celery(" in app
    assert "task_acks_late=True" in app and "worker_prefetch_multiplier=1" in app
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=project, capture_output=True)
    assert lint.returncode == 0, lint.stdout
    before = snapshot(project)
    check = run_dashgen("check", "--target", "enterprise", cwd=project)
    assert check.returncode == 0 and "0 errors, 0 warnings" in check.stdout, check.stdout
    deploy = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deploy.returncode == 0 and "identical  Procfile" in deploy.stdout, deploy.stdout + deploy.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_copier_copy_makes_the_same_background_project(tmp_path, backend):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from copier import run_copy

    data = {"project_name": "jobs", "backend": backend, "background_callbacks": True}
    run_copy(str(Path(__file__).resolve().parent.parent / "templates"), tmp_path / "copier", data=data, defaults=True)
    (tmp_path / "dashgen").mkdir()
    ours = snapshot(new_jobs(tmp_path / "dashgen", backend))
    theirs = snapshot(tmp_path / "copier")
    assert theirs.keys() == ours.keys()
    assert {path: text for path, text in theirs.items() if not path.startswith(".copier")} == {
        path: text for path, text in ours.items() if not path.startswith(".copier")
    }
    assert b"background_callbacks: true" in ours[".copier-answers.yml"]


def test_check_reads_the_generated_managers_and_deploy_files_restores_the_worker(tmp_path):
    project = new_jobs(tmp_path, "fastapi")
    procfile = project / "Procfile"
    written = procfile.read_text()
    procfile.write_text("".join(line for line in written.splitlines(True) if not line.startswith("worker:")))
    checked = run_dashgen("check", cwd=project)
    assert checked.returncode == 1 and "background-no-worker" in checked.stdout, checked.stdout
    deployed = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deployed.returncode == 0, deployed.stderr
    assert process_line(project, "worker") == WORKER


def test_generated_tests_run_the_job_on_diskcache(tmp_path):
    project = new_jobs(tmp_path, "quart")
    # The tests unset REDIS_URL themselves.
    tests = own_tests(project, "-k", "long_job", env={**_environment(), "REDIS_URL": "redis://127.0.0.1:9/0"})
    assert tests.returncode == 0 and "2 passed" in tests.stdout, tests.stdout + tests.stderr
    assert (project / "cache").is_dir()


# The job ends between Dash's two questions: its process has written the result and exited
# after Dash read no result and before Dash asks whether it still runs. Dash's own managers
# answer "lost" (the page gets 204 and stops polling); the generated ones read once more.
LATE_RESULT = """
import subprocess, sys
sys.path.insert(0, ".")
import app
from dash import DiskcacheManager

ended = subprocess.Popen([sys.executable, "-c", "pass"])
ended.wait()


def ends_while_read(base):
    class Manager(base):
        def job_running(self, job):
            self.handle.set("result", {"answer": 42})
            return super().job_running(job)

    return Manager(app.background_callback_manager.handle)


for base in (type(app.background_callback_manager), DiskcacheManager):
    manager = ends_while_read(base)
    manager.handle.delete("result")
    result = manager.get_result("result", str(ended.pid))
    print(base.__name__, "lost" if result is manager.UNDEFINED else result)
"""


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_job_that_ends_while_dash_reads_its_result_is_not_lost(tmp_path, backend):
    project = new_jobs(tmp_path, backend)
    environment = {key: value for key, value in _environment().items() if key != "REDIS_URL"}
    run = subprocess.run(
        [sys.executable, "-c", LATE_RESULT], cwd=project, capture_output=True, text=True, env=environment, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["DiskcacheJobs {'answer': 42}", "DiskcacheManager lost"], run.stdout


def _environment() -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


# --- check and deploy-files on hand-written apps ---------------------------------------------------


def hand_written(tmp_path: Path, app: str, procfile: str | None, requirements: str) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(APPS / app, project / "app.py")
    if procfile is not None:
        (project / "Procfile").write_text(procfile)
    (project / "requirements.txt").write_text(requirements)
    return project


CELERY_REQUIREMENTS = "dash[celery]>=4.2.0\ngunicorn>=23.0\nredis>=4.5\n"
FLASK_WEB = "web: gunicorn app:server --workers ${WEB_CONCURRENCY:-2}\n"


def test_celery_app_without_a_worker_line_is_an_error_that_deploy_files_fixes(tmp_path):
    project = hand_written(tmp_path, "flask_celery_jobs.py", FLASK_WEB, CELERY_REQUIREMENTS)
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1, check.stdout
    assert (
        "error[background-no-worker] Procfile  app.py:9 runs its background callbacks on Celery, "
        "but the Procfile starts no worker" in check.stdout
    )
    assert "run: dashgen deploy-files --target enterprise" in check.stdout

    deploy = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert deploy.returncode == 0, deploy.stderr
    assert "update  Procfile" in deploy.stdout  # the web: line kept, the worker: line added, no --force
    assert (project / "Procfile").read_text() == FLASK_WEB + f"worker: {WORKER}\n"
    assert run_dashgen("check", cwd=project).returncode == 0
    again = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert "identical  Procfile" in again.stdout


@pytest.mark.parametrize(
    ("worker", "message"),
    [
        ("celery -A app:celery worker", "The worker: line loads 'celery', which app.py does not define"),
        ("celery -A tasks:celery_app worker", "The worker: line loads the module 'tasks', which does not exist"),
        ("celery --app=app:make_celery worker", "The worker: line loads 'make_celery', which app.py does not define"),
    ],
)
def test_worker_line_loading_what_the_source_lacks_is_an_error(tmp_path, worker, message):
    project = hand_written(tmp_path, "flask_celery_jobs.py", FLASK_WEB + f"worker: {worker}\n", CELERY_REQUIREMENTS)
    before = snapshot(project)
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1 and f"error[background-worker-target-missing] Procfile:2  {message}" in check.stdout, (
        check.stdout
    )
    assert f"fix: Point it at app:celery_app: worker: {WORKER}" in check.stdout
    refused = run_dashgen("deploy-files", "--target", "enterprise", cwd=project)
    assert refused.returncode == 1 and "Procfile differs" in refused.stderr
    assert snapshot(project) == before
    assert run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project).returncode == 0
    assert run_dashgen("check", cwd=project).returncode == 0


@pytest.mark.parametrize(
    ("app", "requirements", "manager", "extra"),
    [
        ("flask_celery_jobs.py", "dash>=4.2.0\ngunicorn>=23.0\n", "CeleryManager (line 9)", "celery"),
        (
            "quart_diskcache_jobs.py",
            "dash[quart]>=4.2.0\nuvicorn[standard]\n",
            "DiskcacheManager (line 8)",
            "diskcache",
        ),
    ],
)
def test_manager_whose_package_is_not_required_is_an_error(tmp_path, app, requirements, manager, extra):
    project = hand_written(tmp_path, app, None, requirements)
    check = run_dashgen("check", cwd=project)
    assert check.returncode == 1, check.stdout
    assert (
        f"error[background-manager-not-installed] requirements.txt:1  The app creates a {manager}, "
        "but requirements.txt installs neither " in (check.stdout)
    )
    assert run_dashgen("deploy-files", "--target", "cloud", cwd=project).returncode == 0
    assert f"{extra}" in (project / "requirements.txt").read_text().splitlines()[0]
    assert run_dashgen("check", cwd=project).returncode == 0
    # The packages themselves, listed without the extra, are as good.
    packages = {"celery": "celery\nredis\n", "diskcache": "diskcache\nmultiprocess\npsutil\n"}[extra]
    (project / "requirements.txt").write_text(requirements + packages)
    assert run_dashgen("check", cwd=project).returncode == 0


def test_diskcache_in_containers_is_a_warning(tmp_path):
    project = hand_written(
        tmp_path, "quart_diskcache_jobs.py", None, "dash[quart,diskcache]>=4.2.0\nuvicorn[standard]\n"
    )
    assert "0 errors, 0 warnings" in run_dashgen("check", cwd=project).stdout
    check = run_dashgen("check", "--target", "docker", cwd=project)
    assert check.returncode == 0, check.stdout
    assert (
        "warning[background-diskcache-containers] app.py:8  DiskcacheManager keeps each job in its own "
        "container's cache folder" in check.stdout
    )
    deploy = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert deploy.returncode == 0 and "DiskcacheManager keeps each job" in deploy.stderr
    assert not (project / "compose.yaml").exists()  # no worker to run: one container, as warned
    assert (project / ".dockerignore").read_text().splitlines()[-1] == "cache/"


def test_generated_project_runs_on_celery_in_docker_without_a_warning(tmp_path):
    project = new_jobs(tmp_path, "fastapi")
    deploy = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert deploy.returncode == 0 and "warning" not in deploy.stderr, deploy.stderr
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "redis"}
    assert services["web"]["build"] == services["worker"]["build"] == "."
    assert services["web"]["image"] == services["worker"]["image"]  # one image, two commands
    assert services["worker"]["command"] == WORKER == process_line(project, "worker")
    for name in ("web", "worker"):
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["redis"]["image"].startswith("redis:")
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "celery -A app:celery_app inspect ping" in services["worker"]["healthcheck"]["test"][1]
    ignored = (project / ".dockerignore").read_text().splitlines()
    assert "cache/" in ignored and "compose.yaml" in ignored
    again = run_dashgen("deploy-files", "--target", "docker", cwd=project)
    assert "identical  compose.yaml" in again.stdout


# --- Running: Redis, a Celery worker, the web: line with 2 workers, behind /demo/ --------------------


@pytest.mark.server
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_job_runs_on_celery_with_progress_result_and_cancel(tmp_path, backend):
    project = new_jobs(tmp_path, backend)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url}
        with (
            celery_worker(project, process_line(project, "worker"), env) as worker,
            boot(project, process_line(project, "web"), prefix="/demo/", env=env) as web,
        ):
            page = f"{web.base}/demo/"
            done = job(page, SHORT)
            result = done.wait()
            assert result["job-result"]["children"].startswith("π ≈ 3.1")
            assert f"from {SHORT:,} points" in result["job-result"]["children"]
            assert progress_values(done) == sorted(progress_values(done)) and len(done.progress) >= 1
            assert "succeeded in" in worker.output()

            stopped = job(page, LONG)
            wait_for(lambda: stopped.poll() and stopped.progress, 60, worker.output)
            stopped.cancel("cancel-job")
            wait_for(lambda: "Terminating" in worker.output(), 30, worker.output)
            wait_for(lambda: stopped.poll() is not None and stopped.ended, 30, stopped.seen)
            assert stopped.result is None
            assert max(progress_values(stopped)) < 20
        assert "Traceback" not in web.output(), web.output()


@pytest.mark.server
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_same_app_without_redis_url_runs_its_jobs_on_diskcache(tmp_path, backend):
    project = new_jobs(tmp_path, backend, "mount" if backend == "quart" else "default")
    dash = DASH_PATH["mount"] if backend == "quart" else ""
    with boot(project, process_line(project, "web"), prefix="/demo/") as web:
        done = job(f"{web.base}/demo/{dash}", SHORT)
        assert done.wait()["job-result"]["children"].startswith("π ≈ 3.1")
        assert done.progress
    assert (project / "cache").is_dir() and any((project / "cache").iterdir())
    assert "Traceback" not in web.output(), web.output()


@pytest.mark.server
def test_compose_commands_run_for_real(tmp_path):
    """What compose.yaml starts, outside docker: the worker's command and the image's CMD, with
    REDIS_URL pointed at a real Redis instead of the `redis` service."""
    project = new_jobs(tmp_path, "flask")
    assert run_dashgen("deploy-files", "--target", "docker", cwd=project).returncode == 0
    services = yaml.safe_load((project / "compose.yaml").read_text())["services"]
    cmd = next(line for line in (project / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    web_command = yaml.safe_load(cmd.removeprefix("CMD "))[2].removeprefix("exec ")
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": services["web"]["environment"]["REDIS_URL"].replace("redis://redis:6379/0", redis_url)}
        with (
            celery_worker(project, services["worker"]["command"], env) as worker,
            boot(project, web_command, env=env) as web,
        ):
            assert job(f"{web.base}/", SHORT).wait()["job-result"]["children"].startswith("π ≈")
            ping = subprocess.run(
                ["bash", "-c", services["worker"]["healthcheck"]["test"][1]],
                cwd=project,
                capture_output=True,
                text=True,
                env={**_environment(), **env},
                timeout=60,
            )
            assert ping.returncode == 0 and "pong" in ping.stdout, ping.stdout + ping.stderr + worker.output()


# --- Faults ---------------------------------------------------------------------------------------


def web_workers(pid: int) -> list[int]:
    """The server's worker processes (not multiprocessing's resource tracker beside them)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    pids = [int(child) for child in found.stdout.split()]
    return [child for child in pids if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()]


@pytest.mark.server
@pytest.mark.parametrize("backend", ["flask", "fastapi"])
def test_killing_a_web_worker_mid_job_loses_nothing(tmp_path, backend):
    project = new_jobs(tmp_path, backend)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url}
        with (
            celery_worker(project, process_line(project, "worker"), env),
            boot(project, process_line(project, "web"), prefix="/demo/", env=env) as web,
        ):
            running = job(f"{web.base}/demo/", SHORT * 2)
            wait_for(lambda: running.poll() is not None and running.progress, 60, running.seen)
            workers = web_workers(web.process.pid)
            assert len(workers) == 2, workers
            os.kill(workers[0], signal.SIGKILL)
            # The job's state is in Redis: whichever web process answers the next poll has it.
            assert running.wait()["job-result"]["children"].startswith("π ≈ 3.1")


def without_lines(project: Path, *settings: str) -> None:
    app = project / "app.py"
    lines = app.read_text().splitlines(keepends=True)
    app.write_text("".join(line for line in lines if line.strip().split("=")[0] not in settings))


@pytest.mark.server
@pytest.mark.parametrize("settings", ["generated", "celery-defaults"])
def test_killing_the_process_running_a_job(tmp_path, settings):
    """The generated settings put a job whose worker process dies back in the queue; Celery's
    defaults lose it, and the page then stops waiting with no result and no message."""
    project = new_jobs(tmp_path, "fastapi")
    if settings == "celery-defaults":
        without_lines(project, "task_acks_late", "task_reject_on_worker_lost", "worker_prefetch_multiplier")
    jobs, lost = 4, 0
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url, "WORKER_CONCURRENCY": "2"}
        with (
            celery_worker(project, process_line(project, "worker"), env) as worker,
            boot(project, process_line(project, "web"), env=env) as web,
        ):
            started = [job(f"{web.base}/", SHORT * 2, clicked_at=n) for n in range(jobs)]
            wait_for(lambda: started[0].poll() is not None and started[0].progress, 60, started[0].seen)
            for pid in worker.pool_pids():
                os.kill(pid, signal.SIGKILL)  # both pool processes, each in the middle of a job
            for one in started:
                wait_for(lambda one=one: one.poll() is not None and (one.result or one.ended), 180, one.seen)
                lost += one.result is None
            assert "exited with 'signal 9 (SIGKILL)'" in worker.output()
    if settings == "generated":
        assert lost == 0, worker.output()
    else:
        assert lost >= 1, worker.output()  # the ended jobs: Dash answered 204, the page reset itself


@pytest.mark.server
def test_redis_unreachable_at_start_is_one_line_not_a_hang(tmp_path):
    project = new_jobs(tmp_path, "quart")
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0", "WORKER_CONCURRENCY": "1"}
    started = time.monotonic()
    worker = subprocess.run(
        ["bash", "-c", f"exec {process_line(project, 'worker')}"],
        cwd=project,
        env={**_environment(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode != 0 and time.monotonic() - started < 45
    unreachable = [line for line in worker.stderr.splitlines() if "is not reachable" in line]
    assert len(unreachable) == 1 and "Connection refused" in unreachable[0], worker.stderr
    with boot(project, process_line(project, "web"), env=env) as web:
        assert request(f"{web.base}/").status == 200  # the page is served all the same
        clicked = time.monotonic()
        state = {"run-job.n_clicks_timestamp": 1, "job-points.value": 1000}
        body, end_id = job_request(f"{web.base}/", "job-result.children", "run-job", state)
        failed = request(f"{web.base}/_dash-update-component?endId={end_id}", body)
        assert failed.status == 500 and time.monotonic() - clicked < 15
        lines = [line for line in web.output().splitlines() if "is not reachable" in line]
        assert len(lines) == 2, web.output()  # one per web process, nothing repeated


# --- Many machines, simulated: two working copies behind a round-robin nginx ------------------------

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@contextmanager
def round_robin(tmp_path: Path, upstreams: list[str]):
    """Debian's nginx on a free port, alternating requests between `upstreams` (host:port)."""
    port = free_port()
    root = tmp_path / f"nginx-{port}"
    root.mkdir()
    servers = "".join(f"        server {upstream};\n" for upstream in upstreams)
    (root / "nginx.conf").write_text(f"""\
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    upstream web {{
{servers}    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://web;
            proxy_set_header Host $host;
            # nginx runs its workers as nobody, who cannot write temp files in a test folder.
            proxy_buffering off;
            # FastAPI and Quart pages open Dash's WebSocket even without WebSocket callbacks.
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }}
    }}
}}
""")
    process = subprocess.Popen(
        [NGINX, "-p", str(root), "-c", str(root / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: request_ok(f"http://127.0.0.1:{port}/demo/"), 30, lambda: (root / "error.log").read_text())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def request_ok(url: str) -> bool:
    try:
        return request(url, timeout=5).status == 200
    except OSError:
        return False


def two_copies(tmp_path: Path) -> tuple[Path, Path]:
    """The same project in two folders, as two machines would each have it."""
    (tmp_path / "a").mkdir()
    first = new_jobs(tmp_path / "a", "fastapi")
    second = tmp_path / "b" / "jobs"
    shutil.copytree(first, second)
    return first, second


@pytest.mark.server
def test_two_web_instances_share_jobs_through_redis(tmp_path):
    first, second = two_copies(tmp_path)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url, "WEB_CONCURRENCY": "1", "WORKER_CONCURRENCY": "2"}
        with (
            celery_worker(first, process_line(first, "worker"), env) as worker,
            boot(first, process_line(first, "web"), prefix="/demo/", env=env) as one,
            boot(second, process_line(second, "web"), prefix="/demo/", env=env) as other,
            round_robin(tmp_path, [one.base[7:], other.base[7:]]) as proxy,
        ):
            crossed = job(f"{one.base}/demo/", SHORT)
            assert crossed.wait(f"{other.base}/demo/")["job-result"]["children"].startswith("π ≈ 3.1")
            # A bounded load through the proxy: every poll alternates between the two instances.
            jobs = [job(f"{proxy}/demo/", 200_000, clicked_at=n) for n in range(50)]
            results = [one_job.wait(timeout=240)["job-result"]["children"] for one_job in jobs]
            assert all(result.startswith("π ≈ 3.1") for result in results)
            # Celery logs a job after storing its result: the last line may trail the last poll.
            wait_for(lambda: worker.output().count("succeeded in") == 51, 30, worker.output)


@pytest.mark.server
def test_two_web_instances_on_diskcache_do_not_share_jobs(tmp_path):
    """What the warning for DiskcacheManager in containers says: each instance has its own cache
    folder, so a job started on one is unknown to the other."""
    first, second = two_copies(tmp_path)
    with (
        boot(first, process_line(first, "web"), prefix="/demo/", env={"WEB_CONCURRENCY": "1"}) as one,
        boot(second, process_line(second, "web"), prefix="/demo/", env={"WEB_CONCURRENCY": "1"}) as other,
    ):
        started = job(f"{one.base}/demo/", SHORT)
        deadline = time.monotonic() + 20
        answers = set()
        while time.monotonic() < deadline:
            reply = request(started.url(f"{other.base}/demo/", **started.handles), started.body)
            answers.add(reply.status)
            assert '"response"' not in reply.text
            time.sleep(0.5)
        # The instance that started it has the result all along.
        assert started.wait()["job-result"]["children"].startswith("π ≈ 3.1")
        # 204 is Dash's "no such job running": the page stops polling and resets, with no result.
        assert answers == {204}, answers


@pytest.mark.server
def test_without_the_worker_line_jobs_wait_forever_and_deploy_files_fixes_it(tmp_path):
    """The two Procfile errors, run: no worker: line, so a job never starts; a worker: line
    loading a name app.py lacks, so the worker does not start. Then deploy-files' Procfile works."""
    project = new_jobs(tmp_path, "flask")
    web_only = f"web: {process_line(project, 'web')}\n"
    (project / "Procfile").write_text(web_only)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url}
        with boot(project, process_line(project, "web"), env=env) as web:
            waiting = job(f"{web.base}/", SHORT)
            for _ in range(10):
                waiting.poll()
                time.sleep(1)
            assert waiting.result is None and not waiting.progress and not waiting.ended  # queued, forever

            (project / "Procfile").write_text(web_only + "worker: celery -A app:celery worker\n")
            broken = subprocess.run(
                ["bash", "-c", f"exec {process_line(project, 'worker')}"],
                cwd=project,
                env={**_environment(), **env},
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert broken.returncode != 0 and "celery" in broken.stderr, broken.stderr
            assert run_dashgen("check", cwd=project).returncode == 1

            assert run_dashgen("deploy-files", "--target", "enterprise", "--force", cwd=project).returncode == 0
            assert run_dashgen("check", cwd=project).returncode == 0
            with celery_worker(project, process_line(project, "worker"), env):
                assert waiting.wait()["job-result"]["children"].startswith("π ≈ 3.1")  # the queued job ran
