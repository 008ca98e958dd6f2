"""Background callbacks (`background=True`): the job manager, its worker and its packages."""

from __future__ import annotations

from dashgen import background
from dashgen.reading import module_file
from dashgen.rules import ERROR, WARNING, checker, rule

NO_WORKER = rule(
    "background-no-worker", ERROR,
    summary="Background callbacks run on Celery, but the Procfile starts no worker.",
    why="Jobs are queued in Redis and nothing takes them: every job waits forever and the page shows nothing "
    "(tests/test_background.py, with a real Redis).",
    fix="Add a worker: line that starts Celery on the app's Celery object.",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
WORKER_TARGET_MISSING = rule(
    "background-worker-target-missing", ERROR,
    summary="The Procfile's worker: line loads a module or Celery object that does not exist.",
    why="`celery -A module:name worker` exits at start when it cannot load the app, so no job ever runs.",
    fix="Point the worker: line at the app's Celery object.",
    command="dashgen deploy-files --target enterprise --force",
)  # fmt: skip
MANAGER_NOT_INSTALLED = rule(
    "background-manager-not-installed", ERROR,
    summary="The app creates a DiskcacheManager or CeleryManager whose packages requirements.txt does not install.",
    why="Dash imports diskcache (and multiprocess, psutil) or celery when the manager is created, so the module "
    "stops at import.",
    fix="Write dash[diskcache] or dash[celery] on the dash line, keeping its version.",
    command="dashgen deploy-files --target enterprise",
)  # fmt: skip
DISKCACHE_CONTAINERS = rule(
    "background-diskcache-containers", WARNING,
    summary="DiskcacheManager in a Docker image, whose containers each keep their own cache.",
    why="A job started on one web container is polled on another, which answers 204 to every poll: the result "
    "never reaches the page (tests/test_background.py, two instances behind nginx).",
    fix="Run one web container, or use CeleryManager with Redis.",
    targets=("docker",),
)  # fmt: skip


@checker(NO_WORKER, WORKER_TARGET_MISSING)
def worker(project):
    managers = project.job_managers
    if project.procfile is None or background.CELERY not in {manager.kind for manager in managers}:
        return
    source = project.source
    line = next(manager.line for manager in managers if manager.kind == background.CELERY)
    variable = background.celery_variable(managers)
    expected = background.worker_command(source.module, variable)
    found = background.worker_line(project.procfile.text)
    if found is None:
        yield NO_WORKER.finding(
            "Procfile", 0,
            f"{source.path.name}:{line} runs its background callbacks on Celery, but the Procfile starts no worker, "
            "so every job waits in the queue forever and the page shows nothing.",
            f"Add the line worker: {expected}",
        )  # fmt: skip
        return
    number, command = found
    target = background.celery_import_string(command)
    if target is None:
        return
    module, _, name = target.partition(":")
    path = source.path if module == source.module else module_file(module, (source.path.parent,))
    if module == source.module:
        tree = source.tree
    elif path is not None:
        file = project.python(path)
        if file is None:
            return  # not a module dashgen can read: what it defines cannot be told
        tree = file.tree
    else:
        tree = None
    if tree is not None and (not name or name.split(".")[0] in background.module_level_names(tree)):
        return
    if tree is None:
        missing = f"the module {module!r}, which does not exist"
    else:
        missing = f"{name!r}, which {path.name} does not define"
    yield WORKER_TARGET_MISSING.finding(
        "Procfile", number,
        f"The worker: line loads {missing}, so the Celery worker cannot start and no job ever runs.",
        f"Point it at {source.module}:{variable}: worker: {expected}",
    )  # fmt: skip


@checker(MANAGER_NOT_INSTALLED)
def manager_packages(project):
    requirements = project.requirements
    if requirements is None:
        return
    managers = project.job_managers
    dash = requirements.get("dash")
    extras = dash.extras if dash else set()
    for kind in sorted({manager.kind for manager in managers}):
        packages = background.MANAGER_PACKAGES[kind]
        if kind in extras or all(requirements.lists(package) for package in packages):
            continue
        manager = next(manager for manager in managers if manager.kind == kind)
        name = next(name for name, value in background.MANAGER_CLASSES.items() if value == kind)
        yield MANAGER_NOT_INSTALLED.finding(
            "requirements.txt", dash.line if dash else 0,
            f"The app creates a {name} (line {manager.line}), but requirements.txt installs neither dash[{kind}] "
            f"nor {', '.join(packages)}, so the app cannot start.",
            f"Write dash[{kind}] on the dash line, keeping its version.",
            f"dashgen deploy-files --target {project.platform}",
        )  # fmt: skip


@checker(DISKCACHE_CONTAINERS)
def diskcache_containers(project):
    managers = project.job_managers
    if {manager.kind for manager in managers} == {background.DISKCACHE}:
        yield DISKCACHE_CONTAINERS.finding(
            project.shown(project.source.path), managers[0].line,
            "DiskcacheManager keeps each job in its own container's cache folder, so with more than one web "
            "container a job started on one is polled on another and its result never reaches the page.",
            f"Run one web container, or use CeleryManager with Redis (as `dashgen new --background-callbacks` does "
            f"when {background.REDIS_URL_ENV} is set).",
        )  # fmt: skip
