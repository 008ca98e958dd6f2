import sys
from pathlib import Path

import pytest

# The tests import their helpers module directly.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory):
    """Where fresh venvs are kept for the session, shared by the parallel test workers."""
    return tmp_path_factory.getbasetemp().parent / "dashgen-venvs"
