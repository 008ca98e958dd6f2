"""The command line: parse options, call one function per command, print the result.

Heavy modules (jinja2, yaml, rich) are imported inside the commands that need them, so
`dashgen --help` starts fast. The annotations are evaluated where the commands are defined, not
postponed: Typer reads every command's at each start, and evaluating postponed ones took it four
times as long.
"""

import builtins
import os
import re
import signal
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Annotated

import typer

from dashgen import __version__
from dashgen.backends import BACKENDS, DEFAULT_BACKEND
from dashgen.errors import DashgenError, Interrupted, InvalidInput, Refused

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich's help formatter alone costs more start-up time than the rest.
    rich_markup_mode=None,
    help="Working Dash projects for Flask, FastAPI and Quart, and the files to deploy them.",
)

# Options several commands share.
AppFile = Annotated[Path | None, typer.Option("--app", help="The module that creates the Dash app (default: found).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")]

_ACTION_STYLES = {
    "create": "green",
    "update": "cyan",
    "insert": "cyan",
    "force": "yellow",
    "identical": "blue",
    "conflict": "red",
    "conflicted": "red",
}


def _version(value: bool) -> None:
    if value:
        print(f"dashgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Working Dash projects for Flask, FastAPI and Quart, and the files to deploy them."""


@contextmanager
def _reported(document=None) -> Iterator[None]:
    """Expected failures become one sentence on stderr and their exit status; no traceback.
    `document(error)`, when given, is printed on stdout too: what a program reading it parses."""
    try:
        yield
    except DashgenError as error:
        if document is not None:
            _print_text(document(error))
        console = _console(stderr=True)
        console.print(f"[bold red]error:[/] {_plain(error.message)}", highlight=False)
        if error.detail:
            console.print(_visible(_lines(error.detail)), highlight=False, markup=False)
        raise typer.Exit(error.exit_code) from None


# A tag of rich's markup, after the backslashes before it (rich.markup's own pattern): what
# `_plain` escapes, and what plain output leaves out.
_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")
# The control codes rich's Text drops from what it prints (rich.control.STRIP_CONTROL_CODES).
_STRIPPED = dict.fromkeys((7, 8, 11, 12, 13))
# Whitespace at the end of a line, which rich trims from a line wider than the terminal.
_LINE_END_SPACE = re.compile(r"[^\S\n]$", re.M)


def _plain(text: object) -> str:
    """Text shown as it is: `dash[fastapi]` is not rich markup, and an escape sequence in a
    file name is shown escaped instead of steering the terminal. The rule of rich.markup.escape,
    written here so that plain output does not import rich."""
    escaped = _MARKUP_TAG.sub(lambda match: f"{match[1]}{match[1]}\\{match[2]}", _visible(str(text)))
    return escaped + "\\" if escaped.endswith("\\") and not escaped.endswith("\\\\") else escaped


def _unmarked(markup: str) -> str:
    """The text rich.markup.render makes of `markup`, without its styles: the tags go, an
    escaped tag stays as text, each pair of backslashes before a tag is one backslash, and `\\[`
    elsewhere is `[`."""
    pieces, position = [], 0
    for match in _MARKUP_TAG.finditer(markup):
        pieces.append(markup[position : match.start()].replace("\\[", "["))
        backslashes, escaped = divmod(len(match[1]), 2)
        pieces.append("\\" * backslashes + (match[2] if escaped else ""))
        position = match.end()
    pieces.append(markup[position:].replace("\\[", "["))
    return "".join(pieces)


def _visible(text: str) -> str:
    """Control characters (except newline and tab) written as Python escapes."""
    return "".join(
        character
        if character in "\n\t" or unicodedata.category(character) not in ("Cc", "Cf", "Cs")
        else repr(character)[1:-1]
        for character in text
    )


def _lines(text: str) -> str:
    """A diff's lines as the terminal shows them: CRLF and CR endings end a line, not `\\r`."""
    return text.replace("\r\n", "\n")


def _console(stderr: bool = False):
    """Where a command prints: rich's Console where rich writes styles, else `_PlainConsole`."""
    if not _styled(sys.stderr if stderr else sys.stdout):
        return _PlainConsole(stderr)
    return _rich_console(stderr)


def _rich_console(stderr: bool):
    from rich.console import Console

    # emoji=False: `file:100:` in a path is text, not an emoji code.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)


def _styled(stream) -> bool:
    """Whether rich writes styles to `stream`, as its Console tells (is_terminal, is_jupyter):
    in Jupyter; else TTY_COMPATIBLE 1 or 0 says, else FORCE_COLOR set (to anything but ""),
    else whether the stream is a terminal."""
    if "get_ipython" in vars(builtins):
        return True
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    isatty = getattr(stream, "isatty", None)
    try:
        return False if isatty is None else isatty()
    except ValueError:  # closed
        return False


class _PlainConsole:
    """What rich's Console prints where it writes no styles (a pipe, a file, CI's log), without
    importing rich: about 20 ms of a command's start-up, a tenth of check's. The markup's text
    without rich's control codes, written and flushed at once as rich does. Text that rich would
    lay out goes to rich: a tab (expanded to rich's cells) or a line ending in whitespace (trimmed
    to the terminal's width)."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr

    def print(self, text: str, *, markup: bool = True, highlight: bool = False, end: str = "\n") -> None:
        shown = (_unmarked(text) if markup else text).translate(_STRIPPED)
        if "\t" in shown or _LINE_END_SPACE.search(shown):
            _rich_console(self._stderr).print(text, markup=markup, highlight=highlight, end=end)
            return
        stream = sys.stderr if self._stderr else sys.stdout
        try:
            stream.write(shown + end)
        except UnicodeEncodeError as error:  # as rich says it
            error.reason = f"{error.reason}\n*** You may need to add PYTHONIOENCODING=utf-8 to your environment ***"
            raise
        stream.flush()


def _here() -> Path:
    try:
        return Path.cwd()
    except FileNotFoundError:
        raise Refused("The current folder no longer exists: cd into an existing folder and run again.") from None


def _project_folder(app_file: Path | None) -> Path:
    """The folder a command edits: --app's, else the current one."""
    here = _here()
    return (here / app_file).parent if app_file is not None else here


def _print_plan(plan, *, quiet: bool, show_diffs: bool) -> None:
    if quiet:
        return
    console = _console()
    for change in plan.changes:
        style = _ACTION_STYLES[change.action]
        where = change.where or change.path
        console.print(f"[{style}]{change.action:>10}[/]  {_plain(where)}")
        if show_diffs and change.action != "identical" and change.old_text is not None:
            console.print(_visible(_lines(change.diff())), markup=False, highlight=False, end="")
        elif change.action != "identical":
            for note in plan.notes:
                console.print(_visible(note), markup=False, highlight=False)


def _writing(root: Path, *, dry_run: bool):
    """The project's write lock, held while the command reads, plans and applies."""
    from dashgen.plan import writing

    return nullcontext() if dry_run else writing(root)


def _apply(plan, *, dry_run: bool, force: bool = False) -> None:
    if dry_run:
        return
    plan.replace_links = force
    _applying.append(plan)
    plan.apply()


_applying: list = []  # the plans this run applies: what an interruption message reports


def _show(plan, *, quiet: bool, dry_run: bool) -> None:
    """Printed after the plan was applied: a closed stdout cannot stop or lose the write."""
    _print_plan(plan, quiet=quiet, show_diffs=dry_run)
    if dry_run and not quiet:
        _console().print("Dry run: nothing was written.")


def _ask_backend() -> str:
    choices = "/".join(BACKENDS)
    answer = typer.prompt(f"Server backend ({choices})", default=DEFAULT_BACKEND)
    return answer.strip().lower()


@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Project name: a Python identifier, also the folder.")],
    backend: Annotated[
        str | None,
        typer.Option(help=f"Server backend: {', '.join(BACKENDS)} (default {DEFAULT_BACKEND})."),
    ] = None,
    own_server: Annotated[
        bool, typer.Option(help="Create the server in app.py and pass it to Dash(server=...).")
    ] = False,
    mount: Annotated[str, typer.Option(help="Serve Dash at this path on the app's own server, e.g. /dash/.")] = "",
    static_site: Annotated[
        bool, typer.Option(help="A static site at /app/, Dash at /dashboard/, a shared /api/data.")
    ] = False,
    async_callbacks: Annotated[bool, typer.Option(help="Write the callbacks as async def.")] = False,
    websocket_callbacks: Annotated[
        bool, typer.Option(help="A live chart fed over Dash's WebSocket callbacks (FastAPI, Quart).")
    ] = False,
    background_callbacks: Annotated[
        bool, typer.Option(help="A long job with progress and cancel: diskcache, or Celery when REDIS_URL is set.")
    ] = False,
    pages: Annotated[
        bool, typer.Option(help="A multi-page app (Dash Pages): a home page, one more, navigation, a 404 page.")
    ] = False,
    mcp: Annotated[
        bool, typer.Option(help="Dash's MCP server for AI agents, behind a bearer token (DASH_MCP_TOKEN).")
    ] = False,
    directory: Annotated[Path, typer.Option(help="The folder to create the project in.")] = Path("."),
    dry_run: Annotated[bool, typer.Option(help="Show what would be written; write nothing.")] = False,
    force: Annotated[bool, typer.Option(help="Write into an existing folder; files not in the template stay.")] = False,
    quiet: Quiet = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Ask nothing; use the defaults.")] = False,
) -> None:
    """Create a working Dash project for the chosen backend and topology."""
    from dashgen.new import new_project, plan_new

    with _reported():
        _here()  # a removed current folder is said plainly, before anything else
        if backend is None:
            backend = _ask_backend() if sys.stdin.isatty() and not yes else DEFAULT_BACKEND
        project = new_project(
            name,
            backend=backend.lower(),
            own_server=own_server,
            mount=mount,
            static_site=static_site,
            async_callbacks=async_callbacks,
            background_callbacks=background_callbacks,
            directory=directory,
            websocket_callbacks=websocket_callbacks,
            pages=pages,
            mcp=mcp,
        )
        with _writing(project.root, dry_run=dry_run):
            plan = plan_new(project, force=force)
            _apply(plan, dry_run=dry_run, force=force)
    _show(plan, quiet=quiet, dry_run=dry_run)
    if quiet or dry_run:
        return
    if not plan.writes:
        _console().print("Nothing to do: every file is already as the template makes it.")
        return
    _console().print(f"\nNext:\n  cd {_plain(project.root)}\n  pip install -r requirements.txt\n  python app.py")


