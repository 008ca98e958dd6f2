"""The templates: in copier's format, rendered the same by copier and by dashgen, and saying
what backends.py says about each backend."""

import filecmp
import warnings
from pathlib import Path

import pytest
from helpers import TOPOLOGIES, generate, snapshot

from dashgen.backends import BACKENDS

# The source templates (the installed copy may hold files pip added, such as __pycache__).
ROOT = Path(__file__).resolve().parent.parent / "templates"
BACKEND_SPECIFIC = {
    "copier.yml",
    "app.py.jinja",
    "Procfile.jinja",
    "requirements.txt.jinja",
    "_facts.jinja",
    "_route.py.jinja",
    "tests/conftest.py.jinja",
}


def template_files(backend):
    folder = ROOT / backend
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def test_every_backend_has_a_template_folder():
    assert {path.name for path in ROOT.iterdir() if path.is_dir()} == set(BACKENDS)


def test_shared_template_files_are_identical_in_every_backend():
    # copier refuses files from outside a template folder, so shared files exist once per
    # backend; they must not drift apart.
    flask_files = template_files("flask")
    for backend in BACKENDS:
        assert template_files(backend) == flask_files
        for relative in sorted(flask_files - BACKEND_SPECIFIC):
            assert filecmp.cmp(ROOT / "flask" / relative, ROOT / backend / relative, shallow=False), (
                f"templates/{backend}/{relative} differs from templates/flask/{relative}"
            )


@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_copier_copy_makes_the_same_files_as_dashgen_new(tmp_path, backend, topology):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from copier import run_copy

    options = {"--own-server": "own_server", "--static-site": "static_site", "--async-callbacks": "async_callbacks"}
    flags = TOPOLOGIES[topology]
    data = {"project_name": "demo"}
    data.update({options[flag]: True for flag in flags if flag in options})
    if "--mount" in flags:
        data["mount"] = flags[flags.index("--mount") + 1]
    run_copy(str(ROOT / backend), tmp_path / "copier", data=data, defaults=True, quiet=True)
    (tmp_path / "dashgen").mkdir()
    ours = generate(tmp_path / "dashgen", backend, topology)

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
    for backend in BACKENDS:
        for path in (ROOT / backend).rglob("*"):
            assert "__pycache__" not in path.parts and path.suffix != ".pyc", path
