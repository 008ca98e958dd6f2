"""Dash's MCP server (Dash >= 4.3: `Dash(enable_mcp=True)` or DASH_MCP_ENABLED): every server
callback becomes a tool an AI agent calls over JSON-RPC at the routes prefix + `mcp_path`.

Measured on Dash 4.4.1 (tests/test_check_mcp.py): the endpoint checks neither a token nor the
Origin; on FastAPI its default path answers 500; an `async def` callback and a figure output
without kaleido are tools whose every call fails."""

from __future__ import annotations

import ast
from typing import NamedTuple

from dashgen.backends import BACKENDS
from dashgen.nodes import called_name, nodes
from dashgen.rules import ERROR, checker, rule

ENABLED_ENV = "DASH_MCP_ENABLED"
PATH_ENV = "DASH_MCP_PATH"
DEFAULT_PATH = "_mcp"
FIXED_PATH = BACKENDS["fastapi"].mcp_path
# Hooks that run before Dash's own view on every request, by the name they are registered with.
_HOOKS = ("before_request", "before_app_request")

UNGUARDED = rule(
    "mcp-unguarded", ERROR,
    summary="Dash's MCP server is enabled and nothing checks the requests on its path.",
    why="Dash's MCP endpoint checks no token and no Origin: anyone who reaches the URL, and any page on another "
    "site through the visitor's browser, calls every callback as a tool (tools/call with Origin: "
    "http://evil.example answers 200 with the callback's result).",
    fix="Check a bearer token and the Origin on the MCP path before Dash answers (Flask, Quart: "
    "@server.before_request; FastAPI: @server.middleware(\"http\")), or do not enable MCP.",
)  # fmt: skip
FASTAPI_DEFAULT_PATH = rule(
    "mcp-fastapi-default-path", ERROR,
    summary="Dash's MCP server on FastAPI at its default path, _mcp.",
    why="On FastAPI Dash 4.4.1 answers every request to _mcp with 500 (RuntimeError: No active request in "
    "context); at another path the same endpoint works.",
    fix=f'Serve it at another path: Dash(..., mcp_path="{FIXED_PATH}").',
)  # fmt: skip
ASYNC_TOOL = rule(
    "mcp-async-callback", ERROR,
    summary="An async def callback is an MCP tool.",
    why="Dash's MCP server runs a callback synchronously, so tools/call of an async def callback answers the "
    "JSON-RPC error -32603 (TypeError: the JSON object must be str, bytes or bytearray, not coroutine).",
    fix="Write the callback as a plain def, or pass mcp_enabled=False to its decorator.",
)  # fmt: skip
FIGURE_WITHOUT_KALEIDO = rule(
    "mcp-figure-without-kaleido", ERROR,
    summary="A callback with a figure output is an MCP tool and requirements.txt does not list kaleido.",
    why="Dash's MCP server renders a PNG of each figure it returns and catches only ValueError and ImportError, "
    "but plotly 7 raises RuntimeError without kaleido: tools/call answers the JSON-RPC error -32603 (Image "
    "export requires the Kaleido package).",
    fix="Add kaleido to requirements.txt (kaleido >= 1 also needs Chrome where the app runs), or pass "
    "mcp_enabled=False to that callback's decorator.",
)  # fmt: skip

PAGES_ROUTER = rule(
    "mcp-pages-router", ERROR,
    summary="Dash Pages' router is an MCP tool and Dash runs it as a coroutine.",
    why="When asgiref is installed (dash[async]) or use_async=True, Dash registers Pages' router as an async "
    "callback, which its MCP server runs synchronously: tools/call of `update` answers the JSON-RPC error -32603 "
    "(TypeError: ... not coroutine). No decorator of the app's reaches that callback.",
    fix="Make the callbacks tools only where they say so: configure_mcp_server(include_callbacks=False) from "
    "dash.mcp, and mcp_enabled=True on the callbacks to offer; or Dash(..., use_async=False) when no callback is "
    "async.",
)  # fmt: skip


class Switch(NamedTuple):
    """Where MCP is turned on: the file and line, and how, in the user's words."""

    file: str
    line: int
    how: str  # "enable_mcp=True", "DASH_MCP_ENABLED=true in the Procfile", ...


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((keyword for keyword in call.keywords if keyword.arg == name), None)


def _constant(node: ast.expr | None):
    return node.value if isinstance(node, ast.Constant) else ...


def _env_enables(value: str) -> bool:
    """How Dash 4.4.1 reads DASH_MCP_ENABLED: any value but "" and "false" (any case) turns it on,
    "0" and "no" too (measured); a value expanded where it runs may be anything."""
    return "$" in value or (value != "" and value.lower() != "false")


