"""The generated long job in Chromium, as a person uses it: on Celery (a real Redis, the Procfile's
worker: line, its web: line with 2 workers, behind /demo/) and on diskcache with REDIS_URL unset,
on every backend; and through a round-robin proxy in front of two working copies."""

import pytest
from background_helpers import celery_worker, process_line, redis_server, wait_for
from helpers import boot
from test_background import new_jobs, round_robin, two_copies
from test_browser import RENDER_TIMEOUT_MS, Watched, assert_looks_finished

from dashgen.backends import BACKENDS

pytestmark = [pytest.mark.browser, pytest.mark.server]


def progress(page) -> int:
    return int(page.get_attribute("#job-progress", "value") or 0)


def run_job(page, points: int) -> None:
    page.fill("#job-points", str(points))
    page.click("#run-job")


# Records (Run disabled, Cancel disabled) each time either button changes: a short job can be over
# before a poll from the test would see its running state.
WATCH_BUTTONS = """() => {
  const buttons = ['run-job', 'cancel-job'].map((id) => document.getElementById(id));
  window.buttonStates = [];
  const observer = new MutationObserver(() => window.buttonStates.push(buttons.map((b) => b.disabled)));
  for (const button of buttons) observer.observe(button, {attributes: true});
}"""


def run_and_see_the_result(page, points: int) -> list[int]:
    """Click Run; return the progress values seen until the result arrived."""
    page.evaluate(WATCH_BUTTONS)
    run_job(page, points)
    seen = []
    wait_for(lambda: seen.append(progress(page)) or "π ≈" in page.inner_text("#job-result"), 120, lambda: str(seen))
    page.wait_for_selector("#run-job:not([disabled])")
    # The bar's value in words, and the result in large type.
    assert page.inner_text("#job-progress-text") == "20 of 20 batches"
    assert float(page.eval_on_selector("#job-result", "e => parseFloat(getComputedStyle(e).fontSize)")) >= 20
    states = page.evaluate("window.buttonStates")
    # While the job ran, running= had Run disabled and Cancel enabled; after it, the reverse.
    assert [True, False] in states, states
    assert states[-1] == [False, True], states
    return seen


def open_app(chromium, url: str, server, base: str | None = None) -> Watched:
    watched = Watched(chromium, server, base)
    watched.page.goto(url)
    try:
        watched.page.wait_for_selector("#summary:has-text('Lisbon: 17.7')", timeout=RENDER_TIMEOUT_MS)
    except Exception as error:
        raise AssertionError(f"the page did not render: {watched.report()}") from error
    return watched


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_progress_result_and_cancel_on_celery_then_on_diskcache(tmp_path, browser, backend):
    project = new_jobs(tmp_path, backend)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url}
        with (
            celery_worker(project, process_line(project, "worker"), env) as worker,
            boot(project, process_line(project, "web"), prefix="/demo/", env=env) as web,
        ):
            watched = open_app(browser, f"{web.base}/demo/", web)
            page = watched.page
            assert page.inner_text("#job-progress-text") == "0 of 20 batches"
            assert_looks_finished(page)
            # Long enough to span several progress polls (about one a second) on an idle machine too.
            seen = run_and_see_the_result(page, 30_000_000)
            advancing = sorted(set(seen) - {0})
            assert len(advancing) >= 2 and advancing[-1] <= 20, seen  # the bar moved, more than once
            assert "from 30,000,000 points" in page.inner_text("#job-result")

            run_job(page, 40_000_000)
            wait_for(lambda: progress(page) >= 1, 60, worker.output)
            page.click("#cancel-job")
            wait_for(lambda: "Terminating" in worker.output(), 30, worker.output)
            page.wait_for_selector("#run-job:not([disabled])")
            assert "from 30,000,000 points" in page.inner_text("#job-result")  # no new result came
            assert watched.console_errors == [], watched.report()
            page.close()

    with boot(project, process_line(project, "web"), prefix="/demo/") as web:  # REDIS_URL unset
        watched = open_app(browser, f"{web.base}/demo/", web)
        run_and_see_the_result(watched.page, 4_000_000)
        assert watched.console_errors == [], watched.report()
        watched.page.close()
    assert any((project / "cache").iterdir())


def test_jobs_through_a_round_robin_proxy_in_front_of_two_copies(tmp_path, browser):
    first, second = two_copies(tmp_path)
    with redis_server(tmp_path) as redis_url:
        env = {"REDIS_URL": redis_url, "WEB_CONCURRENCY": "1"}
        with (
            celery_worker(first, process_line(first, "worker"), env),
            boot(first, process_line(first, "web"), prefix="/demo/", env=env) as one,
            boot(second, process_line(second, "web"), prefix="/demo/", env=env) as other,
            round_robin(tmp_path, [one.base[7:], other.base[7:]]) as proxy,
        ):
            watched = open_app(browser, f"{proxy}/demo/", one, proxy)
            for _ in range(2):
                run_and_see_the_result(watched.page, 4_000_000)
            assert watched.console_errors == [], watched.report()
            served = [url for status, url in watched.responses if "_dash-update-component" in url and status == 200]
            assert len(served) >= 4
            watched.page.close()
