"""Regenerate docs/screenshot-fastapi.png, the page README.md shows: what a user sees after
`dashgen new myapp --backend fastapi`, served by the Procfile's uvicorn command.

    python docs/screenshot.py [OUTPUT.png]

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


def make_screenshot(target: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [sys.executable, "-m", "dashgen", "new", "myapp", "--backend", "fastapi", "-q"], cwd=work, check=True
        )
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
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#summary:has-text('Lisbon')")
                page.wait_for_selector(".gtitle:has-text('Lisbon')")
                page.screenshot(path=str(target))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "screenshot-fastapi.png"
    make_screenshot(output)
    print(f"wrote {output}")
