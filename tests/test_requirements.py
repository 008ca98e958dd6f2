"""The plain requirements.txt (names, extras, versions, comments) is read without
pip-requirements-parser (its import pulls in urllib.request), and a plain requirement without
packaging.requirements (its import pulls in the marker parser): those readings must give exactly
what the libraries give, on every file and every requirement they accept."""

import random
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from dashgen.errors import Refused
from dashgen.requirements import PlainRequirement, _pip_parse, _plain_requirements, parse_requirement

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


def _made_requirements() -> list[str]:
    pieces = [piece for piece in PIECES if piece not in ("\n", "\r\n", "#", "# c")]
    chosen = random.Random(508)
    return ["".join(chosen.choice(pieces) for _ in range(chosen.randint(1, 8))) for _ in range(600)]


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
    library = _library(path)
    assert plain is None or _as_read(plain) == _as_read(library[0]) and library[1:] == ([], [])


def _as_read(entries) -> list:
    """Each line as the rules see it: the line, and what its requirement says."""
    return [
        (entry.name, entry.file, entry.line, entry.url, entry.constraint, _said(entry.requirement)) for entry in entries
    ]


def _said(requirement) -> tuple:
    return (
        requirement.name,
        requirement.extras,
        str(requirement.specifier),
        requirement.marker,
        requirement.url,
        str(requirement),
    )


def test_written_files_are_read_without_the_library():
    for path in TESTS.glob("apps/**/requirements*.txt"):
        assert _plain_requirements(path, path.read_text(), constraint=False) is not None, path


REQUIREMENTS = [
    "dash", "Dash_Core.x", "dash[fastapi]", "dash[ fastapi , diskcache ]>=4.2.0", "dash [a]>=4.2,<5", "dash >= 4.2",
    "dash==4.*", "dash!=4.2.*", "dash~=4.2", "dash~=4", "dash===4.2", "dash==1.0rc1", "dash==1.0.post1.dev2",
    "dash>=1.0a1", "dash<=2.dev0", "dash==4.2.0+local", "dash==1!2.0", "dash>=4.*", "dash~=4.2.*", "dash==1.0RC1",
    "dash==1.0-post1", "dash==v1.0", "dash>=", "dash-", "dash[-x]", "dash[x-]", "dash[]", "dash(>=1.0)",
    "dash; extra == 'x'", "dash @ https://example.com/dash.whl", "dash>=1,<2,!=1.5", "dash>=1 ,<2", "a", "_a",
]  # fmt: skip


@pytest.mark.parametrize("text", REQUIREMENTS + _made_requirements())
def test_a_requirement_reads_as_packaging_reads_it(text):
    try:
        expected = _said(Requirement(text))
    except InvalidRequirement:
        with pytest.raises(ValueError):
            parse_requirement(text)
        return
    assert _said(parse_requirement(text)) == expected


def test_the_plain_ones_are_read_without_packaging_requirements():
    def plain(text: str) -> bool:
        try:
            return isinstance(parse_requirement(text), PlainRequirement)
        except ValueError:
            return False

    assert all(
        plain(text) for text in ["dash", "dash[ fastapi , diskcache ]>=4.2.0", "dash~=4.2", "dash==1.0.post1.dev2"]
    )
    assert not any(plain(text) for text in ["dash~=4", "dash==1.0RC1", "dash===4.2", "dash; extra == 'x'", "dash-"])
