"""`dashgen deploy-files`: the files each platform needs, derived from the app as it is, and
merged into what the user already has."""

from __future__ import annotations

import ast
import itertools
import re
import shlex
import sys
from dataclasses import dataclass, field, replace

from dashgen import background, rules
from dashgen.backends import Backend
from dashgen.edits import bound_names, bound_through, insert_after_line
from dashgen.errors import InvalidInput, Refused
from dashgen.nodes import nodes
from dashgen.plan import CONFLICT, CREATE, FORCE, IDENTICAL, INSERT, UPDATE, FileChange, Plan, change_for
from dashgen.procfile import WebCommand, production_command
from dashgen.project import SERVERS, Project
from dashgen.reading import read_text
from dashgen.requirements import FILE, Requirements, declared_dependencies, including, parse_requirement
from dashgen.rules import Finding
from dashgen.rules.background import NO_WORKER, WORKER_TARGET_MISSING
from dashgen.rules.cloud import next_step
from dashgen.rules.requirements import needed_requirements
from dashgen.source import AppSource

ADDED_MARKER = "# added by dashgen"


# What deploy-files cannot fix itself and reports: a pin it must not touch, the app's own code.
_REPORTED = ("requirements", "dependencies", "background", "cloud", "source", "websocket")


@dataclass
class Deployment:
    """What deploy-files decided, for the CLI to print."""

    plan: Plan
    import_string: str  # module:server, what the production server loads
    warnings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was kept, dropped or left alone, and why
    refusal: str = ""  # a file left alone on purpose, said after the rest was written (exit 1)
    refusal_detail: str = ""


def validate_python(version: str | None) -> str:
    if version is None:
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    if not re.fullmatch(r"3\.\d{1,2}", version):
        raise InvalidInput(f"--python {version!r} is not a Python version: write it like 3.12.")
    return version


def plan_deploy(project: Project, *, python: str, force: bool = False, dry_run: bool = False) -> Deployment:
    """The deploy files for the project's target (`project.target`)."""
    source, target = project.source, project.target
    backend = source.serving
    root = source.project_root
    served = source.entry
    if not served.loadable:
        renamed = re.sub(r"[.:\s]", "_", served.path.stem)
        raise Refused(
            f"{served.path.name} cannot be loaded by that name (a dot in it names a package), so no server can load "
            f"it: rename it to {renamed}.py first."
        )
    served_text, server = _with_server_variable(source)
    source = source._replace(served=served._replace(server_name=server))
    project = project.with_source(source)
    import_string = f"{source.module}:{server}"
    plan = Plan(root)
    relative_served = served.path.relative_to(root).as_posix()
    if served_text != served.file.text:
        where = f"{relative_served}:{served.app_line + 1}"
        plan.changes.append(
            FileChange(
                relative_served, INSERT, served_text, served.file.text, where=where, encoding=served.file.encoding
            )
        )
    deployment = Deployment(plan, import_string)

    requirements = project.requirements
    base = requirements or _new_requirements(project, deployment)  # what the merge starts from
    managers = project.job_managers
    kinds = background.manager_kinds(managers)
    wanted = with_background_requirements(needed_requirements(source), kinds)
    merged = merge_requirements(base, wanted)
    worker = (
        background.worker_command(source.module, background.celery_variable(managers))
        if background.CELERY in kinds
        else None
    )
    command = production_command(source)
    if target == "enterprise":
        plan.changes.append(_procfile_change(project, command, worker, force, deployment))
    if target == "docker":
        for name in ("Dockerfile", ".dockerignore"):
            read_text(root / name)  # a pipe, a device or a huge file there is refused before it is read
        includes = base.includes if base else ()
        plan.changes.append(
            change_for(
                root, "Dockerfile", dockerfile(backend, command, python, _page_path(source), includes), force=force
            )
        )
        plan.changes.append(change_for(root, ".dockerignore", dockerignore(managers), force=force))
        if worker is not None:
            plan.changes.append(change_for(root, "compose.yaml", compose_yaml(source, worker), force=force))
    old_requirements = requirements.text if requirements else None
    action = CREATE if old_requirements is None else IDENTICAL if old_requirements == merged else UPDATE
    encoding = requirements.encoding if requirements else "utf-8"
    plan.changes.append(FileChange(FILE, action, merged, old_requirements, encoding=encoding))

    after = base.with_text(merged) if base else _fresh_requirements(root, merged)
    procfile_after = next((change.new_text for change in plan.changes if change.path == "Procfile"), None)
    written = project.with_files(procfile=procfile_after, requirements=after)
    deployment.warnings += rules.findings(written, features=_REPORTED)
    if target == "cloud":
        deployment.notes.append(next_step(source))
    if not dry_run:
        _refuse_conflicts(deployment, project)
    return deployment


