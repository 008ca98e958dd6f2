import sys
from pathlib import Path

import pytest

# The tests import their helpers, bench/'s load driver and docs/'s Chromium settings as modules.
ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT / "tests", ROOT / "bench", ROOT / "docs"):
    sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory):
    """Where fresh venvs are kept for the session, shared by the parallel test workers."""
    return tmp_path_factory.getbasetemp().parent / "dashgen-venvs"
