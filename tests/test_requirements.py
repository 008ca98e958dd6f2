"""The plain requirements.txt (names, extras, versions, comments) is read without
pip-requirements-parser (its import pulls in urllib.request): that reading must give exactly
what the library gives, on every file it accepts."""

import random
from pathlib import Path

import pytest

from dashgen.errors import Refused
from dashgen.requirements import _pip_parse, _plain_requirements

TESTS = Path(__file__).parent

TRICKY = [
    "",
    "\n\n",
    "# only a comment\n",
    "dash>=4.2.0\ngunicorn>=23.0\n",
    "dash[fastapi]>=4.2.0\n# why\nuvicorn[standard]>=0.30\n",
    "dash[ fastapi , diskcache ]>=4.2.0\n",
    "dash [fastapi] >= 4.2, < 5\n",
    "pandas  # the data\n",
    "pandas#not a comment\n",
    "pandas #\n",
    "Flask_Login==0.6.3\r\nzope.interface\r\n",
    "a\rb\x0bc\x0cd\n",
    "dash==4.*\ndash~=4.2\ndash!=4.3\ndash===4.2.0\ndash<5\ndash>4\n",
    "dash==4.2.0+local\ndash==1.0rc1\ndash==1.0.post1\ndash==1!2.0\n",
    "dash>=\n",
    "dash>=4.2[fastapi]\n",
    "dash = 4.2\n",
    "dash==-1\n",
    "dash[-x]\n",
    "dash[a, -x]\n",
    "-r other.txt\n",
    "-e .\n",
    "--hash=sha256:00\n",
    "dash>=4.2 --hash=sha256:00\n",
    "dash>=4.2 \\\n    --hash=sha256:00\n",
    "dash; python_version < '3.12'\n",
    "dash @ https://example.com/dash.whl\n",
    "./local\n",
    "foo.whl\n",
    "foo.tar.gz\n",
    "foo.zip\n",
    "dash-1.0-py3-none-any.whl\n",
    "${NAME}\n",
    "caf\u00e9\n",
    "dash\n dash \n\tdash\t\n",
    "_bad\n",
    "dash..x\n",
]
PIECES = ["dash", "Flask_Login", "zope.interface", "[", "]", "fastapi", ",", " ", "\t", ">=", "==", "~=", "<", "!=",
          "4.2", "1.0rc1", "*", "#", "# c", "\n", "\r\n", "-", ";", "@", "/", ".", "x", ".whl", "=", "1"]  # fmt: skip


def _files() -> list[str]:
    written = [path.read_text() for path in TESTS.glob("apps/**/requirements*.txt")]
    chosen = random.Random(24)
    made = ["".join(chosen.choice(PIECES) for _ in range(chosen.randint(1, 12))) for _ in range(400)]
    return sorted(set(written)) + TRICKY + made


def _library(path: Path):
    try:
        return _pip_parse(path, constraint=False)
    except Refused as refusal:
        return refusal.message


@pytest.mark.parametrize("text", _files())
def test_read_as_the_library_reads_it(tmp_path, text):
    path = tmp_path / "requirements.txt"
    path.write_bytes(text.encode("utf-8"))
    plain = _plain_requirements(path, text, constraint=False)
    assert plain is None or (plain, [], []) == _library(path)


def test_written_files_are_read_without_the_library():
    for path in TESTS.glob("apps/**/requirements*.txt"):
        assert _plain_requirements(path, path.read_text(), constraint=False) is not None, path
