"""The live dashboard in Chromium (Debian's, driven by Playwright), FastAPI and Quart, booted with
the Procfile's command (2 workers) below DASH_ROUTES_PATHNAME_PREFIX=/demo/: points arrive with
no POST to _dash-update-component, the rate set on the page changes their rate, the report's
steps appear one by one before its result, the WebSocket is under /demo/, no console error, and
closing the page ends its loop on the server."""

import json
import re
import time

import pytest
from helpers import boot, procfile_command, request
from test_browser import RENDER_TIMEOUT_MS, assert_looks_finished
from test_live import LIVE_BACKENDS, generate_live

pytestmark = [pytest.mark.browser, pytest.mark.server]

# The time of the last point on the live chart (its x, in ms since 1970), or -1 before the first.
LAST_POINT = """() => {
  const chart = document.querySelector('#live-chart .js-plotly-plot');
  const x = chart && chart.data ? chart.data[0].x : [];
  return x.length ? Date.parse(x[x.length - 1]) : -1;
}"""

# What the live chart's x axis shows: its type and the labels of its ticks.
X_AXIS = """() => {
  const chart = document.querySelector('#live-chart .js-plotly-plot');
  const ticks = [...chart.querySelectorAll('.xtick text')].map((tick) => tick.textContent);
  return {type: chart._fullLayout.xaxis.type, ticks};
}"""

# Records the report's list and result each time either changes.
WATCH_REPORT = """() => {
  window.reportSeen = [];
  const record = () => window.reportSeen.push([
    document.querySelectorAll('#report-steps li').length,
    document.querySelector('#report-result').textContent,
  ]);
  const observer = new MutationObserver(record);
  for (const id of ['report-steps', 'report-result']) {
    observer.observe(document.getElementById(id), {childList: true, subtree: true, characterData: true});
  }
}"""


def live_pages(base: str) -> dict[int, int]:
    """{worker pid: live pages it streams to}, asking until both workers have answered."""
    seen: dict[int, int] = {}
    # The port listens as soon as the first worker has imported the app; on a busy machine the
    # second one can take many seconds more, and until then the first answers every request.
    deadline = time.monotonic() + 60
    while len(seen) < 2 and time.monotonic() < deadline:
        reply = request(f"{base}/demo/api/live").json()
        seen[reply["worker"]] = reply["live_pages"]
        time.sleep(0.05)
    assert len(seen) == 2, f"only {seen} answered /api/live"
    return seen


def points_sent(page) -> int:
    return int(page.text_content("#live-status").split()[0])


def rate_of_points(page, seconds: float) -> float:
    """Points per second, as the status line under the chart counts them."""
    first = points_sent(page)
    time.sleep(seconds)
    return (points_sent(page) - first) / seconds


@pytest.mark.parametrize("backend", LIVE_BACKENDS)
def test_a_person_watches_the_live_chart_and_runs_the_report(tmp_path, browser, backend):
    project = generate_live(tmp_path, backend, "default")
    command = procfile_command(project)
    assert "--workers ${WEB_CONCURRENCY:-2}" in command
    with boot(project, command, prefix="/demo/") as server:
        assert sum(live_pages(server.base).values()) == 0
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(RENDER_TIMEOUT_MS)
        console_errors, posts = [], []
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        page.on("pageerror", lambda error: console_errors.append(str(error)))
        page.on("request", lambda r: "_dash-update-component" in r.url and posts.append(r.post_data or ""))
        page.goto(f"{server.base}/demo/")
        page.wait_for_selector("#summary:has-text('Lisbon: 17.7')")
        page.wait_for_selector("#live-status:has-text('points, 2 per second')")

        first_point = page.evaluate(LAST_POINT)
        time.sleep(3)  # the first seconds of the page are busy drawing it
        slow = rate_of_points(page, 4)
        page.fill("#rate", "10")
        page.wait_for_selector("#live-status:has-text('10 per second')")
        fast = rate_of_points(page, 4)
        status = page.text_content("#live-status")
        assert 1.2 <= slow <= 2.5, (slow, status, console_errors)
        # The page answers each read of the rate after redrawing the chart: on a busy 2-core
        # machine Chromium draws fewer than 10 a second, so ask for a clear change, not 5x.
        assert fast >= 2 * slow, (slow, fast, status)
        assert sum(live_pages(server.base).values()) == 1
        # The chart drew them, each at the time it was read: the x axis is the clock.
        page.wait_for_function(f"({LAST_POINT})() >= {first_point + 4000}")
        assert abs(page.evaluate(LAST_POINT) - page.evaluate("Date.now()")) < 60_000
        axis = page.evaluate(X_AXIS)
        assert axis["type"] == "date" and all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in axis["ticks"]), axis
        assert page.is_visible("text=The latest 120 points, by the time they were read.")

        page.evaluate(WATCH_REPORT)
        page.click("#run-report")
        page.wait_for_selector("#report-result:has-text('Report 1 done: 5 steps.')")
        seen = page.evaluate("window.reportSeen")
        steps_before_result = [count for count, result in seen if not result]
        assert sorted(set(steps_before_result) - {0}) == [1, 2, 3, 4, 5], seen
        assert seen[-1] == [5, "Report 1 done: 5 steps."]

        # Only the city picker's callback went over HTTP; the live ones over the WebSocket.
        assert posts and all("temperature-chart" in body for body in posts), posts
        # Dash opens the WebSocket in a SharedWorker, out of Playwright's sight: the page's
        # config is where the worker takes the URL from.
        config = json.loads(page.text_content("#_dash-config"))
        assert config["websocket"]["url"] == "/demo/_dash-ws-callback"
        assert_looks_finished(page)
        assert console_errors == []
        page.screenshot(path=str(tmp_path / f"live-{backend}.png"))

        context.close()
        deadline = time.monotonic() + 20
        while sum(live_pages(server.base).values()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert sum(live_pages(server.base).values()) == 0, "the live loop outlived its page"
    assert "Traceback" not in server.output(), server.output()