def _new_requirements(project: Project, deployment: Deployment) -> Requirements | None:
    """What the requirements.txt deploy-files creates starts from: a package's own file, included
    (`-r pkg/requirements.txt`), else pyproject.toml's [project] dependencies; None for neither."""
    if project.package_requirements:
        return including(project.root, project.package_requirements)
    declared = declared_dependencies(project.root)
    if not declared:
        return None
    # What the project declares it needs, where the platform reads it: pip installs requirements.txt.
    deployment.notes.append(
        "requirements.txt: pyproject.toml's [project] dependencies, and what the app needs besides."
    )
    return _fresh_requirements(project.root, "# pyproject.toml [project] dependencies\n" + "\n".join(declared) + "\n")


def _fresh_requirements(root, text: str):
    from dashgen.requirements import Requirements

    return Requirements(root / FILE, "", "utf-8", (), (), ()).with_text(text)


def _procfile_change(
    project: Project, command: str, worker: str | None, force: bool, deployment: Deployment
) -> FileChange:
    """The Procfile's web: line as `_web_change` decides it, and a Celery app's worker: line: added
    when missing, without --force, since without it every job waits in the queue forever."""
    change = _web_change(project, command, force, deployment)
    if worker is None:
        return change
    text = change.new_text
    newline = "\r\n" if "\r\n" in text else "\n"
    existing = background.worker_line(text)
    if existing is None:
        if text and not text.endswith(("\n", "\r")):
            text += newline
        action = UPDATE if change.action == IDENTICAL else change.action
        return change._replace(action=action, new_text=f"{text}worker: {worker}{newline}", where="Procfile")
    worker_rules = {NO_WORKER.code, WORKER_TARGET_MISSING.code}
    wrong = rules.findings(project.with_files(procfile=text), features=("background",), codes=worker_rules)
    if not wrong:
        return change  # the user's worker: line loads the app's Celery: kept, with its options
    lines = text.splitlines(keepends=True)
    ending = lines[existing[0] - 1][len(lines[existing[0] - 1].rstrip("\r\n")) :]
    lines[existing[0] - 1] = f"worker: {worker}{ending}"
    deployment.notes.append(f"Procfile: `worker: {existing[1]}` is replaced: {wrong[0].problem}")
    return change._replace(action=FORCE if force else CONFLICT, new_text="".join(lines), where="Procfile")


def _web_change(project: Project, command: str, force: bool, deployment: Deployment) -> FileChange:
    """The Procfile: created, kept when it is right for the app, else refused or (with --force)
    mended: only what is wrong is replaced, the user's compatible settings stay."""
    source, procfile = project.source, project.procfile
    if project.procfile_error is not None:
        raise project.procfile_error  # one that bash cannot read is refused, with the line
    if procfile is None:
        return FileChange("Procfile", CREATE, f"web: {command}\n")
    web = procfile.web
    errors = [finding for finding in _procfile_findings(project, procfile.text) if finding.severity == "error"]
    if web is not None and web.server in SERVERS and not errors:
        deployment.notes.append(f"Procfile kept: `{web.text}` serves {source.module}:{source.server_name} already.")
        return FileChange("Procfile", IDENTICAL, procfile.text, procfile.text, where="Procfile (kept)")
    if web is not None and web.server == "python" and not errors and not force:
        deployment.notes.append(
            f"Procfile kept: `{web.text}` runs Dash's development server, which serves one request at a time; "
            f"--force replaces it with `{command}`."
        )
        return FileChange("Procfile", IDENTICAL, procfile.text, procfile.text, where="Procfile (kept)")
    if web is not None and web.script and web.server == "":
        deployment.notes.append(
            f"Procfile kept: it runs {web.script}, and dashgen cannot tell which server that script starts; "
            f"make sure it runs `{command}`."
        )
        return FileChange("Procfile", IDENTICAL, procfile.text, procfile.text, where="Procfile (kept)")
    mended, dropped = mend_procfile(procfile.text, web, command, source)
    deployment.notes += dropped
    if web is not None and web.script:
        deployment.notes.append(f"Procfile: `{web.text}` is replaced by the server command itself ({web.notes[0]}).")
    action = FORCE if force else CONFLICT
    return FileChange("Procfile", action, mended, procfile.text)


