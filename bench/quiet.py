"""The load guard every bench shares: figures taken while other work shares the 2 cores say
nothing, so a bench waits (up to WAIT seconds) for the 1-minute load average to drop to QUIET,
then refuses, unless --busy is given; its table shows the load at the start and the end."""

from __future__ import annotations

import argparse
import os
import sys
import time

QUIET = 1.5
WAIT = 600  # seconds
_POLL = 15


def add_busy_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--busy", action="store_true", help=f"run even when the load average is over {QUIET}")


def wait_until_quiet(busy: bool) -> float:
    """The 1-minute load average to start with: at most QUIET, waited for; any, with `busy`."""
    deadline = time.monotonic() + WAIT
    load = os.getloadavg()[0]
    while load > QUIET and not busy:
        if time.monotonic() > deadline:
            sys.exit(f"The 1-minute load average is {load:.1f} (over {QUIET}) after {WAIT} s: or pass --busy.")
        print(f"load average {load:.1f} (over {QUIET}): waiting for a quiet machine", file=sys.stderr, flush=True)
        time.sleep(_POLL)
        load = os.getloadavg()[0]
    return load


def load_note(start: float) -> str:
    """The sentence a bench's table carries: the load at its start and now, and a warning when
    the machine was busy at the start. The load at the end counts the bench's own servers and
    clients, which a bench of throughput or of jobs puts on both cores on purpose."""
    end = os.getloadavg()[0]
    note = f"1-minute load average {start:.1f} at the start and {end:.1f} at the end ({os.cpu_count()} cores)."
    if start > QUIET:
        note += f" **Busy machine (over {QUIET}, run with --busy): these figures are not a quiet machine's.**"
    return note
