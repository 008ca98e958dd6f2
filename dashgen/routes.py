"""`dashgen add-route`: the route model, its code for each backend, and where it goes in the app."""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import unicodedata
from typing import NamedTuple

from dashgen.backends import BACKENDS, PREFIX_ENV
from dashgen.edits import (
    bound_names,
    ensure_import,
    insert_after_line,
    last_import_line,
    line_count,
    python_lines,
)
from dashgen.errors import InvalidInput, Refused
from dashgen.plan import IDENTICAL, INSERT, FileChange, Plan
from dashgen.source import AppSource, Route

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
KINDS = ("http", "websocket", "sse")
CONVERTERS = {"str": "str", "int": "int", "float": "float", "path": "str"}

_LITERAL_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_PARAMETER_SEGMENT = re.compile(r"\{([^{}:]*)(?::([^{}]*))?\}")


class Parameter(NamedTuple):
    """A path parameter of a route, with its converter."""

    name: str
    converter: str  # str, int, float or path

    @property
    def annotated(self) -> str:
        return f"{self.name}: {CONVERTERS[self.converter]}"


class RouteSpec(NamedTuple):
    """The route `dashgen add-route` was asked for."""

    path: str  # "/api/items/{item_id:int}", as the user wrote it, with its leading slash
    method: str
    kind: str
    name: str | None  # --name, when given

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return tuple(
            Parameter(match.group(1), match.group(2) or "str") for match in _PARAMETER_SEGMENT.finditer(self.path)
        )

    @property
    def label(self) -> str:
        """The path as the route's JSON reports it: parameters without converters."""
        return _PARAMETER_SEGMENT.sub(lambda match: "{" + match.group(1) + "}", self.path)

    @property
    def shape(self) -> str:
        return _PARAMETER_SEGMENT.sub("{}", self.path)

    @property
    def methods(self) -> tuple[str, ...]:
        return ("WEBSOCKET",) if self.kind == "websocket" else (self.method,)

    def backend_path(self, style: str) -> str:
        """The path below the prefix, without its leading slash, in the backend's syntax."""

        def convert(match: re.Match) -> str:
            name, converter = match.group(1), match.group(2) or "str"
            if style == "braces":
                return "{" + name + (":path" if converter == "path" else "") + "}"
            return f"<{name}>" if converter == "str" else f"<{converter}:{name}>"

        return _PARAMETER_SEGMENT.sub(convert, self.path)[1:]

    def default_name(self) -> str:
        words = [segment for segment in self.path.split("/") if segment and not segment.startswith("{")]
        base = re.sub(r"\W", "_", "_".join(words)).strip("_") or "root"
        if base[0].isdigit():
            base = f"route_{base}"
        return base if self.method == "GET" or self.kind != "http" else f"{self.method.lower()}_{base}"


def route_spec(path: str, *, method: str = "GET", kind: str = "http", name: str | None = None) -> RouteSpec:
    """Validate what was typed: a bad path, method, kind or name is exit status 2."""
    kind = kind.lower()
    method = method.upper()
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if method not in METHODS:
        raise InvalidInput(f"Unknown method {method!r}: choose one of {', '.join(METHODS)}.")
    if kind != "http" and method != "GET":
        raise InvalidInput(f"A {kind} route is opened with GET: leave --method out.")
    if name is not None and (not name.isidentifier() or keyword.iskeyword(name)):
        raise InvalidInput(f"--name {name!r} is not a Python function name: use letters, digits and _.")
    if name is not None and _read_by_python(name) != name:
        raise InvalidInput(
            f"--name {name!r} is read by Python as {_read_by_python(name)!r}: write it that way, or choose another."
        )
    return RouteSpec(_validate_path(path), method, kind, name)


def _validate_path(path: str) -> str:
    path = path.strip()
    if not path or path == "/":
        return "/"
    problem = None
    if re.search(r"\s", path):
        problem = "contains spaces"
    elif "?" in path or "#" in path:
        problem = "has a query string or fragment: routes match paths only"
    path = path if path.startswith("/") else "/" + path
    segments = path.split("/")[1:]
    inner = segments[:-1] if segments[-1] == "" else segments
    names: list[str] = []
    for index, segment in enumerate(inner):
        if problem:
            break
        parameter = _PARAMETER_SEGMENT.fullmatch(segment)
        if segment in ("", ".", ".."):
            problem = "has an empty, . or .. segment"
        elif parameter:
            name, converter = parameter.group(1), parameter.group(2) or "str"
            if not name.isidentifier() or keyword.iskeyword(name):
                problem = f"has an invalid parameter name {name!r}"
            elif _read_by_python(name) != name:
                problem = f"has a parameter {name!r} that Python reads as {_read_by_python(name)!r}"
            elif converter not in CONVERTERS:
                problem = f"has an unknown converter {converter!r} (use {', '.join(CONVERTERS)})"
            elif converter == "path" and index != len(inner) - 1:
                problem = "has a path parameter that is not last"
            elif name in names:
                problem = f"names the parameter {name!r} twice"
            names.append(name)
        elif not _LITERAL_SEGMENT.fullmatch(segment):
            problem = f"has an invalid segment {segment!r}"
    if problem:
        raise InvalidInput(f"The route path {path!r} {problem}: write it like /api/items/{{item_id:int}}.")
    return path