def _refuse_conflicts(deployment: Deployment, project: Project) -> None:
    """A file that would change is refused. A Procfile that is not wrong for the app (a dev
    server, a command dashgen does not know) blocks nothing else: the rest is written, then the
    refusal is said."""
    conflicts = deployment.plan.conflicts
    if not conflicts:
        return
    reasons = []
    blocking = False
    for change in conflicts:
        findings = _procfile_findings(project, change.old_text or "") if change.path == "Procfile" else []
        errors = " ".join(finding.problem for finding in findings if finding.severity == "error")
        others = " ".join(finding.problem for finding in findings if finding.severity != "error")
        blocking = blocking or change.path != "Procfile" or bool(errors)
        why = f" and is wrong ({errors})" if errors else f" ({others})" if others else ""
        reasons.append(f"{change.path} differs{why}")
    message = f"{', '.join(reasons)}: run again with --force to replace it (the diff is below)."
    detail = "".join(change.diff() for change in conflicts)
    if blocking:
        raise Refused(message, detail=detail)
    written = ", ".join(change.path for change in deployment.plan.writes)
    deployment.refusal = message + (f" Written all the same: {written}." if written else "")
    deployment.refusal_detail = detail


def _procfile_findings(project: Project, text: str) -> list[Finding]:
    """What the procfile rules say of this Procfile text for the app, whatever the target."""
    return rules.findings(replace(project.with_files(procfile=text), target=None), features=("procfile",))


def _server_names():
    """`server`, then names that say the same, for a module that already uses `server`."""
    yield from ("server", "dash_server", "wsgi_server")
    yield from (f"dash_server_{number}" for number in itertools.count(2))


def _with_server_variable(source: AppSource) -> tuple[str, str]:
    """The served module's text with a module-level server variable, and that variable's name.

    Dash Enterprise's docs require `server = app.server`, and gunicorn cannot load `app:app.server`."""
    served = source.entry
    if served.server_name is not None:
        return served.file.text, served.server_name
    taken = bound_names(served.file.tree)
    if served.app_name.split(".")[0] not in bound_through(served.file.tree, served.app_line):
        # `server = app.server` above what binds `app` compiles, and stops the module at import.
        raise Refused(
            f"{served.path.name} does not bind {served.app_name} at module level where dashgen can tell, so it cannot "
            f"add `server = {served.app_name}.server` there: add it after the app exists and run this again."
        )
    name = next(candidate for candidate in _server_names() if candidate not in taken)
    line = f"{name} = {served.app_name}.server"
    text, _ = insert_after_line(served.file.text, served.app_line, line, blank_before=0, blank_after=0)
    return text, name


# Options the replacement server understands the same way, by the user's spelling: kept, with
# their value, when --force moves a Procfile to another server.
_SHARED_OPTIONS = {
    ("gunicorn", "uvicorn"): {"-w": "--workers", "--workers": "--workers", "--log-level": "--log-level",
                              "--root-path": "--root-path", "--forwarded-allow-ips": "--forwarded-allow-ips"},
    ("uvicorn", "gunicorn"): {"--workers": "--workers", "--log-level": "--log-level",
                              "--forwarded-allow-ips": "--forwarded-allow-ips"},
    ("hypercorn", "uvicorn"): {"-w": "--workers", "--workers": "--workers", "--log-level": "--log-level",
                               "--root-path": "--root-path"},
    ("waitress-serve", "gunicorn"): {},
}  # fmt: skip
_BIND_OPTIONS = ("-b", "--bind", "--listen")
_LIFESPAN_DROPPED = "Procfile: dropped `--lifespan off`: Dash adds its catch-all route at lifespan start-up."


def dockerignore(managers: list[background.JobManager]) -> str:
    """Each container keeps its own job cache: a developer's cache folder has no place in the image."""
    from dashgen.render import render_deploy_file

    folders = sorted({manager.cache_folder for manager in managers if manager.cache_folder}, key=lambda f: f"{f}/")
    celery = any(manager.kind == background.CELERY for manager in managers)
    return render_deploy_file("dockerignore", celery=celery, cache_folders=folders)


def compose_yaml(source: AppSource, worker: str) -> str:
    """web and worker from the one image the Dockerfile builds, and Redis between them."""
    from dashgen.render import render_deploy_file

    image = re.sub(r"[^a-z0-9_.-]+", "-", source.path.parent.name.lower()).strip("-.") or "dash-app"
    return render_deploy_file(
        "compose.yaml",
        image=image,
        worker=worker,
        redis_url_env=background.REDIS_URL_ENV,
        celery_app=background.celery_import_string(worker),
        passed_through=mcp_variables(source),
    )


