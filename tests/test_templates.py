"""The templates: in copier's format, rendered the same by copier and by dashgen, and saying
what backends.py says about each backend."""

import re
import shutil
import warnings
from collections import defaultdict
from pathlib import Path

import pytest
from helpers import TOPOLOGIES, generate, snapshot
from test_combos import CASES as COMBOS

from dashgen.backends import BACKENDS

# The source templates (the installed copy may hold files pip added, such as __pycache__).
ROOT = Path(__file__).resolve().parent.parent / "templates"
# Folders of the one template that are not a backend's: the project's files, their partials,
# and the files `deploy-files` writes.
COMMON_FOLDERS = {"project", "shared", "deploy"}
# Lines that say nothing on their own: blank, brackets, or only Jinja tags and comments.
_TAGS_ONLY = re.compile(r"(\{%.*?%\}|\{#.*?#\})+")
# A run of this many lines of text written in two places is a copy.
RUN = 3


def copied_text(root):
    """{run of lines: [(file, line number), ...]} for every run of RUN lines found in two places."""
    places = defaultdict(list)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        lines = [
            (number, line.strip())
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.strip().strip("()[]{}:,") and not _TAGS_ONLY.fullmatch(line.strip())
        ]
        relative = path.relative_to(root).as_posix()
        for start in range(len(lines) - RUN + 1):
            run = tuple(text for _, text in lines[start : start + RUN])
            places[run].append((relative, lines[start][0]))
    return {run: where for run, where in places.items() if len(where) > 1}


def test_every_backend_has_a_template_folder():
    assert {path.name for path in ROOT.iterdir() if path.is_dir()} == set(BACKENDS) | COMMON_FOLDERS


def test_copier_asks_for_every_backend_of_backends_py():
    import yaml

    assert yaml.safe_load((ROOT / "copier.yml").read_text())["backend"]["choices"] == list(BACKENDS)


def test_the_envops_add_route_and_deploy_files_render_with_are_copier_ymls():
    from dashgen.render import TEMPLATE_ENVOPS, load_config

    assert load_config(ROOT)["_envops"] == TEMPLATE_ENVOPS


def test_no_template_text_is_written_twice():
    files = defaultdict(list)
    for path in sorted(p for p in ROOT.rglob("*") if p.is_file()):
        files[path.read_bytes()].append(path.relative_to(ROOT).as_posix())
    assert [names for names in files.values() if len(names) > 1] == []
    copies = copied_text(ROOT)
    assert not copies, "\n".join(f"{where}: {run[0]}" for run, where in copies.items())


def test_the_copy_check_finds_a_shared_file_copied_into_a_backend_folder(tmp_path):
    shutil.copytree(ROOT, tmp_path / "templates")
    copy = tmp_path / "templates" / "quart" / "layout.py.jinja"
    shutil.copy(ROOT / "shared" / "layout.py.jinja", copy)
    copies = copied_text(tmp_path / "templates")
    assert copies
    assert all(
        {file for file, _ in where} == {"quart/layout.py.jinja", "shared/layout.py.jinja"} for where in copies.values()
    )

    # Four lines pasted into a backend's app.py are found as well.
    copy.unlink()
    pasted = (ROOT / "shared" / "weather.py.jinja").read_text().splitlines()[3:7]
    app = tmp_path / "templates" / "flask" / "app.py.jinja"
    app.write_text(app.read_text() + "\n".join(pasted) + "\n")
    assert {file for where in copied_text(tmp_path / "templates").values() for file, _ in where} == {
        "flask/app.py.jinja",
        "shared/weather.py.jinja",
    }


# Options of `dashgen new` beyond the topology, and the copier answers they set.
ANSWERS = {
    "--own-server": "own_server",
    "--static-site": "static_site",
    "--async-callbacks": "async_callbacks",
    "--pages": "pages",
    "--websocket-callbacks": "websocket_callbacks",
    "--background-callbacks": "background_callbacks",
    "--mcp": "mcp",
}
CASES = [
    *(
        (backend, topology, options)
        for backend in BACKENDS
        for topology in TOPOLOGIES
        for options in [(), ("--pages",), ("--mcp",), ("--pages", "--mcp")]
    ),
    *((backend, topology, ("--pages", *features)) for backend, topology, features in COMBOS),
]
IDS = [
    f"{backend}-{topology}-{'+'.join(o.strip('-') for o in options) or 'one-page'}"
    for backend, topology, options in CASES
]


@pytest.mark.parametrize(("backend", "topology", "options"), CASES, ids=IDS)
def test_copier_copy_makes_the_same_files_as_dashgen_new(tmp_path, backend, topology, options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from copier import run_copy

    flags = [*TOPOLOGIES[topology], *options]
    data = {"project_name": "demo", "backend": backend}
    data.update({ANSWERS[flag]: True for flag in flags if flag in ANSWERS})
    if "--mount" in flags:
        data["mount"] = flags[flags.index("--mount") + 1]
    run_copy(str(ROOT), tmp_path / "copier", data=data, defaults=True, quiet=True)
    (tmp_path / "dashgen").mkdir()
    ours = generate(tmp_path / "dashgen", backend, topology, options=options)

    copier_files, dashgen_files = snapshot(tmp_path / "copier"), snapshot(ours)
    answers = ".copier-answers.yml"
    assert copier_files.keys() == dashgen_files.keys()
    for path in copier_files.keys() - {answers}:
        assert copier_files[path] == dashgen_files[path], path
    assert _answers(copier_files[answers]) == _answers(dashgen_files[answers])


def _answers(text: bytes) -> dict:
    import yaml

    return {key: value for key, value in yaml.safe_load(text).items() if not key.startswith("_")}


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_procfile_and_requirements_say_what_backends_py_says(tmp_path, backend):
    facts = BACKENDS[backend]
    project = generate(tmp_path, backend, "default")
    assert (project / "Procfile").read_text() == f"web: {facts.command('app:server')}\n"
    assert requirement_lines(project) == [facts.dash_requirement, facts.server_requirement]

    (tmp_path / "async").mkdir()
    asynchronous = generate(tmp_path / "async", backend, "async-callbacks")
    assert requirement_lines(asynchronous) == [facts.async_callbacks_requirement, facts.server_requirement]


def requirement_lines(project):
    lines = (project / "requirements.txt").read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_templates_ship_no_stray_files():
    for path in ROOT.rglob("*"):
        assert "__pycache__" not in path.parts and path.suffix != ".pyc", path