def _read_by_python(name: str) -> str:
    """Python normalises identifiers (NFKC): `ﬁle` and `file` are one name."""
    return unicodedata.normalize("NFKC", name)


def route_code(backend: str, spec: RouteSpec, *, server: str, prefix: str, name: str) -> tuple[str, list[str]]:
    """The route's code in the backend's style, and the imports it needs ("module" or "module:name")."""
    from dashgen.render import template_module

    facts = BACKENDS[backend]
    below = spec.backend_path(facts.path_param_style)
    # In an f-string, a FastAPI parameter's braces are written twice.
    path = 'f"{' + prefix + "}" + below.replace("{", "{{").replace("}", "}}") + '"' if below else prefix
    routes = template_module(backend, "route.py.jinja")
    code = routes.route(server, path, spec.method, spec.kind, name, spec.parameters, spec.label)
    return str(code).strip("\n"), list(routes.imports[spec.kind])


def plan_add_route(source: AppSource, spec: RouteSpec) -> Plan:
    served = source.entry
    if served.wrapper:
        kind = served.wrapper.rpartition(".")[2]
        # A route on Dash's Flask server would answer below the mount, not at the path asked for.
        raise Refused(
            f"The platform serves {served.path.name}'s {kind} app `{served.server_name}`, which mounts Dash's server: "
            f"add {spec.path} there, as a {kind} route (add-route does not edit that app yet)."
        )
    if source.factory:
        # The server exists only while create_app() runs: a module-level route has nothing to register on.
        raise Refused(
            f"{source.path.name} builds its Dash app inside {source.factory}(), so there is no module-level server "
            f"to add {spec.path} to: register it in {source.factory}(), on the server it returns."
        )
    facts = BACKENDS[source.backend]
    plan = Plan(source.path.parent)
    if spec.kind == "websocket" and not facts.websocket_routes:
        raise Refused(
            f"{facts.label} has no websocket routes: create the app with `dashgen new --backend fastapi` "
            "or `--backend quart` to serve websockets beside Dash."
        )
    _refuse_dash_paths(source, spec)
    existing = next(
        (route for route in source.routes if route.shape == spec.shape and set(spec.methods) & set(route.methods)),
        None,
    )
    prefix = source.prefix_name or _free_name(source, "PREFIX", "ROUTES_PREFIX", "DASH_ROUTES_PREFIX")
    if existing is not None:
        return _same_route(source, spec, existing, plan, prefix)
    used = _names_the_route_uses(source, spec, prefix)
    _refuse_shadowing_parameters(spec, used, facts.label)
    name = _function_name(source, spec, used)
    code, imports = route_code(source.backend, spec, server=source.server_expression, prefix=prefix, name=name)
    text, line = _insert_route(source, code)
    # Everything else goes into the leading import block, above the route: the route moves down
    # by what is added there, and only that block is parsed again.
    header = last_import_line(source.tree)
    lines_before = line_count(text)
    if source.prefix_name is None:
        text = _insert_prefix(text, prefix, header)
        imports = ["os", *imports]
    for needed in imports:
        module, _, imported = needed.partition(":")
        grown = line_count(text) - lines_before
        text = ensure_import(text, module, imported or None, header=header + grown)
    line += line_count(text) - lines_before
    compile(text, str(source.path), "exec")
    plan.changes = [
        FileChange(
            source.path.name, INSERT, text, source.text, where=f"{source.path.name}:{line}", encoding=source.encoding
        )
    ]
    plan.notes.append(code)
    return plan


def _refuse_dash_paths(source: AppSource, spec: RouteSpec) -> None:
    collision = source.dash_collision(spec.path)
    if collision:
        raise InvalidInput(f"{spec.path} collides with {collision}: choose another path.")
    page = dash_pages(source).get(spec.path.rstrip("/") or "/")
    if page is not None:
        # A route on the server answers before Dash's catch-all: the page would be gone.
        raise InvalidInput(f"{spec.path} is the Dash page of {page}: choose another path.")


