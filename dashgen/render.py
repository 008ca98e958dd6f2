"""Load a copier-format template from templates/ and render it with jinja2 (StrictUndefined).

dashgen does not import copier (its import alone costs about 0.4 s); this module reads the same
copier.yml (questions, defaults, validators, `_subdirectory`, `_exclude`, `_envops`)
and renders the same files, so `copier copy --data backend=B templates DEST` and `dashgen new --backend B` agree.
"""

from __future__ import annotations

import fnmatch
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import jinja2

from dashgen import ANSWERS_FILE, __version__
from dashgen.errors import InvalidInput

ANSWERS_FILE_KEY = "_answers_file"
# copier's own default, which it applies only when the template has no `_subdirectory`.
_DEFAULT_EXCLUDE = ("copier.yaml", "copier.yml", "~*", "*.py[co]", "__pycache__", ".git", ".DS_Store", ".svn")
# copier.yml's `_envops`, written here too: add-route and deploy-files render one template each,
# and reading copier.yml for these cost them yaml's import (about 12 ms). tests/test_templates.py
# checks that the two agree.
TEMPLATE_ENVOPS = {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True}


def templates_root() -> Path:
    """The templates/ folder: inside the installed package, or beside it in a source checkout."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


def load_config(template: Path) -> dict[str, Any]:
    """copier.yml: the template's settings and its questions, in order."""
    import yaml  # imported where copier.yml is read: add-route and deploy-files do not

    return yaml.safe_load((template / "copier.yml").read_bytes())


class Answers(NamedTuple):
    """What a project was rendered from: the answers recorded, and those derived from them."""

    recorded: dict[str, Any]  # what the answers file keeps
    context: dict[str, Any]  # recorded answers plus the derived (`when: false`) values


def resolve_answers(config: dict[str, Any], data: dict[str, Any]) -> Answers:
    """Answer every question from `data` or its default, then run copier's validators."""
    env = _environment({})
    recorded: dict[str, Any] = {}
    context: dict[str, Any] = {}
    for name, question in config.items():
        if name.startswith("_"):
            continue
        question = question if isinstance(question, dict) else {"default": question}
        value = data[name] if name in data else _render_value(env, question.get("default"), context)
        value = _cast(value, question.get("type", "str"))
        context[name] = value
        if "choices" in question and value not in question["choices"]:
            choices = ", ".join(map(str, question["choices"]))
            raise InvalidInput(f"{name} must be one of {choices}, not {value!r}.")
        problem = _render_value(env, question.get("validator", ""), context).strip()
        if problem:
            raise InvalidInput(problem)
        if _render_value(env, question.get("when", True), context) not in (False, "False", "false"):
            recorded[name] = value
    return Answers(recorded=recorded, context=context)


def _render_value(env: jinja2.Environment, value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return env.from_string(value).render(context)
    return value


def _cast(value: Any, kind: str) -> Any:
    if kind == "bool":
        if isinstance(value, str):
            return value.strip().lower() in ("true", "yes", "y", "on", "1")
        return bool(value)
    if kind == "int":
        return int(value)
    return "" if value is None else str(value)


def _environment(envops: dict[str, Any], loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    env = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False, **envops)
    env.filters["to_nice_yaml"] = _to_nice_yaml
    return env


def _to_nice_yaml(value: Any) -> str:
    # The filter copier's templates use for the answers file (from jinja2-ansible-filters).
    import yaml

    return yaml.safe_dump(value, indent=4, allow_unicode=True, default_flow_style=False)


@cache
def _templates_environment() -> jinja2.Environment:
    """The environment copier renders templates/ with: its `_envops`, templates found from the root.
    One per process, so that each template is compiled once (add-route renders its route twice)."""
    template = templates_root()
    return _environment(TEMPLATE_ENVOPS, jinja2.FileSystemLoader(template))


def template_module(backend: str, name: str) -> Any:
    """A backend's macros and top-level variables, such as `route.py.jinja`'s `route`."""
    return _templates_environment().get_template(f"{backend}/{name}").module


def shared_module(name: str) -> Any:
    """Macros every backend shares, such as `shared/page.py.jinja`'s `page`."""
    return template_module("shared", name)


def render_block(backend: str, name: str, block: str, **context: Any) -> str:
    """One block of a backend's template, such as Quart's `app.py.jinja` `worker_start`: what
    `convert` adds to an app so that it starts as a generated one does."""
    template = _templates_environment().get_template(f"{backend}/{name}")
    return "".join(template.blocks[block](template.new_context(context)))


def render_deploy_file(name: str, **context: Any) -> str:
    """A file `deploy-files` writes, such as `Dockerfile`, from templates/deploy/ (beside project/,
    so copier never copies it into a new project)."""
    return _templates_environment().get_template(f"deploy/{name}.jinja").render(context)


def render_template(data: dict[str, Any]) -> tuple[Answers, dict[str, str]]:
    """Render templates/ with `data`: the answers and {relative path: text}."""
    files = read_template(templates_root())
    return render_files(files, data, version=__version__, template=template_id(files))


def read_template(template: Path) -> dict[str, str]:
    """Every file of a template folder, by its path inside it (what `template_id` hashes)."""
    return {
        source.relative_to(template).as_posix(): source.read_text(encoding="utf-8")
        for source in sorted(template.rglob("*"))
        if source.is_file() and "__pycache__" not in source.parts and source.suffix != ".pyc"
    }


def template_id(files: dict[str, str]) -> str:
    """What names a template state exactly: a hash of every path and text in templates/."""
    import hashlib  # here, not at the top: add-route and add-page render without it

    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path].encode("utf-8")
        digest.update(f"{path}\0{len(data)}\0".encode() + data)
    return "sha256:" + digest.hexdigest()[:16]


