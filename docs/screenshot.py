"""Regenerate the pictures README.md shows: what a user sees after `dashgen new myapp --backend
fastapi`, and with each option that adds to the page, served by the Procfile's uvicorn command.

    python docs/screenshot.py [--pages | --websocket-callbacks | --background-callbacks] [OUTPUT.png]

writes docs/screenshot-fastapi.png, or docs/screenshot-pages.png, screenshot-live.png,
screenshot-job.png (or OUTPUT.png). Each picture is taken once the page shows what a person
would see after a moment: the chart drawn, the live chart's first seconds, the job's result.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright package.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Debian's Chromium as this workplace runs it (Playwright's own browser download is not used):
# no sandbox as root, and no calls to the closed network. tests/ and bench/ launch it the same way.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drawn(page) -> None:
    page.wait_for_selector("#summary:has-text('Lisbon')")
    page.wait_for_selector(".gtitle:has-text('Lisbon')")


def _live(page) -> None:
    _drawn(page)
    page.wait_for_selector("#live-status:has-text('12 points')")


def _job(page) -> None:
    _drawn(page)
    page.fill("#job-points", "2000000")
    page.click("#run-job")
    page.wait_for_selector("#job-result:has-text('π ≈')", timeout=120_000)


# option: (the picture's name, what to wait for before taking it)
OPTIONS = {
    "": ("screenshot-fastapi.png", _drawn),
    "--pages": ("screenshot-pages.png", _drawn),
    "--websocket-callbacks": ("screenshot-live.png", _live),
    "--background-callbacks": ("screenshot-job.png", _job),
}


def make_screenshot(target: Path, option: str = "") -> None:
    from playwright.sync_api import sync_playwright

    _, ready = OPTIONS[option]
    with tempfile.TemporaryDirectory() as work:
        command = [sys.executable, "-m", "dashgen", "new", "myapp", "--backend", "fastapi", "-q"]
        subprocess.run([*command, *([option] if option else [])], cwd=work, check=True)
        port = _free_port()
        bin_dir = Path(sys.executable).parent
        server = subprocess.Popen(
            [str(bin_dir / "uvicorn"), "app:server", "--host", "127.0.0.1", "--port", str(port)],
            cwd=Path(work) / "myapp",
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the generated app did not start")
                time.sleep(0.1)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1100, "height": 720})
                page.set_default_timeout(90_000)
                page.goto(f"http://127.0.0.1:{port}/")
                ready(page)
                page.screenshot(path=str(target), full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    option = arguments.pop(0) if arguments and arguments[0].startswith("--") else ""
    if option not in OPTIONS:
        sys.exit(f"usage: python docs/screenshot.py [{' | '.join(o for o in OPTIONS if o)}] [OUTPUT.png]")
    output = Path(arguments[0]) if arguments else HERE / OPTIONS[option][0]
    make_screenshot(output, option)
    print(f"wrote {output}")