def mcp_variables(source: AppSource) -> list[str]:
    """The DASH_MCP_* variables the app reads (`dashgen new --mcp`: its token and allowed
    origins), in the order read: compose passes them from where it runs, the files hold no value."""
    names = []
    for call in nodes(source.tree, ast.Call):
        if ast.unparse(call.func) in ("os.environ.get", "os.getenv", "environ.get", "getenv") and call.args:
            value = call.args[0]
            if isinstance(value, ast.Constant) and str(value.value).startswith("DASH_MCP_"):
                names.append(value.value)
    return list(dict.fromkeys(names))


def mend_procfile(text: str, web: WebCommand | None, command: str, source: AppSource) -> tuple[str, list[str]]:
    """The Procfile with its web: command mended for the app, every other line as it was, and
    what was dropped, with why. On the same server only the module:variable and an unfitting
    worker class change; on another server the options it shares are carried over."""
    newline = "\r\n" if "\r\n" in text else "\n"
    new_command, dropped = mended_command(web, command, source)
    lines = re.split(r"(?<=\n)|(?<=\r)(?!\n)", text) if text else []
    lines = [line for line in lines if line]
    if web is None:
        head = lines and not lines[-1].endswith(("\n", "\r"))
        return "".join(lines) + (newline if head else "") + f"web: {new_command}{newline}", dropped
    old = lines[web.line - 1]
    ending = old[len(old.rstrip("\r\n")) :]
    match = re.match(r"(\ufeff?\s*web\s*:\s*)", old)
    lines[web.line - 1] = f"{match.group(1)}{new_command}{ending}"
    return "".join(lines), dropped


def mended_command(web: WebCommand | None, command: str, source: AppSource) -> tuple[str, list[str]]:
    """The web command mended for the app, and what was dropped (each said of the Procfile)."""
    if web is not None and not web.script and web.server in SERVERS:
        return _mended_command(web, command, source)
    if web is not None and web.text and not web.script:
        return command, [f"Procfile: `{web.text}` is replaced: it does not start a production server for the app."]
    return command, []


def _mended_command(web: WebCommand, command: str, source: AppSource) -> tuple[str, list[str]]:
    backend = source.serving
    wanted = backend.server_name
    words = {word.text for word in web.words}
    import_string = command.split()[1] if command.split()[1] not in ("--chdir", "--app-dir") else command.split()[3]
    if web.server == wanted or web.is_asgi == backend.asgi:
        return _same_server(web, import_string, source)  # the server fits the app (or will, without its -k)
    dropped = []
    kept: list[str] = []
    shared = _SHARED_OPTIONS.get((web.server, wanted), {})
    for option in web.options:
        if option.name == "--lifespan" and option.value == "off" and backend.routes_at_lifespan:
            dropped.append(_LIFESPAN_DROPPED)
        elif option.name in shared and option.value is not None:
            kept.append(f"{shared[option.name]} {option.value}")
        elif option.name in _BIND_OPTIONS and option.value:
            kept.append(_bind_for(wanted, option.value))
        elif option.name in ("--host", "--port") and option.value and wanted == "gunicorn":
            continue  # gathered into --bind below
        else:
            spelled = " ".join(word.text for word in option.words)
            dropped.append(f"Procfile: dropped `{spelled}`: {wanted} has no such option for a {backend.label} app.")
    if wanted == "gunicorn" and {"--host", "--port"} & words:
        host = web.option("--host")
        port = web.option("--port")
        kept.append(f"--bind {(host.value if host else '0.0.0.0')}:{port.value if port else '8000'}")
    base = command
    if any(option.startswith("--workers ") for option in kept):
        base = re.sub(r" --workers \S+", "", base)
    if any(option.startswith(("--host", "--bind")) for option in kept):
        base = re.sub(r" --host \S+ --port \S+", "", base)
    reason = f"{web.server} cannot serve a {backend.label} app ({'ASGI' if backend.asgi else 'WSGI'})"
    dropped.insert(0, f"Procfile: {web.server} is replaced by {wanted}: {reason}.")
    return " ".join([base, *kept]), dropped


def _bind_for(server: str, value: str) -> str:
    if server == "gunicorn":
        return f"--bind {value}"
    host, _, port = value.rpartition(":")
    return f"--host {host or '0.0.0.0'} --port {port}"


