"""An existing project as the platform runs it: the app's source (found by dashgen.entry) and
the files beside it, each read once, when a rule or a planner first asks for it.

`check` builds one for the project on disk; `deploy-files` asks the same questions of the files
it is about to write (`with_files`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from dashgen.errors import Refused
from dashgen.procfile import ASGI_SERVERS, WSGI_SERVERS, Procfile, WebCommand, read_procfile, web_command
from dashgen.reading import PythonFile, is_readable_file, read_python
from dashgen.requirements import Requirements
from dashgen.source import AppSource

SERVERS = WSGI_SERVERS + ASGI_SERVERS
# The pip package of a server whose executable is named otherwise.
SERVER_PACKAGES = {"waitress-serve": "waitress"}
_UNSET = object()


PROCFILE = "Procfile"
REQUIREMENTS = "requirements"


def python_file(files: dict[Path, PythonFile | Refused | None], path: Path) -> PythonFile | None:
    """The module at `path` from `files`, read and parsed the first time it is asked for; None
    when it is not a readable file. A module Python cannot read is refused (each time asked)."""
    path = path.absolute()
    if path not in files:
        try:
            files[path] = read_python(path) if is_readable_file(path) else None
        except Refused as unreadable:
            files[path] = unreadable
    if isinstance(files[path], Refused):
        raise files[path]
    return files[path]


@dataclass
class Project:
    """A project as the rules and deploy-files see it: the app found, and its files, each read once."""

    source: AppSource
    target: str | None = None  # the platform asked for: enterprise, cloud, docker, or None
    # What is already read (by dashgen.entry, finding the app), or about to be written (by
    # deploy-files): the Procfile (with the error bash gave, if any) and the requirements.
    _read: dict[str, object] = field(default_factory=dict, repr=False)
    # The project's modules, each parsed once, shared by every Project of one command.
    _python: dict[Path, PythonFile | Refused | None] = field(default_factory=dict, repr=False)
    # A package's own requirements file (relative to the root) when the root has none: what the
    # root's requirements.txt, when deploy-files writes it, includes.
    package_requirements: str = ""

    @property
    def root(self) -> Path:
        return self.source.project_root

    def shown(self, path: Path) -> str:
        """A file's name as findings give it: its path from the project's root."""
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)

    def python(self, path: Path) -> PythonFile | None:
        """A module of the project, or None when it cannot be read (the rules skip it)."""
        try:
            return python_file(self._python, path)
        except Refused:
            return None

    def with_source(self, source: AppSource) -> Project:
        """The same files around another reading of the app (deploy-files' added server variable)."""
        return replace(self, source=source)

    def with_files(self, *, procfile=_UNSET, requirements: Requirements | None = None) -> Project:
        """The same project with these in place of the files on disk: the Procfile's text (None
        for no Procfile) and the requirements."""
        read = dict(self._read)
        if procfile is not _UNSET and self.procfile is not None and procfile == self.procfile.text:
            read[PROCFILE] = self._procfile_read  # the same text: parsed once
        elif procfile is not _UNSET:
            web = None if procfile is None else web_command(procfile, self.root)
            read[PROCFILE] = (None if procfile is None else Procfile(self.root / "Procfile", procfile, web), None)
        if requirements is not None:
            read[REQUIREMENTS] = requirements
        return replace(self, _read=read)

    @cached_property
    def _procfile_read(self) -> tuple[Procfile | None, Refused | None]:
        if PROCFILE in self._read:
            return self._read[PROCFILE]
        try:
            return read_procfile(self.root), None
        except Refused as unreadable:
            return None, unreadable

    @property
    def procfile(self) -> Procfile | None:
        """The Procfile, or None when there is none or bash cannot read it (`procfile_error`)."""
        return self._procfile_read[0]

    @property
    def procfile_error(self) -> Refused | None:
        return self._procfile_read[1]

    @property
    def web(self) -> WebCommand | None:
        return self.procfile.web if self.procfile else None

    @property
    def procfile_server(self) -> str | None:
        """The pip package of the production server the Procfile runs, if it runs one."""
        server = self.web.server if self.web else None
        return SERVER_PACKAGES.get(server, server) if server in SERVERS else None

    @cached_property
    def requirements(self) -> Requirements | None:
        if REQUIREMENTS in self._read:
            return self._read[REQUIREMENTS]
        from dashgen.requirements import read_requirements

        return read_requirements(self.root)

    @cached_property
    def listed(self) -> tuple[list | None, str]:
        """The requirements pip installs (packaging Requirements) and the file they are read
        from; None when there are none to read or some line's distribution cannot be told."""
        from dashgen.requirements import FILE, declared_dependencies, parse_requirement

        requirements = self.requirements
        if requirements is not None:
            if requirements.unnamed:
                return None, FILE
            lines = (*requirements.entries, *requirements.included)
            return [line.requirement for line in lines if not line.constraint], FILE
        declared = declared_dependencies(self.root)
        try:
            return ([parse_requirement(text) for text in declared] or None), "pyproject.toml"
        except ValueError:
            return None, "pyproject.toml"

    @cached_property
    def installed(self) -> tuple[frozenset[str], frozenset[str]] | None:
        """What pip installs for `listed` and what of it cannot be told (distributions.installs),
        asked by more than one rule; None without a list."""
        from dashgen.distributions import installs

        listed, _ = self.listed
        if listed is None:
            return None
        found, unknown = installs(listed)
        return frozenset(found), frozenset(unknown)

    @property
    def platform(self) -> str:
        """Where the app is deployed: the target, else Dash Enterprise when there is a Procfile."""
        return self.target or ("enterprise" if self.procfile is not None else "cloud")

    @cached_property
    def job_managers(self) -> list:
        from dashgen import background

        return background.job_managers(self.source.tree)

    @cached_property
    def callbacks(self) -> list:
        from dashgen.rules.websocket import callback_defs

        return callback_defs(self.source.tree)

    @cached_property
    def pages(self):
        """Dash Pages' settings (`use_pages`, the folder), or None when the folder is computed."""
        from dashgen.pages import pages_config

        try:
            return pages_config(self.source)
        except Refused:
            return None

    @cached_property
    def environment(self) -> list:
        """The variables the project's files set for the web process (Procfile, Dockerfile,
        app.json, .env, compose files), each with where it was set."""
        from dashgen.environment import settings

        procfile = self.procfile
        return settings(self.root, procfile.text if procfile else None, self.web.line if self.web else 0)

    @cached_property
    def modules(self) -> list:
        """The served module and the project's own modules it imports, transitively."""
        from dashgen.rules.source import project_modules

        return project_modules(self)
