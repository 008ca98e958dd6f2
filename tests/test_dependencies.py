"""dashgen's runtime dependencies are exactly the distributions its modules import."""

import ast
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent


def imported_distributions():
    names = set()
    for module in (REPO / "dashgen").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    third_party = names - set(sys.stdlib_module_names) - {"dashgen", "__future__"}
    distributions = packages_distributions()
    return {canonicalize_name(distributions[name][0]) for name in third_party}


def test_runtime_dependencies_are_what_dashgen_imports():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(line).name) for line in project["dependencies"]}
    assert declared == imported_distributions()
    assert "copier" not in declared
