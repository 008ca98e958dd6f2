"""A small, bounded load driver for a running Dash app: concurrent `_dash-update-component`
requests, the way the browser sends them, on loopback only.

    python bench/load.py http://127.0.0.1:8000/ --requests 2000 --concurrency 32

It stops after `--requests` callbacks or `--seconds`, whichever comes first, and reports
requests/s, p50/p99 latency and the error count, and the load average at the start and the end
(it waits for a quiet machine: bench/quiet.py). tests/test_load.py and bench/apps.py use it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
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


class _Connection:
    """One keep-alive HTTP/1.1 connection: a bare asyncio client, light enough that the driver
    leaves the CPU to the server it measures (httpx spends more per request than the server)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        try:
            header = await self.reader.readuntil(b"\r\n\r\n")
            status = int(header.split(b" ", 2)[1])
            length = re.search(rb"(?i)content-length:\s*(\d+)", header)
            if length:
                payload = await self.reader.readexactly(int(length.group(1)))
            else:  # chunked or close-delimited: read what the server sends, then reconnect
                payload = await self.reader.read(1 << 20)
                await self.close()
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        if re.search(rb"(?i)connection:\s*close", header):
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


async def _drive(url: str, body_for, requests: int, concurrency: int, seconds: float, check) -> LoadResult:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load {parts.hostname}: this driver only targets loopback")
    latencies: list[float] = []
    errors: list[str] = []
    issued = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal issued
        connection = _Connection(parts.hostname, parts.port or 80)
        while issued < requests and time.monotonic() < deadline:
            number = issued
            issued += 1
            started = time.perf_counter()
            try:
                status, payload = await asyncio.wait_for(
                    connection.post(parts.path, json.dumps(body_for(number)).encode()), timeout=30
                )
                problem = check(status, payload)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as error:
                await connection.close()
                problem = f"{type(error).__name__}: {error}"
            latencies.append(time.perf_counter() - started)
            if problem:
                errors.append(problem)
        await connection.close()

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


def _check_callback(status: int, payload: bytes) -> str:
    if status != 200:
        return f"HTTP {status}: {payload[:200]!r}"
    try:
        summary = json.loads(payload)["response"]["summary"]["children"]
    except (ValueError, KeyError) as error:
        return f"unexpected body ({error}): {payload[:200]!r}"
    return "" if " °C on average" in summary else f"unexpected summary {summary!r}"


def drive_callbacks(base_url: str, *, requests: int = 2000, concurrency: int = 32, seconds: float = 60.0) -> LoadResult:
    """Drive the generated app's callback at `base_url` (its Dash page URL, ending in /)."""
    url = f"{base_url}_dash-update-component"
    body_for = lambda number: callback_body(CITIES[number % len(CITIES)])  # noqa: E731
    return asyncio.run(_drive(url, body_for, requests, concurrency, seconds, _check_callback))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the Dash page URL, e.g. http://127.0.0.1:8000/demo/")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    from quiet import add_busy_option, load_note, wait_until_quiet  # beside this file

    add_busy_option(parser)
    arguments = parser.parse_args()
    load = wait_until_quiet(arguments.busy)
    base = arguments.url if arguments.url.endswith("/") else arguments.url + "/"
    result = drive_callbacks(
        base, requests=arguments.requests, concurrency=arguments.concurrency, seconds=arguments.seconds
    )
    print(json.dumps({**asdict(result), "load": load_note(load)}, indent=2))


if __name__ == "__main__":
    main()