def mcp_switch(project) -> Switch | None:
    """Where the app turns Dash's MCP server on (or may: an expression, a variable expanded
    where it runs), or None. `enable_mcp=False` in code wins over the environment."""
    source = project.source
    file = project.shown(source.call_file)
    keyword = _keyword(source.call, "enable_mcp")
    value = _constant(keyword.value) if keyword else None
    if value is not ... and value is not None and not value:
        return None  # enable_mcp=False (or 0, ""): off, whatever the environment says
    if keyword is not None and value is not None:
        spelled = "enable_mcp=True" if value is True else f"enable_mcp={ast.unparse(keyword.value)}"
        return Switch(file, keyword.value.lineno, spelled)
    settings = [
        setting
        for setting in project.environment
        if setting.name == ENABLED_ENV and (setting.file != ".env" or _reads_dotenv(project))
    ]
    setting = next((setting for setting in settings if _env_enables(setting.value)), None)
    if setting is None:
        return None
    return Switch(setting.file, setting.line, f"{ENABLED_ENV}={setting.value} in {setting.file}")


def _reads_dotenv(project) -> bool:
    """Whether .env reaches the app: nothing reads it but python-dotenv or a compose env_file."""
    from dashgen.environment import COMPOSE_FILES
    from dashgen.reading import read_text

    if any(called_name(call.func) == "load_dotenv" for _, tree in project.modules for call in nodes(tree, ast.Call)):
        return True
    return any("env_file" in (read_text(project.root / name) or "") for name in COMPOSE_FILES)


def mcp_path(project) -> str | None:
    """The path below the routes prefix, without its leading slash; None when it is computed."""
    keyword = _keyword(project.source.call, "mcp_path")
    value = None if keyword is None else _constant(_assigned(project.source, keyword.value))
    if value is not None:
        return value.lstrip("/") if isinstance(value, str) else None
    settings = [setting for setting in project.environment if setting.name == PATH_ENV]
    settings = [setting for setting in settings if setting.file != ".env" or _reads_dotenv(project)]
    setting = settings[0] if settings else None
    if setting is not None:
        return None if setting.expanded else setting.value.lstrip("/")
    return DEFAULT_PATH


def _assigned(source, node: ast.expr) -> ast.expr:
    """What a name stands for when the module creating the app assigns it once at its top level
    (`mcp_path=MCP_PATH` after `MCP_PATH = "_mcp"`, as `dashgen new --mcp` writes); else node."""
    if not isinstance(node, ast.Name) or source.call_path is not None:
        return node
    values = [
        statement.value
        for statement in source.tree.body
        if isinstance(statement, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == node.id for target in statement.targets)
    ]
    return values[0] if len(values) == 1 else node


def _guarded(project) -> bool:
    """Whether something on the server may check requests before Dash answers them: a
    before_request hook or an HTTP middleware that reads the request's headers, an
    add_middleware(...) or an ASGI/WSGI wrapper (what it checks cannot be told), or dash_auth."""
    for _, tree in project.modules:
        functions = {node.name: node for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)}
        for function in functions.values():
            if any(_is_hook(decorator) for decorator in function.decorator_list) and _reads_headers(function):
                return True
        for call in nodes(tree, ast.Call):
            name = called_name(call.func)
            if name in ("add_middleware", "BasicAuth", "OIDCAuth"):
                return True
            hooked = name in _HOOKS and isinstance(call.func, ast.Attribute) and call.args
            target = call.args[0] if hooked else None
            if isinstance(target, ast.Name) and target.id in functions and _reads_headers(functions[target.id]):
                return True
        for assign in nodes(tree, ast.Assign):
            if any(isinstance(target, ast.Attribute) and target.attr == "wsgi_app" for target in assign.targets):
                return True
    return False


def _is_hook(decorator: ast.expr) -> bool:
    if isinstance(decorator, ast.Attribute):
        return decorator.attr in _HOOKS
    if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
        if decorator.func.attr == "middleware":
            return not decorator.args or _constant(decorator.args[0]) == "http"
        return decorator.func.attr in _HOOKS
    return False


def _reads_headers(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr in ("headers", "authorization", "environ")
        for node in ast.walk(function)
    )


class Tool(NamedTuple):
    """A decorated callback Dash's MCP server lists as a tool."""

    file: str
    callback: object  # dashgen.rules.websocket.CallbackDef


def _opt_in(project) -> bool:
    """Whether only the callbacks that say mcp_enabled=True are tools:
    configure_mcp_server(include_callbacks=False) in one of the project's modules."""
    return any(
        called_name(call.func) == "configure_mcp_server"
        and (keyword := _keyword(call, "include_callbacks")) is not None
        and _constant(keyword.value) is False
        for _, tree in project.modules
        for call in nodes(tree, ast.Call)
    )


def tools(project) -> list[Tool]:
    """The decorated callbacks of the project's modules that are MCP tools: all but those with
    mcp_enabled=False, or only those with mcp_enabled=True after
    configure_mcp_server(include_callbacks=False)."""
    from dashgen.rules.websocket import callback_defs

    opt_in = _opt_in(project)
    found = []
    for path, tree in project.modules:
        for callback in callback_defs(tree):
            keyword = callback.keywords.get("mcp_enabled")
            listed = None if keyword is None else _constant(keyword)  # ... for an expression: it may be
            if (listed is True) if opt_in else (listed is not False):
                found.append(Tool(project.shown(path), callback))
    return found