def dash_pages(source: AppSource) -> dict[str, str]:
    """{page path: its file} of the pages `dash.register_page` registers, when the app uses pages."""
    from dashgen.pages import pages_config, read_pages

    try:
        config = pages_config(source)
    except Refused:
        return {}  # a computed pages_folder: no page can be read
    if not config.use_pages:
        return {}
    root = source.path.parent
    return {
        page.path.rstrip("/") or "/": page.file.relative_to(root).as_posix()
        if page.file.is_relative_to(root)
        else str(page.file)
        for page in read_pages(config)
    }


def _same_route(source: AppSource, spec: RouteSpec, existing: Route, plan: Plan, prefix: str) -> Plan:
    name = spec.name or existing.function
    code, _ = route_code(source.backend, spec, server=source.server_expression, prefix=prefix, name=name)
    lines = python_lines(source.text)[existing.line - 1 : existing.end_line]
    if "\n".join(line.rstrip() for line in lines) == code:
        where = f"{source.path.name}:{existing.line}"
        plan.changes = [FileChange(source.path.name, IDENTICAL, source.text, source.text, where=where)]
        return plan
    spelled = "with the prefix" if existing.prefixed else "without DASH_ROUTES_PATHNAME_PREFIX"
    raise Refused(
        f"{source.path.name}:{existing.line} already has {'/'.join(existing.methods)} {existing.path} "
        f"({existing.function or 'registered'}, {spelled}) with other code: edit it there, or choose another path."
    )


def _free_name(source: AppSource, *candidates: str) -> str:
    taken = bound_names(source.tree)
    return next(name for name in (*candidates, *(f"{candidates[0]}_{n}" for n in range(2, 100))) if name not in taken)


def _names_the_route_uses(source: AppSource, spec: RouteSpec, prefix: str) -> set[str]:
    """Every name the generated route refers to or binds (its imports, the server, the prefix,
    its own arguments and helpers, builtins such as `range`), path parameters left out."""
    numbers = iter(range(len(spec.parameters)))

    def placeholder(match: re.Match) -> str:
        converter = f":{match.group(2)}" if match.group(2) else ""
        return f"{{_dashgen_parameter_{next(numbers)}{converter}}}"

    anonymous = RouteSpec(_PARAMETER_SEGMENT.sub(placeholder, spec.path), spec.method, spec.kind, None)
    code, imports = route_code(
        source.backend, anonymous, server=source.server_expression, prefix=prefix, name="_dashgen_route"
    )
    used = {
        getattr(node, "id", None) or getattr(node, "arg", None) or getattr(node, "name", None)
        for node in ast.walk(ast.parse(code))
        if isinstance(node, (ast.Name, ast.arg, ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for needed in imports:
        module, _, imported = needed.partition(":")
        used.add(imported or module.split(".")[0])
    return {name for name in used if name and not name.startswith("_dashgen_")}


def _refuse_shadowing_parameters(spec: RouteSpec, used: set[str], backend_label: str) -> None:
    for parameter in spec.parameters:
        if parameter.name in used:
            raise InvalidInput(
                f"The path parameter {parameter.name!r} would hide the {parameter.name!r} the generated "
                f"{backend_label} route uses: rename the parameter, e.g. {{{parameter.name}_value}}."
            )


def _function_name(source: AppSource, spec: RouteSpec, used: set[str]) -> str:
    """A name that hides nothing: not one the module binds or imports, not one the route itself
    uses (`/time --kind sse` beside `import time`), not a builtin."""
    reserved = used | set(dir(builtins))
    taken = bound_names(source.tree) | reserved
    if spec.name is not None:
        if spec.name in reserved:
            raise InvalidInput(
                f"--name {spec.name!r} would hide the {spec.name!r} the generated route uses: choose another --name."
            )
        if spec.name in taken:
            raise Refused(f"{source.path.name} already defines {spec.name!r}: choose another --name.")
        return spec.name
    base = spec.default_name()
    candidates = (base, *(f"{base}_{n}" for n in range(2, 1000)))
    return next(name for name in candidates if name not in taken)


def _insert_route(source: AppSource, code: str) -> tuple[str, int]:
    after = max(source.server_line, source.registrations_end, source.prefix_line)
    if source.main_line is not None and after >= source.main_line:
        raise Refused(
            f"{source.path.name} defines its server or routes after its __main__ block (line {source.main_line}): "
            "move that block to the end of the file."
        )
    return insert_after_line(source.text, after, code, blank_before=2, blank_after=2)


def _insert_prefix(text: str, name: str, after: int) -> str:
    following = next((line for line in python_lines(text)[after:] if line.strip()), "")
    blank_after = 2 if following.startswith(("def ", "async def ", "class ", "@")) else 1
    block = (
        "# Dash Enterprise serves the app below /<app-name>/ and says so in this variable; routes\n"
        "# registered on the server directly must include it themselves.\n"
        f'{name} = os.environ.get("{PREFIX_ENV}", "/")'
    )
    return insert_after_line(text, after, block, blank_before=1, blank_after=blank_after)[0]
