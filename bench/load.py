"""A small, bounded load driver for a running Dash app: concurrent `_dash-update-component`
requests, the way the browser sends them, on loopback only.

    python bench/load.py http://127.0.0.1:8000/ --requests 2000 --concurrency 32

It stops after `--requests` callbacks or `--seconds`, whichever comes first, and reports
requests/s, p50/p99 latency and the error count. tests/test_load.py and bench/apps.py use it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

CITIES = ["Lisbon", "Oslo", "Singapore", "Toronto"]


def callback_body(city: str) -> dict:
    """The generated app's callback, as its renderer posts it."""
    return {
        "output": "..temperature-chart.figure...summary.children..",
        "outputs": [{"id": "temperature-chart", "property": "figure"}, {"id": "summary", "property": "children"}],
        "inputs": [{"id": "city", "property": "value", "value": city}],
        "changedPropIds": ["city.value"],
        "state": [],
    }


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    first_error: str = ""


async def _drive(url: str, body_for, requests: int, concurrency: int, seconds: float, check) -> LoadResult:
    import httpx

    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {host}: this driver only targets loopback")
    latencies: list[float] = []
    errors: list[str] = []
    issued = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal issued
            while issued < requests and time.monotonic() < deadline:
                number = issued
                issued += 1
                started = time.perf_counter()
                try:
                    response = await client.post(url, json=body_for(number))
                    problem = check(response)
                except httpx.HTTPError as error:
                    problem = f"{type(error).__name__}: {error}"
                latencies.append(time.perf_counter() - started)
                if problem:
                    errors.append(problem)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return LoadResult(
        requests=len(latencies),
        errors=len(errors),
        seconds=round(elapsed, 3),
        requests_per_second=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(ordered) * 1000, 2),
        p99_ms=round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
        first_error=errors[0] if errors else "",
    )


def _check_callback(response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    try:
        summary = response.json()["response"]["summary"]["children"]
    except (ValueError, KeyError) as error:
        return f"unexpected body ({error}): {response.text[:200]}"
    return "" if " °C on average" in summary else f"unexpected summary {summary!r}"


def drive_callbacks(
    base_url: str, *, requests: int = 2000, concurrency: int = 32, seconds: float = 60.0
) -> LoadResult:
    """Drive the generated app's callback at `base_url` (its Dash page URL, ending in /)."""
    url = f"{base_url}_dash-update-component"
    body_for = lambda number: callback_body(CITIES[number % len(CITIES)])  # noqa: E731
    return asyncio.run(_drive(url, body_for, requests, concurrency, seconds, _check_callback))


def drive_json(url: str, *, requests: int, concurrency: int, seconds: float, method_body: dict | None = None):
    """Drive a plain JSON endpoint (the bare-framework ceiling of bench/apps.py) with POSTs."""

    def check(response) -> str:
        return "" if response.status_code == 200 else f"HTTP {response.status_code}"

    return asyncio.run(_drive(url, lambda _: method_body or {}, requests, concurrency, seconds, check))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the Dash page URL, e.g. http://127.0.0.1:8000/demo/")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    arguments = parser.parse_args()
    base = arguments.url if arguments.url.endswith("/") else arguments.url + "/"
    result = drive_callbacks(
        base, requests=arguments.requests, concurrency=arguments.concurrency, seconds=arguments.seconds
    )
    print(json.dumps(asdict(result), indent=2))


if __name__ == "__main__":
    main()
