"""Which distribution installs an import, and what a listed distribution installs besides itself:
from the metadata of the environment dashgen runs in where the package is installed there (exact
for a user who runs dashgen in the app's venv), else from the tables below."""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from pathlib import Path

from dashgen.requirements import normalised, parse_requirement

# Import names that differ from the distribution's (PEP 503 normalised) name, with every
# distribution that installs them: any one of them provides the import. From the import each
# project's documentation gives in its installation instructions.
IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "PIL": ("pillow",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "yaml": ("pyyaml",),
    "bs4": ("beautifulsoup4",),
    "dotenv": ("python-dotenv",),
    "dateutil": ("python-dateutil",),
    "jwt": ("pyjwt",),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "psycopg": ("psycopg", "psycopg-binary"),
    "MySQLdb": ("mysqlclient",),
    "pymysql": ("pymysql",),
    "flask_caching": ("flask-caching",),
    "flask_login": ("flask-login",),
    "flask_sqlalchemy": ("flask-sqlalchemy",),
    "google": ("google-api-python-client", "google-auth", "google-cloud-storage", "google-cloud-bigquery",
               "protobuf", "googleapis-common-protos", "google-generativeai", "google-genai"),
    "googleapiclient": ("google-api-python-client",),
    "attr": ("attrs",),
    "magic": ("python-magic",),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "Crypto": ("pycryptodome",),
    "OpenSSL": ("pyopenssl",),
    "serial": ("pyserial",),
    "zmq": ("pyzmq",),
    "win32api": ("pywin32",),
    "websocket": ("websocket-client",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "jose": ("python-jose",),
    "multipart": ("python-multipart",),
    "pkg_resources": ("setuptools",),
    "Levenshtein": ("levenshtein", "python-levenshtein"),
    "fitz": ("pymupdf",),
    "osgeo": ("gdal",),
    "tensorflow": ("tensorflow", "tensorflow-cpu"),
    "dash_auth": ("dash-auth",),
    "Bio": ("biopython",),
    "snowflake": ("snowflake-connector-python", "snowflake-sqlalchemy", "snowflake-snowpark-python"),
    "visa": ("pyvisa",),
    "skrf": ("scikit-rf",),
    "umap": ("umap-learn",),
}  # fmt: skip

# Submodules that need a distribution their package does not require: plotly.express stops at
# import without numpy (plotly 6 and 7 require it only in their `express` extra).
SUBMODULE_NEEDS: dict[str, tuple[str, ...]] = {
    "plotly.express": ("numpy",),
}

# What these distributions require, for when they are not installed where dashgen runs: their
# wheels' Requires-Dist, read with `pip install --dry-run --report` (extras only where an app's
# requirements name them). Dash's tree from dash 4.4.1 (with plotly 7.1.0, Flask 3.1.3,
# FastAPI 0.165.0, Quart 0.22.0, uvicorn 0.55.0, requests 2.34.2); the rest December 2026.
REQUIRES: dict[str, tuple[str, ...]] = {
    "dash": ("flask", "werkzeug", "plotly", "importlib-metadata", "typing-extensions", "requests", "retrying",
             "nest-asyncio", "setuptools", "janus", "pydantic", "comm",
             'flask[async]; extra == "async"', 'redis; extra == "celery"', 'kombu; extra == "celery"',
             'celery[redis]; extra == "celery"', 'diskcache; extra == "diskcache"',
             'multiprocess; extra == "diskcache"', 'psutil; extra == "diskcache"',
             'flask-compress; extra == "compress"', 'fastapi; extra == "fastapi"',
             'uvicorn[standard]; extra == "fastapi"', 'quart; extra == "quart"', 'plotly-cloud; extra == "cloud"',
             'dash-ag-grid; extra == "ag-grid"'),
    "plotly": ("narwhals", "packaging", 'numpy; extra == "express"'),
    "flask": ("blinker", "click", "itsdangerous", "jinja2", "markupsafe", "werkzeug", 'asgiref; extra == "async"',
              'python-dotenv; extra == "dotenv"'),
    "werkzeug": ("markupsafe",),
    "jinja2": ("markupsafe",),
    "requests": ("charset-normalizer", "idna", "urllib3", "certifi"),
    "fastapi": ("starlette", "anyio", "pydantic", "typing-extensions", "typing-inspection", "annotated-doc",
                "opentelemetry-api"),
    "starlette": ("anyio", "typing-extensions"),
    "anyio": ("idna", "typing-extensions"),
    "pydantic": ("pydantic-core", "annotated-types", "typing-extensions", "typing-inspection"),
    "quart": ("aiofiles", "blinker", "click", "flask", "hypercorn", "itsdangerous", "jinja2", "markupsafe",
              "werkzeug", 'python-dotenv; extra == "dotenv"'),
    "hypercorn": ("h11", "h2", "priority", "wsproto"),
    "uvicorn": ("click", "h11", 'httptools; extra == "standard"', 'python-dotenv; extra == "standard"',
                'pyyaml; extra == "standard"', 'uvloop; extra == "standard"', 'watchfiles; extra == "standard"',
                'websockets; extra == "standard"'),
    "celery": ("billiard", "click", "click-didyoumean", "click-plugins", "click-repl", "kombu", "python-dateutil",
               "tzdata", "vine", 'redis; extra == "redis"'),
    "kombu": ("amqp", "vine"),
    "amqp": ("vine",),
    "click-didyoumean": ("click",),
    "click-plugins": ("click",),
    "click-repl": ("click", "prompt-toolkit", "typing-extensions"),
    "prompt-toolkit": ("wcwidth",),
    "multiprocess": ("dill",),
    "h2": ("hpack", "hyperframe"),
    "wsproto": ("h11",),
    "watchfiles": ("anyio",),
    "importlib-metadata": ("zipp",),
    "pydantic-core": ("typing-extensions",),
    "typing-inspection": ("typing-extensions",),
    "opentelemetry-api": ("typing-extensions",),
    # The rest of that tree, and the servers: they require nothing (waitress: from its wheel).
    **dict.fromkeys(
        ("aiofiles", "annotated-doc", "annotated-types", "asgiref", "billiard", "blinker", "certifi",
         "charset-normalizer", "click", "comm", "dill", "diskcache", "gunicorn", "h11", "hpack", "httptools",
         "hyperframe", "idna", "itsdangerous", "janus", "markupsafe", "narwhals", "nest-asyncio", "packaging",
         "priority", "psutil", "python-dotenv", "pyyaml", "redis", "retrying", "setuptools", "typing-extensions",
         "urllib3", "uvloop", "vine", "waitress", "wcwidth", "websockets", "zipp"),
        (),
    ),
    "pandas": ("numpy", "python-dateutil", "tzdata"),
    "python-dateutil": ("six",),
    **dict.fromkeys(("numpy", "six", "tzdata", "pytz", "joblib", "threadpoolctl"), ()),  # require nothing
    "scikit-learn": ("numpy", "scipy", "joblib", "narwhals", "threadpoolctl"),
    "scipy": ("numpy",),
    "matplotlib": ("contourpy", "cycler", "fonttools", "kiwisolver", "numpy", "packaging", "pillow", "pyparsing",
                   "python-dateutil"),
    "seaborn": ("numpy", "pandas", "matplotlib"),
    "statsmodels": ("numpy", "scipy", "pandas", "patsy", "packaging", "formulaic"),
    "dash-bootstrap-components": ("dash",),
    "dash-ag-grid": ("dash",),
    "dash-mantine-components": ("dash",),
    "plotly-express": ("pandas", "plotly", "statsmodels", "scipy", "patsy", "numpy"),
    "biopython": ("numpy",),
    "scikit-image": ("numpy", "scipy", "networkx", "pillow", "imageio", "tifffile", "packaging", "lazy-loader"),
    "dash-extensions": ("dash", "more-itertools", "jsbeautifier", "flask-caching", "dataclass-wizard", "pydantic"),
}  # fmt: skip


# A header on one line, as the email parser reads it: a name of printable ASCII but ":", then ":".
_HEADER_LINE = re.compile(r"[\041-\071\073-\176]+:.*")


def installed_requires(name: str) -> list[str] | None:
    """A distribution's Requires-Dist as installed here, or None when it is not installed: the
    distribution importlib.metadata would find (the first on sys.path), read without it (its
    import, the email package's with it, is a tenth of what check takes on a small app)."""
    folders, complete = _metadata_folders()
    if not complete:
        return _importlib_requires(name)  # an egg or a zip on sys.path, or another finder
    folder = folders.get(_prepared(name))
    if folder is None:
        return None
    if folder.suffix.lower() != ".dist-info" or (folder / "requires.txt").exists():
        return _importlib_requires(name)  # setuptools' egg-info
    try:
        text = (folder / "METADATA").read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return _importlib_requires(name)
    return requires_dist(text)


def requires_dist(metadata: str) -> list[str]:
    """The Requires-Dist values of a METADATA file's text, as the email parser reads them."""
    # The email parser reads the whole file, the long description too (most of the time check
    # took in a venv): the headers end at the first blank line.
    headers = metadata.partition("\n\n")[0]
    if "\r" in headers:
        return _email_requires(headers)
    values, previous = [], ""
    for line in headers.removesuffix("\n").split("\n"):
        if line[:1] in (" ", "\t") and previous not in ("", "requires-dist"):
            continue  # another header folded (a licence's text): what it holds is not asked
        if not _HEADER_LINE.fullmatch(line):
            return _email_requires(headers)  # a Requires-Dist folded, a line that is no header
        name, _, value = line.partition(":")
        previous = name.lower()
        if previous == "requires-dist":
            values.append(value.lstrip(" \t"))
    # One header a line: what the email parser would give, without its parse.
    return values


def _email_requires(headers: str) -> list[str]:
    from email import message_from_string

    return message_from_string(headers).get_all("Requires-Dist") or []


def _importlib_requires(name: str) -> list[str] | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        found = distribution(name)
    except (PackageNotFoundError, ValueError):
        return None
    text = found.read_text("METADATA")
    if text is None or found.read_text("requires.txt") is not None:
        return found.requires or []
    return requires_dist(text)


def _prepared(name: str) -> str:
    """A distribution's name as importlib.metadata compares it with a metadata folder's."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


@cache
def _metadata_folders() -> tuple[dict[str, Path], bool]:
    """{name: the first .dist-info or .egg-info folder of that name on sys.path}, as
    importlib.metadata's path finder lists them; and whether that is all it would find (no egg
    or zip file on sys.path, and no other finder of distributions)."""
    import importlib.machinery

    folders: dict[str, Path] = {}
    complete = all(
        finder is importlib.machinery.PathFinder or not hasattr(finder, "find_distributions")
        for finder in sys.meta_path
    )
    for entry in sys.path:
        root = Path(entry or ".")
        if root.name.lower().endswith(".egg"):
            complete = False
        try:
            children = os.listdir(root)
        except NotADirectoryError:
            complete = False  # a zip file
            continue
        except OSError:
            continue
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                folders.setdefault(_prepared(low.rpartition(".")[0].partition("-")[0]), root / child)
    return folders, complete


def installs(listed) -> tuple[set[str], set[str]]:
    """The distributions pip installs for these requirements (packaging Requirements), their
    dependencies followed (normalised names); and those among them whose requirements are
    neither installed here nor in REQUIRES: what they install besides cannot be told."""
    found: set[str] = set()
    unknown: set[str] = set()
    queue = [(normalised(each.name), frozenset(each.extras)) for each in listed]
    seen: set[tuple[str, frozenset]] = set()
    while queue:
        name, extras = queue.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(name)
        requires = installed_requires(name)
        if requires is None and name not in REQUIRES:
            unknown.add(name)
        for text in REQUIRES.get(name, ()) if requires is None else requires:
            if not extras and _marker_names_extra(text):
                continue  # `_wanted` says no, and packaging's parse of it is skipped
            try:
                requirement = parse_requirement(text)
            except ValueError:
                continue
            if requirement.marker is None or _wanted(requirement.marker, extras):
                queue.append((normalised(requirement.name), frozenset(requirement.extras)))
    return found, unknown


def _marker_names_extra(text: str) -> bool:
    """Whether a Requires-Dist line's marker names `extra`, told without parsing the line (a
    URL may hold a `;`)."""
    return "@" not in text and "extra" in text.partition(";")[2]


def _wanted(marker, extras: frozenset) -> bool:
    """Whether a dependency is installed for these extras: the platform's other markers (Python
    version, OS) cannot be told from here, so they count as met."""
    text = str(marker)
    if "extra" not in text:
        return True
    return any(marker.evaluate({"extra": extra}) for extra in extras)


def provided(module: str, installed: set[str]) -> bool:
    """Whether one of the `installed` distributions provides the top-level `module`: by its own
    name, by the table, else by what installed metadata says (asked last: it scans every
    installed distribution)."""
    if {normalised(module), *IMPORT_NAMES.get(module, ())} & installed:
        return True
    return bool(_installed_owners().get(module, set()) & installed)


@cache
def _installed_owners() -> dict[str, set[str]]:
    """{import name: the installed distributions that provide it}: a scan of every installed
    distribution (80 ms in a venv of 120), made once."""
    from importlib.metadata import packages_distributions

    return {module: {normalised(name) for name in names} for module, names in packages_distributions().items()}
