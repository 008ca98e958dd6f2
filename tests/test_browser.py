"""Every generated app in a real browser (Debian's Chromium, driven by Playwright), booted with
its Procfile command below DASH_ROUTES_PATHNAME_PREFIX=/demo/: the page loads with no console
error and no failed request, a pick in the dropdown runs the callback and redraws the page, the
static site links to the dashboard, and websocket and SSE routes talk to the page."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import DASH_PATH, TOPOLOGIES, boot, generate, procfile_command, run_dashgen

from dashgen.backends import BACKENDS

pytestmark = [pytest.mark.browser, pytest.mark.server]

# The first render fetches Dash's bundles (plotly.js alone is several MB): on a CI machine whose
# two cores also run the other test worker, that can take a while.
RENDER_TIMEOUT_MS = 90_000


class Watched:
    """A page with everything that went wrong in it recorded."""

    def __init__(self, browser, server, base: str | None = None):
        """`server` is the one whose log a failure shows; `base`, where the page is served when a
        proxy stands in front of it."""
        self.page = browser.new_page(viewport={"width": 1100, "height": 760})
        self.page.set_default_timeout(RENDER_TIMEOUT_MS)
        self.server = server
        self.base = base or server.base
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.responses: list[tuple[int, str]] = []
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("requestfailed", lambda request: self.failed.append(f"{request.url} {request.failure}"))
        self.page.on("response", lambda response: self.responses.append((response.status, response.url)))

    def report(self) -> str:
        """What the page saw, for a failure message."""
        bad = [(status, url) for status, url in self.responses if status != 200]
        return (
            f"console errors {self.console_errors}, failed requests {self.failed}, non-200 responses {bad}, "
            f"and the server said:\n{self.server.output()[-4000:]}"
        )

    def assert_clean(self, prefix: str) -> None:
        assert self.console_errors == [], self.report()
        assert self.failed == [], self.report()
        ours = [(status, url) for status, url in self.responses if url.startswith(self.base)]
        assert ours, "the page made no request to the app"
        assert [(s, u) for s, u in ours if s != 200] == [], self.report()
        assert [u for _, u in ours if not u.removeprefix(self.base).startswith(prefix)] == []
        assert any("_dash-layout" in url for _, url in ours)
        assert any("_dash-update-component" in url for _, url in ours)
        assert any("/assets/style.css" in url for _, url in ours)


# What a person notices before reading anything, in the page as it stands: the app's own buttons
# (Dash's components draw theirs) against a button the browser draws by default, the inputs no
# label names, and the elements that stick out of the window.
LOOKS = r"""async () => {
  const frame = document.createElement('iframe');
  frame.srcdoc = '<button>Default</button>';
  await new Promise((resolve) => { frame.onload = resolve; document.body.append(frame); });
  const plain = getComputedStyle(frame.contentDocument.querySelector('button'));
  const browserDefault = [plain.backgroundColor, plain.borderRadius, plain.fontFamily];
  frame.remove();
  const visible = (e) => e.offsetWidth > 1 && e.offsetHeight > 1 && getComputedStyle(e).visibility !== 'hidden';
  const name = (e) => `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute('class') || ''}`;
  const own = [...document.querySelectorAll('button')].filter((b) => !/(^| )(dash-|modebar-btn)/.test(b.className));
  const looks = (b) => {
    const style = getComputedStyle(b);
    return [style.backgroundColor, style.borderRadius, style.fontFamily];
  };
  const fields = [...document.querySelectorAll('input:not([type=hidden]), select, textarea, [role=combobox]')];
  const labelled = (e) => e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
  // WCAG's contrast of a text's colour with the first opaque background behind it.
  const rgba = (colour) => colour.match(/[\d.]+/g).map(Number);
  const channel = (v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const behind = (e) => {
    for (; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) return colour;
    }
    return [255, 255, 255];
  };
  const contrast = (e) => {
    const [a, b] = [luminance(rgba(getComputedStyle(e).color)), luminance(behind(e))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const texts = [...document.querySelectorAll('h1, h2, p, label, li, nav a'), ...own].filter(
    (e) => visible(e) && e.textContent.trim(),
  );
  const width = document.documentElement.clientWidth;
  const outside = (e) => { const box = e.getBoundingClientRect(); return box.right > width + 1 || box.left < -1; };
  return {
    buttons: own.length,
    defaultLooking: own.filter((b) => looks(b).some((value, i) => value === browserDefault[i])).map(name),
    // aria-hidden: the dropdown's focus catcher, which no assistive technology announces.
    unlabelled: fields.filter(visible).filter((e) => !e.closest('[aria-hidden=true]') && !labelled(e)).map(name),
    lowContrast: texts.filter((e) => contrast(e) < 4.5).map((e) => `${name(e)} ${contrast(e).toFixed(2)}`),
    overflowing: [...document.body.querySelectorAll('*')].filter(visible).filter(outside).map(name).slice(0, 10),
    scrollWidth: document.documentElement.scrollWidth,
    width,
  };
}"""


def assert_looks_finished(page, buttons: bool = True) -> None:
    """The page's buttons are the stylesheet's, every input has a label, every text a contrast of
    4.5:1 or more, and nothing overflows on a phone (375 px) or a laptop (1280 px), light and
    dark; the size and colour scheme the page had are put back."""
    size = page.viewport_size
    for scheme, width in (("light", 375), ("light", 1280), ("dark", 375), ("dark", 1280)):
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(500)  # Plotly redraws its charts after a resize
        looks = page.evaluate(LOOKS)
        assert bool(looks["buttons"]) == buttons and looks["defaultLooking"] == [], looks
        assert looks["unlabelled"] == [] and looks["lowContrast"] == [], (scheme, looks)
        assert looks["overflowing"] == [] and looks["scrollWidth"] <= looks["width"], (width, looks)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(size)
    if buttons:
        assert_keyboard_focus_shows(page)


# The outline of the focused element when it is one of the app's buttons, else null.
FOCUSED_BUTTON = """() => {
  const e = document.activeElement;
  if (e.tagName !== 'BUTTON' || /(^| )(dash-|modebar-btn)/.test(e.className)) return null;
  const style = getComputedStyle(e);
  return {id: e.id, outline: `${style.outlineStyle} ${style.outlineWidth}`};
}"""


def assert_keyboard_focus_shows(page) -> None:
    """Tabbing reaches one of the app's buttons, and it shows the stylesheet's focus ring."""
    page.mouse.click(1, 1)  # start from the page, not from a field a test filled
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_BUTTON)
        if focused:
            assert focused["outline"] == "solid 3px", focused
            return
    raise AssertionError("no button of the app's takes the keyboard's focus")


def pick_city_and_wait(page, city: str) -> None:
    page.wait_for_selector("#summary:has-text('Lisbon: 17.7')", timeout=RENDER_TIMEOUT_MS)
    page.click("#city")
    page.get_by_text(city, exact=True).click()
    page.wait_for_selector(f"#summary:has-text('{city}:')", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(f".gtitle:has-text('{city}')", timeout=RENDER_TIMEOUT_MS)  # the chart redrew too


@pytest.mark.parametrize("topology", list(TOPOLOGIES))
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_a_person_sees_a_working_app(tmp_path, browser, backend, topology):
    project = generate(tmp_path, backend, topology)
    sockets = BACKENDS[backend].websocket_routes
    if sockets:
        for arguments in (["/ws/echo", "--kind", "websocket"], ["/events", "--kind", "sse"]):
            assert run_dashgen("add-route", *arguments, cwd=project).returncode == 0
    dash_path = DASH_PATH.get(topology, "")
    with boot(project, procfile_command(project), prefix="/demo/") as server:
        watched = Watched(browser, server)
        page = watched.page
        if topology == "static-site":
            page.goto(f"{server.base}/demo/app/")
            page.wait_for_selector("#data li:has-text('Lisbon: 17.7')")
            page.click("#dashboard-link")
            page.wait_for_url(f"{server.base}/demo/{dash_path}")
        else:
            page.goto(f"{server.base}/demo/{dash_path}")
        try:
            pick_city_and_wait(page, "Oslo")
        except Exception as error:
            raise AssertionError(f"the page did not work: {watched.report()}") from error
        assert_looks_finished(page, buttons=False)  # the chart's page has a dropdown only
        if topology == "default":
            page.screenshot(path=str(tmp_path / f"{backend}.png"))
        if sockets:
            talk = page.evaluate(SOCKETS_SCRIPT, "/demo/")
            assert talk == {
                "websocket": ["echo: ping", "echo: pong"],
                "events": [f"event {n} of 3 from /events" for n in (1, 2, 3)],
            }
        watched.assert_clean("/demo/")
        page.close()


# Runs in the Dash page: opens the websocket and the EventSource of the routes add-route wrote.
SOCKETS_SCRIPT = """
async (prefix) => {
  const websocket = await new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${location.host}${prefix}ws/echo`);
    const received = [];
    socket.onopen = () => { socket.send("echo: ping"); socket.send("echo: pong"); };
    socket.onmessage = (message) => {
      received.push(message.data);
      if (received.length === 2) { socket.close(); resolve(received); }
    };
    socket.onerror = () => reject(new Error("websocket failed"));
  });
  const events = await new Promise((resolve, reject) => {
    const source = new EventSource(`${prefix}events`);
    const received = [];
    source.onmessage = (message) => {
      received.push(message.data);
      if (received.length === 3) { source.close(); resolve(received); }
    };
    source.onerror = () => { source.close(); reject(new Error("event source failed")); };
  });
  return {websocket, events};
}
"""


@pytest.mark.parametrize(
    "option",
    [[], ["--pages"], ["--websocket-callbacks"], ["--background-callbacks"]],
    ids=["default", "pages", "live", "job"],
)
def test_readme_screenshot_script_makes_the_picture(tmp_path, option):
    """docs/screenshot.py, which makes README's pictures, makes each of them."""
    target = tmp_path / "picture.png"
    script = Path(__file__).resolve().parent.parent / "docs" / "screenshot.py"
    subprocess.run([sys.executable, str(script), *option, str(target)], check=True, timeout=240)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("backend", "topology"), [*((backend, "default") for backend in BACKENDS), ("fastapi", "mount")]
)
def test_a_person_moves_between_pages(tmp_path, browser, backend, topology):
    """`new --pages` behind /demo/ with its Procfile's workers: the navigation, page changes
    without a reload, direct loads, the 404 page, each page's callback; then `add-page` and a
    restart add a page to the navigation."""
    project = generate(tmp_path, backend, topology, options=("--pages",))
    base = f"/demo/{DASH_PATH.get(topology, '')}"
    with boot(project, procfile_command(project), prefix="/demo/") as server:

        def walk(page):
            pick_city_and_wait(page, "Oslo")
            assert page.locator("nav.pages a").all_inner_texts() == ["Home", "Analytics"]
            page.wait_for_selector("nav.pages a.current:has-text('Home')")
            assert_looks_finished(page, buttons=False)
            # A full reload would make a new window object and lose this mark.
            page.evaluate("window.stayedOnThisPage = true")
            page.click("nav.pages a:has-text('Analytics')")
            page.wait_for_url(f"{server.base}{base}analytics")
            page.click("#analytics-button")
            page.wait_for_selector("#analytics-clicks:has-text('Clicked 1 time.')")
            assert page.title() == "Analytics"
            assert page.locator("nav.pages a.current").all_inner_texts() == ["Analytics"]
            assert_looks_finished(page)
            page.click("nav.pages a:has-text('Home')")
            page.wait_for_url(f"{server.base}{base}")
            pick_city_and_wait(page, "Toronto")
            assert page.evaluate("window.stayedOnThisPage") is True

        def direct_load(page):
            page.wait_for_selector("#analytics-clicks:has-text('Clicked 0 times.')")
            page.click("#analytics-button")
            page.wait_for_selector("#analytics-clicks:has-text('Clicked 1 time.')")

        def not_found(page):
            page.wait_for_selector("h2:has-text('Page not found')")
            assert_looks_finished(page, buttons=False)
            page.click("text=Back to the home page")
            page.wait_for_url(f"{server.base}{base}")
            pick_city_and_wait(page, "Singapore")

        # Each in a page of its own: leaving a page while Dash's renderer loads a script aborts it.
        for path, steps in (("", walk), ("analytics", direct_load), ("no/such/page", not_found)):
            visit(browser, server, f"{base}{path}", steps)

    assert run_dashgen("add-page", "reports", cwd=project).returncode == 0
    with boot(project, procfile_command(project), prefix="/demo/") as server:

        def listed(page):
            pick_city_and_wait(page, "Oslo")
            assert page.locator("nav.pages a").all_inner_texts() == ["Home", "Analytics", "Reports"]
            page.click("nav.pages a:has-text('Reports')")
            page.wait_for_url(f"{server.base}{base}reports")
            page.click("#reports-button")
            page.click("#reports-button")
            page.wait_for_selector("#reports-clicks:has-text('Clicked 2 times.')")

        def loaded(page):
            page.wait_for_selector("h2:has-text('Reports')")
            page.click("#reports-button")
            page.wait_for_selector("#reports-clicks:has-text('Clicked 1 time.')")

        # The home page first: on FastAPI a worker whose first request is another page serves an
        # incomplete index (Dash 4.4.1; test_pages.py::test_a_page_loaded_first_gets_the_full_index).
        visit(browser, server, base, listed)
        visit(browser, server, f"{base}reports", loaded)


def visit(browser, server, path: str, steps) -> None:
    """Open `path` in a fresh page, take the steps, and show that nothing went wrong on the way."""
    watched = Watched(browser, server)
    try:
        watched.page.goto(f"{server.base}{path}")
        steps(watched.page)
    except Exception as error:
        raise AssertionError(f"{path} did not work: {watched.report()}") from error
    watched.assert_clean("/demo/")
    watched.page.close()
