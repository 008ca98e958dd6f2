import sys
from pathlib import Path

import pytest

# The tests import their helpers, bench/'s load driver and docs/'s Chromium settings as modules.
ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT / "tests", ROOT / "bench", ROOT / "docs"):
    sys.path.insert(0, str(folder))

from screenshot import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 (found through the path set above)


@pytest.fixture(scope="session")
def venv_cache(tmp_path_factory):
    """Where fresh venvs are kept for the session, shared by the parallel test workers."""
    return tmp_path_factory.getbasetemp().parent / "dashgen-venvs"


# Debian's Chromium, for the browser tests. Module scope: Playwright's sync API keeps an event
# loop running in this thread while it is open, and the load tests that may follow in the same
# worker start their own.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: scripts/test installs it (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()
