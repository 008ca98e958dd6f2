"""The one exception type for expected failures; cli.py prints it as one sentence."""


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


def raise_interrupted(signum, frame) -> None:
    raise Interrupted(signum)