@app.command("add-route")
def add_route(
    path: Annotated[str, typer.Argument(help="The route's path below the prefix, e.g. /api/items/{item_id:int}.")],
    method: Annotated[str, typer.Option(help="HTTP method: GET, POST, PUT, PATCH or DELETE.")] = "GET",
    kind: Annotated[str, typer.Option(help="http, websocket (FastAPI, Quart) or sse.")] = "http",
    name: Annotated[str | None, typer.Option(help="The function's name (default: from the path).")] = None,
    app_file: AppFile = None,
    dry_run: Annotated[bool, typer.Option(help="Show the diff; write nothing.")] = False,
    quiet: Quiet = False,
) -> None:
    """Add a prefix-aware custom route to an existing Dash app, generated or hand-written."""
    from dashgen.entry import find_app
    from dashgen.routes import plan_add_route, route_spec

    with _reported():
        spec = route_spec(path, method=method, kind=kind, name=name)
        with _writing(_project_folder(app_file), dry_run=dry_run):
            source = find_app(_here(), app_file)
            plan = plan_add_route(source, spec)
            _apply(plan, dry_run=dry_run)
    if not quiet:
        _print_found(source)
    _show(plan, quiet=quiet, dry_run=dry_run)


@app.command("add-page")
def add_page(
    module: Annotated[str, typer.Argument(help="The page's module below the pages folder: reports, sales/monthly.")],
    path: Annotated[
        str | None, typer.Option(help="The page's path below Dash's (default: from the module, /sales/monthly).")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The browser tab's title (default: the name).")] = None,
    name: Annotated[
        str | None, typer.Option(help="What the navigation shows (default: the title, else from the module).")
    ] = None,
    live: Annotated[
        bool, typer.Option(help="A live chart fed over WebSocket callbacks, as new --websocket-callbacks makes.")
    ] = False,
    job: Annotated[
        bool, typer.Option(help="A long job run by a background callback, as new --background-callbacks makes.")
    ] = False,
    app_file: AppFile = None,
    dry_run: Annotated[bool, typer.Option(help="Show the page module; write nothing.")] = False,
    quiet: Quiet = False,
) -> None:
    """Add a page to a Dash Pages app, generated or hand-written."""
    from dashgen.entry import find_app
    from dashgen.pages import page_spec, plan_add_page

    with _reported():
        spec = page_spec(module, path=path, name=name, title=title, live=live, job=job)
        with _writing(_project_folder(app_file), dry_run=dry_run):
            source = find_app(_here(), app_file)
            plan = plan_add_page(source, spec)
            _apply(plan, dry_run=dry_run)
        if not quiet:
            _print_found(source)
        _show(plan, quiet=quiet, dry_run=dry_run)
        if dry_run and not quiet and plan.writes:
            _console().print(plan.writes[0].new_text, markup=False, highlight=False, end="")


def _print_found(source) -> None:
    from dashgen.backends import BACKENDS

    prefix = f"prefix variable {source.prefix_name}" if source.prefix_name else "no prefix variable yet"
    here = _here()
    # An --app elsewhere names its folder: that is the project being edited.
    shown = source.path.name if source.path.parent == here else os.path.relpath(source.path, here)
    console = _console()
    console.print(
        f"Found the Dash app in {_plain(shown)}: {BACKENDS[source.backend].label} "
        f"({_plain(source.evidence)}), server `{_plain(source.server_expression)}`, {prefix}."
    )
    if source.entry.path != source.path:
        console.print(f"The platform serves {_plain(source.notes[0] if source.notes else source.module)}.")


@app.command("deploy-files")
def deploy_files(
    target: Annotated[str, typer.Option(help="enterprise (Dash Enterprise), cloud (Plotly Cloud) or docker.")],
    python: Annotated[str | None, typer.Option(help="Python version of the Docker image (default: this one).")] = None,
    app_file: AppFile = None,
    dry_run: Annotated[bool, typer.Option(help="Show the plan and the diffs; write nothing.")] = False,
    force: Annotated[bool, typer.Option(help="Replace a Procfile, Dockerfile or .dockerignore that differs.")] = False,
    quiet: Quiet = False,
) -> None:
    """Write the deploy files for a platform, derived from the app as it is."""
    from dashgen.deploy import plan_deploy, validate_python
    from dashgen.entry import read_project
    from dashgen.rules import validate_target

    with _reported():
        target = validate_target(target)
        version = validate_python(python)
        with _writing(_project_folder(app_file), dry_run=dry_run):
            project = read_project(_here(), app_file, target)
            deployment = plan_deploy(project, python=version, force=force, dry_run=dry_run)
            source = project.source
            _apply(deployment.plan, dry_run=dry_run, force=force)
        if not quiet:
            _print_found(source)
            _console().print(f"The production server loads: {_plain(deployment.import_string)}")
        _print_warnings(deployment.warnings)
        _show(deployment.plan, quiet=quiet, dry_run=dry_run)
        if not quiet:
            for note in deployment.notes:
                _console().print(_visible(note), markup=False, highlight=False)
        if deployment.refusal and not dry_run:
            raise Refused(deployment.refusal, detail=deployment.refusal_detail)


@app.command()
def convert(
    backend: Annotated[str, typer.Option(help="quart, or fastapi (Dash and plain JSON GET routes only).")],
    directory: Annotated[Path | None, typer.Argument(help="The project's folder (default: this one).")] = None,
    app_file: AppFile = None,
    dry_run: Annotated[bool, typer.Option(help="Show the plan and the diffs; write nothing.")] = False,
    quiet: Quiet = False,
) -> None:
    """Move a Flask-backed Dash app onto Quart or FastAPI, in place; refuse, changing nothing, what cannot be moved."""
    from dashgen.convert import plan_convert, validate_backend
    from dashgen.entry import read_project

    with _reported():
        chosen = validate_backend(backend.lower())
        folder = (_here() / directory) if directory is not None else _here()
        with _writing(folder / app_file.parent if app_file is not None else folder, dry_run=dry_run):
            project = read_project(folder, app_file)
            conversion = plan_convert(project, chosen)
            _apply(conversion.plan, dry_run=dry_run)
    if not quiet:
        _print_found(project.source)
    _show(conversion.plan, quiet=quiet, dry_run=dry_run)
    _print_warnings(conversion.warnings)
    if quiet:
        return
    console = _console()
    for note in conversion.notes:
        console.print(_visible(note), markup=False, highlight=False)
    if not conversion.plan.writes:
        already = f"the app runs on {chosen.label} already" if conversion.already else "every file is converted"
        console.print(f"Nothing to convert: {already}.")


@app.command()
def update(
    data: Annotated[
        list[str] | None, typer.Option("--data", help="Change an answer, e.g. --data pages=true (repeatable).")
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--from", help="The template that made the project: a version, commit or template id."),
    ] = None,
    restore: Annotated[
        list[str] | None, typer.Option("--restore", help="Write this deleted file again, as the template makes it.")
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Show every change as a diff; write nothing.")] = False,
    quiet: Quiet = False,
) -> None:
    """Bring this project to the installed dashgen's template, merging each file three ways; your edits stay."""
    from dashgen.update import parse_data, plan_update

    with _reported():
        given = parse_data(data or [])
        root = _here()
        with _writing(root, dry_run=dry_run):
            result = plan_update(root, given, base=base, restore=restore or [])
            _apply(result.plan, dry_run=dry_run)
    console = _console()
    if not quiet:
        console.print(f"Base: {_plain(result.base.label)}, {_plain(result.how)}.")
        console.print(f"Template: {_plain(result.target)} (dashgen {__version__}).")
    _show(result.plan, quiet=quiet, dry_run=dry_run)
    if not quiet:
        for note in result.notes:
            console.print(_visible(note), markup=False, highlight=False)
    if result.conflicts:
        spans = _plain(", ".join(result.conflicts))
        many = len(result.conflicts) > 1
        if dry_run:
            told = (
                f"Your lines and the template's overlap in {len(result.conflicts)} place{'s' if many else ''} "
                f"({spans}): update would mark {'them' if many else 'it'} inline and exit 1."
            )
        else:
            told = (
                f"{len(result.conflicts)} {'conflicts are' if many else 'conflict is'} marked where your lines and "
                f"the template's overlap: {spans}. Keep what you want, remove the markers, then run dashgen update "
                "again."
            )
        _console(stderr=True).print(told, highlight=False)
        raise typer.Exit(1)
    if not result.plan.writes and not quiet:
        console.print(f"Nothing to do: the project is at the template of dashgen {__version__}.")


@app.command()
def check(
    target: Annotated[
        str | None, typer.Option(help="Also check what a platform needs: enterprise, cloud or docker.")
    ] = None,
    app_file: AppFile = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text, json, github (Actions annotations) or sarif (2.1.0).")
    ] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    select: Annotated[str | None, typer.Option(help="Only these rules: CODE[,CODE].")] = None,
    ignore: Annotated[str | None, typer.Option(help="Not these rules: CODE[,CODE].")] = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List every rule (text or --format json).")] = False,
    explain: Annotated[str | None, typer.Option(help="Say what a rule checks, why, and how to fix it.")] = None,
) -> None:
    """Find what would break when the app is deployed. Exit 1 when an error is not ignored."""
    from dashgen import report, rules

    with _reported():
        output_format = "json" if as_json else _choice(output_format, report.FORMATS, "--format")
    # A CI step parses what check prints in these formats, a refusal included.
    documents = {"json": report.error_json, "sarif": report.error_sarif}
    with _reported(documents.get(output_format)):
        if list_rules:
            catalogue = rules.all_rules()
            _print_text(report.rules_json(catalogue) if output_format == "json" else report.rules_table(catalogue))
            return
        if explain is not None:
            found = rules.get(explain)
            if found is None:
                raise InvalidInput(f"There is no rule {explain!r}: `dashgen check --list-rules` lists them.")
            _print_text(report.explanation(found))
            return
        source, checked = _check(target, app_file, select, ignore)
    if output_format == "json":
        _print_text(report.as_json(checked))
    elif output_format == "sarif":
        _print_text(report.as_sarif(checked, rules.all_rules()))
    elif output_format == "github":
        _print_text(report.as_github(checked))
    else:
        _print_findings(source, checked)
    if checked.errors:
        raise typer.Exit(1)


def _check(target: str | None, app_file: Path | None, select: str | None, ignore: str | None):
    from dashgen import ignores, report, rules
    from dashgen.entry import read_project

    if target is not None:
        rules.validate_target(target)
    selected = ignores.codes(select, "--select")
    ignored = ignores.codes(ignore, "--ignore") or frozenset()
    project = read_project(_here(), app_file, target)
    source = project.source
    ignored |= ignores.configured(project.root)
    kept, by_code, by_comment = ignores.split(rules.findings(project, codes=selected), ignored, project.root)
    dropped = by_code + by_comment
    here = _here()
    paths = {finding.file: os.path.relpath(project.root / finding.file, here) for finding in kept + dropped}
    checked = report.Report(
        source.path.name, source.backend, source.server_expression, target, kept, dropped, by_comment, paths
    )
    return source, checked


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise InvalidInput(f"{option} {value!r} is not one of {', '.join(choices)}.")
    return value


def _print_text(text: str) -> None:
    print(_visible(text))


def _print_findings(source, checked) -> None:
    from dashgen import report

    _print_found(source)
    console = _console()
    for finding in checked.findings:
        style = "red" if finding.severity == "error" else "yellow"
        first, *rest = report.text_lines(finding)
        label, _, text = first.partition(" ")
        console.print(f"[{style}]{_plain(label)}[/] {_plain(text)}")
        for line in rest:
            console.print(_visible(line), markup=False)
    console.print(report.summary(checked))


def _print_warnings(findings) -> None:
    console = _console(stderr=True)
    for finding in findings:
        style = "red" if finding.severity == "error" else "yellow"
        console.print(
            f"[{style}]{finding.severity}:[/] {_plain(finding.where)}: {_plain(finding.problem)} {_plain(finding.fix)}"
        )


class _QuietWhenClosed:
    """stdout or stderr that goes quiet once its reader is gone (`dashgen ... | head -1`): the
    command still finishes and exits with its own status."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()

    def _silence(self) -> None:
        # What is still buffered, and everything after, goes to /dev/null: no error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main() -> None:
    """Run a command. Ctrl-C or SIGTERM anywhere: one sentence saying whether the files were
    written (whole, or not at all), exit 130 or 143, no traceback."""
    sys.stdout = _QuietWhenClosed(sys.stdout)
    sys.stderr = _QuietWhenClosed(sys.stderr)
    try:
        try:
            app()
        finally:
            # The outcome is decided: a signal from now on would only blur the exit status.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except Interrupted as interruption:
        done = "every file was written" if any(plan.applied for plan in _applying) else "nothing was written"
        print(f"Interrupted: {done}.", file=sys.stderr)
        sys.exit(128 + interruption.signum)
