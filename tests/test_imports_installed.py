"""import-not-installed: what the served app's modules import at start against what its
requirements install. In process, each way an import is or is not provided; then the test app
tests/apps/missing_dependency, whose Procfile does not serve in a venv built from its
requirements.txt until the missing distribution is listed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import procfile_command, venv_for
from test_check import check as check_cli
from test_check import codes as codes_cli
from test_check import serves
from test_rules import FLASK, FLASK_PROCFILE, check, write

from dashgen.distributions import IMPORT_NAMES, REQUIRES

CODE = "import-not-installed"
DASH_AND_SERVER = "dash>=4.2.0\ngunicorn>=23.0\n"
APPS = Path(__file__).parent / "apps"


def app_importing(*lines: str) -> str:
    return "\n".join(lines) + "\n" + FLASK


def missing(root: Path) -> list[tuple[str, int, str]]:
    """(file, line, the distribution its fix adds) of each finding of the rule."""
    return [
        (finding.file, finding.line, finding.fix.removeprefix("Add ").partition(" to ")[0])
        for finding in check(root)
        if finding.code == CODE
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # Import names are not distribution names: the table says which distribution to add.
        ({"app.py": app_importing("import sklearn")}, [("app.py", 1, "scikit-learn")]),
        ({"app.py": app_importing("import sklearn"), "requirements.txt": DASH_AND_SERVER + "scikit-learn\n"}, []),
        ({"app.py": app_importing("from PIL import Image")}, [("app.py", 1, "pillow")]),
        # PEP 503: dash_ag_grid is provided by dash-ag-grid (or Dash_AG.Grid), and suggested so.
        ({"app.py": app_importing("import dash_ag_grid as dag")}, [("app.py", 1, "dash-ag-grid")]),
        ({"app.py": app_importing("import dash_ag_grid"), "requirements.txt": DASH_AND_SERVER + "Dash_AG.Grid\n"}, []),
        # What a listed distribution installs in turn: dash installs Flask, plotly, requests.
        ({"app.py": app_importing("import flask", "import plotly.graph_objects as go", "import requests")}, []),
        # plotly.express needs numpy, which plotly requires only in its express extra.
        ({"app.py": app_importing("import plotly.express as px")}, [("app.py", 1, "numpy")]),
        ({"app.py": app_importing("from plotly import express")}, [("app.py", 1, "numpy")]),
        (
            {
                "app.py": app_importing("import plotly.express"),
                "requirements.txt": DASH_AND_SERVER + "plotly[express]\n",
            },
            [],
        ),
        ({"app.py": app_importing("import plotly.express"), "requirements.txt": DASH_AND_SERVER + "pandas\n"}, []),
        # dash[diskcache] installs psutil; dash alone does not.
        ({"app.py": app_importing("import psutil"), "requirements.txt": "dash[diskcache]>=4.2.0\ngunicorn\n"}, []),
        ({"app.py": app_importing("import psutil")}, [("app.py", 1, "psutil")]),
        # pandas installs numpy (distributions.REQUIRES when pandas is not installed here).
        ({"app.py": app_importing("import numpy"), "requirements.txt": DASH_AND_SERVER + "pandas\n"}, []),
        ({"app.py": app_importing("import os", "import json", "from collections import abc", "import sqlite3")}, []),
        # The project's own modules and packages, namespace packages too.
        (
            {
                "app.py": app_importing("import helpers", "from charts.bars import bar", "from data import load"),
                "helpers.py": "",
                "charts/__init__.py": "",
                "charts/bars.py": "bar = 1\n",
                "data/load.py": "",
            },
            [],
        ),
        # Not run when the module is imported, or answered when it fails: no failing boot.
        (
            {
                "app.py": app_importing(
                    "try:\n    import orjson\nexcept ImportError:\n    orjson = None",
                    "try:\n    import ujson\nexcept (ModuleNotFoundError, ValueError):\n    ujson = None",
                    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pandas",
                    "def export():\n    import openpyxl",
                    'if __name__ == "__main__":\n    import waitress',
                )
            },
            [],
        ),
        ({"app.py": app_importing("try:\n    import orjson\nexcept ValueError:\n    pass")}, [("app.py", 2, "orjson")]),
        # The project's modules the served one imports, each distribution once, where first imported.
        (
            {"app.py": app_importing("import helpers", "import pandas"), "helpers.py": "import pandas as pd\n"},
            [("app.py", 2, "pandas")],
        ),
        ({"app.py": app_importing("import helpers"), "helpers.py": "\nimport yaml\n"}, [("helpers.py", 2, "pyyaml")]),
        # An included file lists what it installs; a constraint installs nothing.
        (
            {
                "app.py": app_importing("import pandas"),
                "requirements.txt": "-r base.txt\n",
                "base.txt": DASH_AND_SERVER + "pandas\n",
            },
            [],
        ),
        (
            {
                "app.py": app_importing("import pandas"),
                "requirements.txt": DASH_AND_SERVER + "-c pins.txt\n",
                "pins.txt": "pandas<3\n",
            },
            [("app.py", 1, "pandas")],
        ),
        # What cannot be told is not said: a line naming no distribution, a listed distribution
        # neither installed here nor in the table, a list without dash (requirements-no-dash).
        ({"app.py": app_importing("import pandas"), "requirements.txt": DASH_AND_SERVER + "-e ./lib\n"}, []),
        (
            {
                "app.py": app_importing("import pandas"),
                "requirements.txt": DASH_AND_SERVER + "-r https://x.org/r.txt\n",
            },
            [],
        ),
        ({"app.py": app_importing("import pandas"), "requirements.txt": DASH_AND_SERVER + "acme-internal-tools\n"}, []),
        ({"app.py": app_importing("import pandas"), "requirements.txt": "gunicorn\n"}, []),
        # Reported by their own rules, not twice: the component packages Dash 3 dropped.
        ({"app.py": app_importing("import dash_table")}, []),
    ],
    ids=lambda value: "" if isinstance(value, list) else None,
)
def test_what_is_missing(tmp_path, files, expected):
    write(tmp_path, {"requirements.txt": DASH_AND_SERVER, "Procfile": FLASK_PROCFILE, **files})
    assert missing(tmp_path) == expected


def test_the_main_block_runs_when_the_procfile_runs_the_module(tmp_path):
    app = app_importing('if __name__ == "__main__":\n    import waitress\n    waitress.serve(server)')
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": DASH_AND_SERVER})
    assert missing(tmp_path) == []
    write(tmp_path, {"Procfile": "web: python app.py\n"})
    assert missing(tmp_path) == [("app.py", 2, "waitress")]


def unused(root: Path) -> list[tuple[int, str]]:
    return [(finding.line, finding.fix) for finding in check(root) if finding.code == "requirement-unused"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"requirements.txt": DASH_AND_SERVER + "waitress\n"},
            [(3, "Remove waitress from requirements.txt, or run it in the Procfile.")],
        ),
        # Run by the Procfile, through gunicorn's worker class, or imported by the app.
        (
            {
                "requirements.txt": DASH_AND_SERVER + "uvicorn\n",
                "Procfile": "web: gunicorn -k uvicorn.workers.UvicornWorker app:server\n",
            },
            [],
        ),
        (
            {
                "requirements.txt": DASH_AND_SERVER + "waitress\n",
                "app.py": FLASK + 'if __name__ == "__main__":\n    import waitress\n',
            },
            [],
        ),
        # Without a Procfile the server that runs is not known.
        ({"requirements.txt": DASH_AND_SERVER + "uvicorn\n", "Procfile": None}, []),
        # A Procfile whose server cannot serve the app is procfile-asgi-server-for-wsgi's finding.
        ({"requirements.txt": DASH_AND_SERVER + "uvicorn\n", "Procfile": "web: uvicorn app:server\n"}, []),
        (
            {"requirements.txt": "dash[celery]>=4.2.0\ngunicorn>=23.0\n"},
            [(1, "Remove the celery extra from the dash line.")],
        ),
        ({"requirements.txt": "dash[celery]>=4.2.0\ngunicorn>=23.0\n", "app.py": "import celery\n" + FLASK}, []),
        ({"requirements.txt": "dash[async]>=4.2.0\ngunicorn>=23.0\n"}, []),
    ],
    ids=lambda value: "" if isinstance(value, list) else None,
)
def test_what_is_listed_for_nothing(tmp_path, files, expected):
    files = {"app.py": FLASK, "Procfile": FLASK_PROCFILE, **files}
    write(tmp_path, {name: text for name, text in files.items() if text is not None})
    assert unused(tmp_path) == expected


def test_pyproject_dependencies_are_what_is_provided_without_requirements_txt(tmp_path):
    pyproject = '[project]\nname = "sales"\nversion = "1"\ndependencies = ["dash>=4.2.0", "pandas"]\n'
    write(tmp_path, {"app.py": app_importing("import numpy", "import yaml"), "pyproject.toml": pyproject})
    found = [finding for finding in check(tmp_path) if finding.code == CODE]
    assert [(finding.line, finding.fix) for finding in found] == [(2, "Add pyyaml to pyproject.toml.")]
    assert "which pyproject.toml does not list" in found[0].problem


def test_nothing_to_read_is_left_to_requirements_missing(tmp_path):
    write(tmp_path, {"app.py": app_importing("import pandas"), "Procfile": FLASK_PROCFILE})
    assert [finding.code for finding in check(tmp_path)] == ["requirements-missing"]


def test_the_tables_name_distributions_as_pep_503_does():
    from packaging.utils import canonicalize_name

    for name in [*REQUIRES, *(each for names in IMPORT_NAMES.values() for each in names)]:
        assert name == canonicalize_name(name), name


@pytest.mark.server
def test_a_missing_distribution_stops_the_app_until_it_is_listed(tmp_path, venv_cache):
    project = tmp_path / "missing_dependency"
    shutil.copytree(APPS / "missing_dependency", project)
    report = check_cli(project)
    assert codes_cli(report) == {CODE}
    assert [item["fix"] for item in report["findings"]] == [
        "Add dash-bootstrap-components to requirements.txt.",
        "Add numpy to requirements.txt.",  # plotly.express stops at import without it
    ]
    command = f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}"
    assert not serves(project, command)  # ModuleNotFoundError: No module named 'dash_bootstrap_components'

    with (project / "requirements.txt").open("a") as handle:
        handle.write("dash-bootstrap-components\n")
    assert [item["fix"] for item in check_cli(project)["findings"]] == ["Add numpy to requirements.txt."]
    assert not serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")

    with (project / "requirements.txt").open("a") as handle:
        handle.write("numpy\n")
    assert check_cli(project)["errors"] == 0
    assert serves(project, f"{venv_for(project / 'requirements.txt', venv_cache)}/{procfile_command(project)}")


def test_without_installed_metadata_the_tables_judge_a_dash_app(tmp_path, monkeypatch):
    """dashgen run outside the app's venv (pipx): no metadata of dash or the app's packages."""
    from dashgen import distributions

    monkeypatch.setattr(distributions, "installed_requires", lambda name: None)
    monkeypatch.setattr(distributions, "_installed_owners", dict)
    app = app_importing("import flask", "import requests", "import yaml", "import dash_bootstrap_components")
    write(tmp_path, {"app.py": app, "Procfile": FLASK_PROCFILE, "requirements.txt": DASH_AND_SERVER})
    assert missing(tmp_path) == [("app.py", 3, "pyyaml"), ("app.py", 4, "dash-bootstrap-components")]


def test_the_dash_table_is_the_installed_dashs_metadata():
    """REQUIRES["dash"] was read from dash 4.4.1: its requirements, extras as the table keeps them."""
    from importlib.metadata import requires, version

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    if version("dash") != "4.4.1":
        pytest.skip(f"the table was read from dash 4.4.1, dash {version('dash')} is installed")
    kept = {"", "async", "celery", "diskcache", "compress", "fastapi", "quart", "cloud", "ag-grid"}

    def names(texts):
        found = set()
        for text in texts:
            requirement = Requirement(text)
            marker = str(requirement.marker or "")
            extra = next((each for each in kept if each and f'extra == "{each}"' in marker), "")
            if not marker or extra:
                found.add((canonicalize_name(requirement.name), extra))
        return found

    assert names(REQUIRES["dash"]) == names(requires("dash"))


def test_installed_requirements_are_what_importlib_metadata_reads():
    """installed_requires finds each distribution as importlib.metadata does and reads only the
    headers of its METADATA: the same list as the whole file, and None for what is not installed."""
    from importlib.metadata import distribution, distributions

    from dashgen.distributions import installed_requires

    names = {each.metadata["Name"] for each in distributions()}
    assert len(names) > 20
    for name in names:
        assert installed_requires(name) == (distribution(name).requires or []), name
        assert installed_requires(name.upper().replace("-", ".")) == installed_requires(name), name
    for missing in ("dashgen-not-installed", "", "-"):
        assert installed_requires(missing) is None


@pytest.mark.parametrize("shadowing", ["folder", "zip"])
def test_installed_requires_finds_the_first_distribution_on_sys_path(tmp_path, monkeypatch, shadowing):
    """A distribution earlier on sys.path is the one installed, from a folder or a zip file
    (which importlib.metadata reads for dashgen)."""
    import sys
    import zipfile
    from importlib.metadata import distribution

    from dashgen import distributions

    metadata = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 0.1\nRequires-Dist: shadow-only\n\nText.\n"
    if shadowing == "folder":
        entry = tmp_path / "early"
        (entry / "jinja2-0.1.dist-info").mkdir(parents=True)
        (entry / "jinja2-0.1.dist-info" / "METADATA").write_text(metadata)
    else:
        entry = tmp_path / "early.zip"
        with zipfile.ZipFile(entry, "w") as archive:
            archive.writestr("jinja2-0.1.dist-info/METADATA", metadata)
    monkeypatch.setattr(sys, "path", [str(entry), *sys.path])
    distributions._metadata_folders.cache_clear()
    try:
        assert distributions.installed_requires("jinja2") == ["shadow-only"] == distribution("jinja2").requires
        assert distributions._metadata_folders()[1] is (shadowing == "folder")
    finally:
        distributions._metadata_folders.cache_clear()


@pytest.mark.parametrize(
    "headers",
    [
        "Name: a\nRequires-Dist: x; extra == 'y'  \nrequires-dist:\tz\n",
        "Name: a\nRequires-Dist:\nRequires-Dist: b",
        "Name: a\nRequires-Dist: b;\n  extra == 'c'\nRequires-Dist: d",  # folded: the email parser
        "Name: a\r\nRequires-Dist: b\r\n",
        "From x\nRequires-Dist: b\nnot a header\nRequires-Dist: c",
        "Näme: a\nRequires-Dist: b",
        "Name: a\nLicense: MIT\n        \n  Copyright\n\tholders\nRequires-Dist: b\nRequires-Dist: c",
        "  folded: first\nRequires-Dist: b",
        "Name: a\nRequires-Dist: b\n\tfolded",
        "",
    ],
)
def test_requires_dist_is_read_as_the_email_parser_reads_it(headers):
    from email import message_from_string

    from dashgen.distributions import requires_dist

    expected = message_from_string(headers).get_all("Requires-Dist") or []
    assert requires_dist(headers + "\n\nThe description.\nRequires-Dist: not a header\n") == expected


def test_a_dependency_skipped_unparsed_is_one_no_extra_asks_for():
    """installs() skips `...; extra == "x"` lines before packaging parses them when no extra is
    asked for: on every installed Requires-Dist, such a line is one _wanted rejects (or invalid)."""
    from importlib.metadata import distributions

    from packaging.requirements import InvalidRequirement, Requirement

    from dashgen.distributions import _marker_names_extra, _wanted

    skipped = [text for each in distributions() for text in each.requires or [] if _marker_names_extra(text)]
    assert len(skipped) > 50
    for text in skipped:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        assert requirement.marker is not None and not _wanted(requirement.marker, frozenset()), text