def _figure_output(callback) -> ast.Call | None:
    """The first Output(..., "figure") of the callback's decorator."""
    decorator = next(
        node
        for node in callback.node.decorator_list
        if isinstance(node, ast.Call) and called_name(node.func) == "callback"
    )
    for node in ast.walk(decorator):
        if isinstance(node, ast.Call) and called_name(node.func) == "Output":
            prop = node.args[1] if len(node.args) > 1 else getattr(_keyword(node, "component_property"), "value", None)
            if _constant(prop) == "figure":
                return node
    return None


@checker(UNGUARDED, FASTAPI_DEFAULT_PATH)
def endpoint(project):
    """The MCP endpoint itself: public, or broken on FastAPI."""
    switch = mcp_switch(project)
    if switch is None:
        return
    backend = BACKENDS[project.source.backend]
    path = mcp_path(project)
    if not _guarded(project):
        where = f"/{path}" if path else "its path"
        hook = '@server.middleware("http")' if backend.name == "fastapi" else "@server.before_request"
        yield UNGUARDED.finding(
            switch.file, switch.line,
            f"{switch.how} turns on Dash's MCP server at {where} and nothing checks its requests: "
            "anyone who reaches the URL, or a page on another site through a visitor's browser, calls every "
            "callback as a tool.",
            f"Refuse requests to the MCP path without the bearer token or from a foreign Origin in a {hook} hook, "
            "or do not enable MCP.",
        )  # fmt: skip
    if backend.name == "fastapi" and path == DEFAULT_PATH:
        yield FASTAPI_DEFAULT_PATH.finding(
            switch.file, switch.line,
            f"{switch.how} turns on Dash's MCP server at /{DEFAULT_PATH}, which Dash answers with 500 on FastAPI "
            "(RuntimeError: No active request in context).",
            f'Serve it at another path: Dash(..., mcp_path="{FIXED_PATH}") (or {PATH_ENV}={FIXED_PATH}).',
        )  # fmt: skip


@checker(ASYNC_TOOL, FIGURE_WITHOUT_KALEIDO)
def callback_tools(project):
    """Callbacks that are MCP tools whose every call fails."""
    if mcp_switch(project) is None:
        return
    requirements = project.requirements
    plotly = requirements.get("plotly") if requirements is not None else None
    # plotly[kaleido] brings kaleido too.
    kaleido = requirements is not None and requirements.lists("kaleido") or "kaleido" in getattr(plotly, "extras", ())
    for tool in tools(project):
        callback = tool.callback
        if callback.asynchronous:
            yield ASYNC_TOOL.finding(
                tool.file, callback.line,
                f"{callback.name} is an async def callback, which Dash's MCP server runs synchronously: its "
                "tools/call answers the JSON-RPC error -32603 (TypeError: ... not coroutine).",
                f"Write it `def {callback.name}`, or pass mcp_enabled=False to its decorator.",
            )  # fmt: skip
        output = None if kaleido else _figure_output(callback)
        if output is not None:
            yield FIGURE_WITHOUT_KALEIDO.finding(
                tool.file, output.lineno,
                f"{callback.name} returns a figure, of which Dash's MCP server renders a PNG: without kaleido its "
                "tools/call answers the JSON-RPC error -32603 (RuntimeError: Image export requires the Kaleido "
                "package).",
                "Add kaleido to requirements.txt (kaleido >= 1 also needs Chrome where the app runs), or pass "
                "mcp_enabled=False to its decorator.",
            )  # fmt: skip


@checker(PAGES_ROUTER)
def pages_router(project):
    """Pages' own router callback, a tool that fails when Dash runs in its async mode."""
    config = project.pages
    if config is None or not config.use_pages or mcp_switch(project) is None or _opt_in(project):
        return
    call = project.source.call
    keyword = _keyword(call, "use_async")
    if keyword is not None:
        if _constant(keyword.value) is not True:
            return  # use_async=False, or an expression that may be either
        how = f"use_async=True on line {keyword.value.lineno}"
    elif _installs_asgiref(project):
        how = "asgiref, which the requirements install,"
    else:
        return
    yield PAGES_ROUTER.finding(
        project.shown(project.source.call_file), call.lineno,
        f"The app uses Dash Pages and {how} makes Dash register Pages' router as an async callback, which Dash's "
        "MCP server lists as the tool `update` and runs synchronously: its tools/call answers the JSON-RPC error "
        "-32603 (TypeError: ... not coroutine).",
    )  # fmt: skip


def _installs_asgiref(project) -> bool:
    """Whether what the requirements install includes asgiref, whose import is Dash's test for
    its async mode (dash[async] brings it); False when that cannot be told."""
    return project.installed is not None and "asgiref" in project.installed[0]