def render_files(
    files: dict[str, str], data: dict[str, Any], *, version: str, template: str | None
) -> tuple[Answers, dict[str, str]]:
    """Render a template given as {path: text}, as the dashgen of `version` did: the answers and
    {relative path: text}. A template from before templates/ had one copier.yml (one folder per
    backend) is rendered from its backend's folder, as `copier copy templates/<backend>` did."""
    if "copier.yml" not in files:
        prefix = f"{data.get('backend', 'flask')}/"
        files = {path.removeprefix(prefix): text for path, text in files.items() if path.startswith(prefix)}
    config = _config_from(files)
    answers = resolve_answers(config, data)
    answers_file = config.get(ANSWERS_FILE_KEY, ANSWERS_FILE)
    recorded = {"_dashgen_version": version, **({"_dashgen_template": template} if template else {})}
    context = {
        **answers.context,
        "_copier_conf": {"answers_file": answers_file},
        "_copier_answers": {**recorded, **answers.recorded},
    }
    # As in copier, templates are found from the template's root (so the copied subdirectory can
    # include shared/ and the backend's folder), while paths and exclusions start at the subdirectory.
    env = _environment(config.get("_envops", {}), jinja2.DictLoader(files))
    subdirectory = _render_value(env, config.get("_subdirectory", ""), context)
    prefix = f"{subdirectory.strip('/')}/" if subdirectory else ""
    excluded = tuple(config.get("_exclude", () if subdirectory else _DEFAULT_EXCLUDE))
    rendered: dict[str, str] = {}
    for path in sorted(files):
        if not path.startswith(prefix):
            continue
        relative = PurePosixPath(path.removeprefix(prefix))
        if _is_excluded(relative, excluded):
            continue
        target = _render_path(env, relative, context)
        if target is None:
            continue
        rendered[target] = env.get_template(path).render(context) if path.endswith(".jinja") else files[path]
    return answers, rendered


def _config_from(files: dict[str, str]) -> dict[str, Any]:
    """copier.yml as copier reads it: one or several YAML documents, `!include`d files merged in
    (as the first templates' copier.yml did)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def include(loader: yaml.SafeLoader, node: yaml.Node) -> list[Any]:
        pattern = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        return [
            document
            for path in sorted(files)
            if fnmatch.fnmatch(path, pattern)
            for document in yaml.load_all(files[path], Loader=Loader)
            if document
        ]

    Loader.add_constructor("!include", include)
    merged: dict[str, Any] = {}
    for document in _flatten(yaml.load_all(files["copier.yml"], Loader=Loader)):
        for key, value in document.items():
            merged[key] = [*merged[key], *value] if key == "_exclude" and key in merged else value
    return merged


def _flatten(documents: Any) -> list[dict[str, Any]]:
    flat: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, list):
            flat.extend(_flatten(document))
        elif document:
            flat.append(document)
    return flat


def _is_excluded(path: PurePosixPath, patterns: tuple[str, ...]) -> bool:
    return any(
        fnmatch.fnmatch(part, pattern) or fnmatch.fnmatch(path.as_posix(), pattern)
        for pattern in patterns
        for part in path.parts
    )


def _render_path(env: jinja2.Environment, path: PurePosixPath, context: dict[str, Any]) -> str | None:
    """The output path, or None when a templated folder or file name renders empty (copier skips it)."""
    # As copier does, the suffix goes first, so a file named `{% if x %}name.py{% endif %}.jinja`
    # renders to nothing, and is skipped, when x is false.
    path = path.with_name(path.name.removesuffix(".jinja"))
    parts = [env.from_string(part).render(context) for part in path.parts]
    return "/".join(parts) if all(parts) else None
