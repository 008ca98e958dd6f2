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
