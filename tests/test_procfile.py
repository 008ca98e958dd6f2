"""The Procfile's common lines are read without bashlex (its import builds parser tables):
that reading must give exactly what bashlex gives, on every line it accepts."""

import random
import re
from pathlib import Path

import pytest

from dashgen.backends import BACKENDS
from dashgen.errors import Refused
from dashgen.procfile import _bash_commands, _plain_commands

TESTS = Path(__file__).parent

TRICKY = [
    "gunicorn app:server",
    "  gunicorn\tapp:server  ",
    "A=B gunicorn x",
    "A=1 B+=2 _c= gunicorn x",
    "env A=B gunicorn",
    "gunicorn A=B",
    "A=B",
    "A=B && gunicorn x",
    '"A"=b gunicorn',
    "1A=b c",
    '"$PORT"',
    '"${PORT:-8000}"',
    "--bind=0.0.0.0:${PORT:-8000}",
    "--bind 0.0.0.0:$PORT",
    "-b :${PORT} -w ${WEB_CONCURRENCY-2} ${X:=a} ${X:+a} ${X:?a} ${X?a} ${X=a} ${X+a}",
    "'a b'c\"d\"",
    'a"b"c',
    "a '' \"\"",
    "gunicorn 'app:create_app()' --workers 2",
    '"a$PORT"b',
    '"a!b"',
    "a;b",
    "a; b",
    "a;",
    "a && b || c | d",
    "a&&b||c|d",
    "cd src && exec gunicorn app:server",
    "a &&",
    "&& a",
    "a && && b",
    "a & b",
    "time a",
    "a time",
    "if",
    "a if",
    "! a",
    "a # c",
    "a #c",
    "a;#c",
    "a && # c",
    "#",
    "# a",
    "a # c\nb",
    "gunicorn app:server  # dashgen: ignore[background-no-worker]",
    "a#b",
    "a ~/x",
    "$1",
    "a$",
    '"a$"',
    "${#X}",
    "${X%a}",
    "${PORT:-$X}",
    "x${",
    "x${}",
    "a'b",
    'a"b',
    "'a\"b'",
    '"a\'b"',
    "'$(x'",
    '"a\\"b"',
    "a {b} a{b,c} a* a? a[b]",
    "a > log 2>&1",
    "$(which gunicorn) app:server",
    "`which gunicorn` app:server",
    "gunicorn app:server\n",
    "gunicorn caf\u00e9:server",
    "newrelic-admin run-program gunicorn app:server",
]
FRAGMENTS = [
    "gunicorn", "app:server", "A=B", "A+=b", "_x=", "1A=b", '"', "'", "$PORT", "${PORT:-8000}", "${X-a}",
    "${X:=a}", "${X?}", "${", "}", "{", " ", "  ", "\t", "&&", "&", "|", "||", ";", "#", "\\", "=", "x", "-b",
    "--bind=", ":", "time", "if", "in", "~", "*", "(", ")", "$", "!", "\u00e9", "$(", "`", "cd", "exec", "env",
    "0.0.0.0:", ",", "@", "%", "+", "-", ".", "/", "\n", "\r", "<", ">", "2>&1", "[", "]", "?", "\x00", "a b",
]  # fmt: skip


def _written_lines() -> list[str]:
    """Every command the test apps and the tests write after `web:`, and the launch scripts' lines."""
    found = []
    for path in TESTS.glob("apps/**/Procfile"):
        found += re.findall(r"^\s*web\s*:(.*)$", path.read_text(), re.MULTILINE)
    for path in TESTS.glob("apps/**/*.sh"):
        found += path.read_text().splitlines()
    for path in TESTS.glob("*.py"):
        found += re.findall(r"web: ([^\n\"\\{}]+)", path.read_text())
    return sorted({line.strip() for line in found if line.strip() and not line.startswith("#")})


def _random_lines(count: int) -> list[str]:
    chosen = random.Random(24)
    return ["".join(chosen.choice(FRAGMENTS) for _ in range(chosen.randint(1, 9))) for _ in range(count)]


# The words only (the command), and the assignments before the program too (the environment it sets).
KINDS = [("word",), ("assignment", "word")]


def _bashlex(line: str, kinds=("word",)):
    try:
        return _bash_commands(line, "Procfile", 1, kinds)
    except Refused as refusal:
        return refusal.message


@pytest.mark.parametrize("kinds", KINDS)
@pytest.mark.parametrize("line", _written_lines() + TRICKY)
def test_read_as_bashlex_reads_it(line, kinds):
    plain = _plain_commands(line, kinds)
    assert plain is None or plain == _bashlex(line, kinds)


@pytest.mark.parametrize("kinds", KINDS)
def test_random_lines_read_as_bashlex_reads_them(kinds):
    accepted = [(line, plain) for line in _random_lines(6000) if (plain := _plain_commands(line, kinds)) is not None]
    assert len(accepted) > 500
    assert [plain for _, plain in accepted] == [_bashlex(line, kinds) for line, _ in accepted]


def test_common_lines_are_read_without_bashlex():
    generated = [backend.command("app:server") for backend in BACKENDS.values()]
    for path in TESTS.glob("apps/**/Procfile"):
        for line in [*generated, *re.findall(r"^\s*web\s*:(.*)$", path.read_text(), re.MULTILINE)]:
            assert _plain_commands(line.strip()) is not None, line
