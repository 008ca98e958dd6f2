"""The one exception type for expected failures; cli.py prints it as one sentence."""

import os
import signal
import sys
import threading


class DashgenError(Exception):
    """An expected failure: the message says what is wrong and how to fix it.

    exit_code 2: what was typed is invalid. exit_code 1: the state on disk refuses it.
    """

    exit_code = 1

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail  # shown after the sentence (a diff, say), never instead of it


class InvalidInput(DashgenError):
    exit_code = 2


class Refused(DashgenError):
    exit_code = 1


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM. Not a KeyboardInterrupt, which click would turn into "Aborted!" and
    exit status 1: this one reaches `dashgen.cli.main`, which exits 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM raise Interrupted wherever the command is."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupted)
    sys.unraisablehook = _interrupt_again


def _raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)


def _interrupt_again(unraisable) -> None:
    """A signal that arrived during a weakref callback or a __del__ (an import's module-lock
    clean-up, say) raised where Python only prints an exception and goes on: the command would
    go on too, after a traceback. Send the signal again in a moment, once the callback is over (sent
    at once, its handler would run inside this hook, where an exception is ignored as well)."""
    if isinstance(unraisable.exc_value, Interrupted):
        again = threading.Timer(0.01, os.kill, (os.getpid(), unraisable.exc_value.signum))
        again.daemon = True
        again.start()
    else:
        sys.__unraisablehook__(unraisable)