def _same_server(web: WebCommand, import_string: str, source: AppSource) -> tuple[str, list[str]]:
    """Only the words that are wrong are rewritten, in place: quoting, order, comments stay."""
    backend = source.serving
    edits: list[tuple[int, int, str]] = []
    dropped = []
    module = import_string.partition(":")[0]
    if web.import_word is None:
        edits.append((web.words[0].end, web.words[0].end, f" {import_string}"))
    elif web.import_string != import_string:
        edits.append((web.import_word.start, web.import_word.end, import_string))
        dropped.append(f"Procfile: `{web.import_string}` is replaced by `{import_string}`, what the module defines.")
    worker = web.option("-k", "--worker-class")
    if worker is not None and backend.asgi != web.is_asgi:
        edits.append((worker.words[0].start, worker.words[-1].end, ""))
        dropped.append(f"Procfile: dropped `-k {worker.value}`: that worker cannot serve a {backend.label} app.")
    lifespan = web.option("--lifespan")
    if lifespan is not None and lifespan.value == "off" and backend.routes_at_lifespan:
        edits.append((lifespan.words[0].start, lifespan.words[-1].end, ""))
        dropped.append(_LIFESPAN_DROPPED)
    app_dir = source.entry.app_dir
    if app_dir and app_dir not in web.import_dirs and module == source.module:
        anchor = web.words[0].end
        edits.append((anchor, anchor, f" {backend.app_dir_option} {app_dir}"))
    text = web.text
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return re.sub(r"  +", " ", text).strip(), dropped


def docker_command(command: str) -> list[str]:
    """The Procfile's command as a container runs it: gunicorn must bind to all interfaces, and
    ${WEB_CONCURRENCY:-2} needs a shell to expand."""
    if "--host" not in command and "--bind" not in command:
        command += " --bind 0.0.0.0:8000"
    if "$" in command:
        return ["sh", "-c", f"exec {command}"]
    return shlex.split(command)


def dockerfile(backend: Backend, command: str, python: str, page: str, includes: tuple[str, ...] = ()) -> str:
    from dashgen.render import render_deploy_file

    return render_deploy_file(
        "Dockerfile",
        label=backend.label,
        server_name=backend.server_name,
        python=python,
        includes=includes,
        page=page,
        command=docker_command(command),
    )


def _page_path(source: AppSource) -> str:
    """Where Dash's page answers when DASH_ROUTES_PATHNAME_PREFIX is unset."""
    return source.dash_mount.path if source.dash_mount else "/"


# --- requirements.txt -------------------------------------------------------------------


def with_background_requirements(wanted: list[str], kinds: set[str]) -> list[str]:
    """The dash line with the extras of the app's job managers, and the Redis client for Celery."""
    extras, others = background.requirements_for(kinds)
    if not extras:
        return wanted
    lines = []
    for line in wanted:
        requirement = parse_requirement(line)
        if requirement.name == "dash":
            names = ",".join(sorted(requirement.extras | extras))
            line = f"dash[{names}]{requirement.specifier}"
        lines.append(line)
    return lines + others


def merge_requirements(existing: Requirements | None, wanted: list[str]) -> str:
    """Every existing line kept as written; a missing extra added to the user's own line; what
    is missing appended under a marker comment. A version specifier is never changed."""
    text = existing.text if existing else ""
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
    lines = re.split(r"\r\n|\n|\r", text)
    if lines and lines[-1] == "":
        lines.pop()
    missing: list[str] = []
    extended = False
    for line in wanted:
        want = parse_requirement(line)
        found = existing.get(want.name) if existing else None
        if found is None:
            missing.append(line)
        elif not want.extras <= found.extras and found.name == "dash":
            # Only Dash's extras decide whether the app starts; a server listed as the user wrote
            # it (uvicorn without [standard]) serves HTTP and is left as it is.
            if found.file == existing.path and found.url is None:
                index = found.line - 1
                lines[index] = _with_extras(lines[index], found.extras | want.extras)
                extended = True
            else:
                # Declared in an included file (left as it is) or as a URL: pip merges the extras.
                missing.append(f"{want.name}[{','.join(sorted(want.extras))}]")
    if not missing and not extended:
        return text  # nothing to add: not even a final newline
    if missing:
        if lines and lines[-1].strip():
            lines.append("")
        lines += [ADDED_MARKER, *missing]
    return newline.join(lines) + newline


def _with_extras(line: str, extras: set[str]) -> str:
    """The same line with the extras added to the name; specifier, markers and comment as written."""
    match = re.match(r"(\s*)([A-Za-z0-9._-]+)(\s*\[[^\]]*\])?", line)
    assert match is not None
    names = ",".join(sorted(extras))
    return line[: match.start(2)] + f"{match.group(2)}[{names}]" + line[match.end() :]
