"""`dashgen check` as CI and pre-commit run it: codes in every format, the rules catalogue,
selecting and ignoring rules, and the exit status each leaves."""

import json
from pathlib import Path

import pytest
import yaml
from helpers import generate, run_dashgen

from dashgen import rules

REPO = Path(__file__).resolve().parent.parent
CODES = [each.code for each in rules.all_rules()]


@pytest.fixture(scope="module")
def wrong_server(tmp_path_factory) -> Path:
    """A FastAPI app served by gunicorn: two errors, procfile-wsgi-server-for-asgi on Procfile:1
    and requirements-missing-server on requirements.txt."""
    project = generate(tmp_path_factory.mktemp("check"), "fastapi", "default")
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    return project


def test_text_output_leads_every_finding_with_its_severity_and_code(wrong_server):
    result = run_dashgen("check", cwd=wrong_server)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("error[procfile-wsgi-server-for-asgi] Procfile:1  gunicorn serves") for line in lines)
    assert any(line.startswith("error[requirements-missing-server] requirements.txt  ") for line in lines)
    assert lines[-1] == "2 errors, 0 warnings."


def test_json_has_a_schema_version_and_the_same_findings_as_its_alias(wrong_server):
    by_format = json.loads(run_dashgen("check", "--format", "json", cwd=wrong_server).stdout)
    by_alias = json.loads(run_dashgen("check", "--json", cwd=wrong_server).stdout)
    assert by_format == by_alias
    assert by_format["schema_version"] == 1 and by_format["errors"] == 2 and by_format["ignored"] == 0


def test_github_annotations_name_the_file_and_line(wrong_server):
    result = run_dashgen("check", "--format", "github", cwd=wrong_server)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("::error file=Procfile,line=1,title=dashgen procfile-wsgi-server-for-asgi::") for line in lines
    )
    assert "::error file=requirements.txt,title=dashgen requirements-missing-server::" in result.stdout


def test_github_paths_are_from_the_folder_check_runs_in(wrong_server):
    result = run_dashgen("check", "--format", "github", "--app", f"{wrong_server.name}/app.py", cwd=wrong_server.parent)
    assert f"::error file={wrong_server.name}/Procfile,line=1," in result.stdout


def test_sarif_lists_every_rule_and_locates_every_result(wrong_server):
    result = run_dashgen("check", "--format", "sarif", cwd=wrong_server)
    assert result.returncode == 1
    sarif = json.loads(result.stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert [each["id"] for each in run["tool"]["driver"]["rules"]] == CODES
    located = {result["ruleId"]: result["locations"][0]["physicalLocation"] for result in run["results"]}
    assert located["procfile-wsgi-server-for-asgi"] == {
        "artifactLocation": {"uri": "Procfile"},
        "region": {"startLine": 1},
    }
    assert located["requirements-missing-server"] == {"artifactLocation": {"uri": "requirements.txt"}}


def test_an_unknown_format_is_bad_usage(wrong_server):
    result = run_dashgen("check", "--format", "xml", cwd=wrong_server)
    assert result.returncode == 2 and "--format 'xml' is not one of text, json, github, sarif" in result.stderr


def test_ignore_turns_errors_off_and_the_summary_counts_them(wrong_server):
    result = run_dashgen(
        "check", "--ignore", "procfile-wsgi-server-for-asgi,requirements-missing-server", cwd=wrong_server
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings (2 ignored)."


def test_select_runs_only_those_rules(wrong_server):
    report = json.loads(
        run_dashgen("check", "--json", "--select", "requirements-missing-server", cwd=wrong_server).stdout
    )
    assert [finding["code"] for finding in report["findings"]] == ["requirements-missing-server"]
    assert report["ignored"] == 0


@pytest.mark.parametrize("option", ["--ignore", "--select"])
def test_an_unknown_code_is_bad_usage_and_named(wrong_server, option):
    result = run_dashgen("check", option, "procfile-wsgi-server-for-asgi,no-such-rule", cwd=wrong_server)
    assert result.returncode == 2
    assert f"{option} names no-such-rule, which is not a rule" in result.stderr and "Traceback" not in result.stderr


def test_pyproject_ignores_and_an_unknown_code_there_is_refused(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    (project / "Procfile").write_text("web: gunicorn app:server\n")
    pyproject = project / "pyproject.toml"
    original = pyproject.read_text()
    pyproject.write_text(original + '\n[tool.dashgen]\nignore = ["requirements-missing-server"]\n')
    report = json.loads(run_dashgen("check", "--json", cwd=project).stdout)
    assert [finding["code"] for finding in report["findings"]] == ["procfile-wsgi-server-for-asgi"]
    assert [finding["code"] for finding in report["ignored_findings"]] == ["requirements-missing-server"]

    pyproject.write_text(original + '\n[tool.dashgen]\nignore = ["requirements-missing-sever"]\n')
    result = run_dashgen("check", cwd=project)
    assert result.returncode == 1 and "requirements-missing-sever" in result.stderr and "Traceback" not in result.stderr


def test_a_comment_line_above_the_web_line_ignores_its_finding(tmp_path):
    project = generate(tmp_path, "fastapi", "default")
    (project / "Procfile").write_text("# dashgen: ignore[procfile-wsgi-server-for-asgi]\nweb: gunicorn app:server\n")
    report = json.loads(run_dashgen("check", "--json", cwd=project).stdout)
    assert [finding["code"] for finding in report["findings"]] == ["requirements-missing-server"]
    assert [(each["code"], each["line"]) for each in report["ignored_findings"]] == [
        ("procfile-wsgi-server-for-asgi", 2)
    ]


def test_list_rules_lists_every_rule_in_text_and_json(tmp_path):
    text = run_dashgen("check", "--list-rules", cwd=tmp_path)
    assert text.returncode == 0
    assert [line.split()[0] for line in text.stdout.splitlines()] == CODES
    listed = json.loads(run_dashgen("check", "--list-rules", "--format", "json", cwd=tmp_path).stdout)
    assert [each["code"] for each in listed["rules"]] == CODES
    for each in listed["rules"]:
        assert each["severity"] in ("error", "warning") and each["summary"] and each["why"] and each["fix"]
        assert each["targets"] == ["any"] or set(each["targets"]) <= {"enterprise", "cloud", "docker"}


def test_explain_says_what_breaks_and_how_to_fix_it(tmp_path):
    result = run_dashgen("check", "--explain", "procfile-wsgi-server-for-asgi", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("procfile-wsgi-server-for-asgi (error; targets: any)")
    assert "What breaks: " in result.stdout and "Fix: " in result.stdout
    assert "Run: dashgen deploy-files --target enterprise --force" in result.stdout


def test_explain_of_an_unknown_code_is_bad_usage(tmp_path):
    result = run_dashgen("check", "--explain", "no-such-rule", cwd=tmp_path)
    assert result.returncode == 2 and "There is no rule 'no-such-rule'" in result.stderr


def test_the_pre_commit_hook_runs_check():
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "dashgen-check" and hook["entry"] == "dashgen check"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


@pytest.mark.parametrize("output", [["--json"], ["--format", "json"], ["--format", "sarif"]])
def test_a_refusal_is_still_one_document_a_ci_step_can_parse(tmp_path, output):
    (tmp_path / "app.py").write_text("print('no Dash here')\n")
    result = run_dashgen("check", *output, cwd=tmp_path)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    if output[-1] == "sarif":
        [invocation] = document["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False and document["runs"][0]["results"] == []
        message = invocation["toolExecutionNotifications"][0]["message"]["text"]
    else:
        assert document["error"]["exit_code"] == 1
        message = document["error"]["message"]
    assert "creates a Dash app" in message and message in result.stderr


def test_bad_usage_in_json_is_a_document_with_exit_2(tmp_path):
    result = run_dashgen("check", "--json", "--select", "no-such-rule", cwd=tmp_path)
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["exit_code"] == 2


def test_pages_written_in_latin_1_are_read_as_python_reads_them(tmp_path):
    (tmp_path / "app.py").write_text(
        "import dash\nfrom dash import Dash, html\n\napp = Dash(__name__, use_pages=True)\nserver = app.server\n"
        "app.layout = html.Div(dash.page_container)\n"
    )
    (tmp_path / "pages").mkdir()
    for name in ("accueil", "resume"):
        page = "# -*- coding: latin-1 -*-\nimport dash\nfrom dash import html\n\n"
        page += f'dash.register_page(__name__, path="/")\n\nlayout = html.Div("Résumé {name}")\n'
        (tmp_path / "pages" / f"{name}.py").write_bytes(page.encode("latin-1"))
    result = run_dashgen("check", "--json", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert [(each["code"], each["file"]) for each in report["findings"]] == [
        ("pages-duplicate-path", "pages/resume.py")
    ]


def _random_texts(count: int) -> list[str]:
    """Texts made of what rich's markup and layout treat specially: brackets, tags, backslashes,
    control codes, wide characters, line endings, lines wider than a terminal."""
    import random

    pieces = ["a", " ", "[", "]", "\\", "[red]", "[/]", "[/x", "dash[fastapi]", "\\[", "[@click]", "[#fff]", "漢",
              "\n", "\r\n", "\r", "\x07", "\x0b", "\x1b", "\t", ":100:", "\xa0", "x" * 90]  # fmt: skip
    chosen = random.Random(24)
    return ["".join(chosen.choice(pieces) for _ in range(chosen.randint(0, 12))) for _ in range(count)]


def test_plain_output_is_what_rich_prints_where_it_writes_no_styles(monkeypatch):
    """Piped output is printed without rich (_PlainConsole): byte for byte what rich prints there."""
    import io

    from rich.console import Console
    from rich.markup import escape

    from dashgen import cli

    for text in _random_texts(1500):
        assert cli._plain(text) == escape(cli._visible(text))
        for markup, shown in ((True, f"[yellow]{cli._plain(text)}[/] {cli._plain(text[::-1])}"), (False, text)):
            for end in ("\n", ""):
                ours, theirs = io.StringIO(), io.StringIO()
                monkeypatch.setattr(cli.sys, "stdout", ours)
                cli._PlainConsole(stderr=False).print(shown, markup=markup, end=end)
                Console(file=theirs, highlight=False, soft_wrap=True, emoji=False).print(shown, markup=markup, end=end)
                assert ours.getvalue() == theirs.getvalue(), (shown, markup, end)


@pytest.mark.parametrize(
    "environment", [{}, {"FORCE_COLOR": "1"}, {"FORCE_COLOR": ""}, {"TTY_COMPATIBLE": "1"}, {"TTY_COMPATIBLE": "0"}]
)
@pytest.mark.parametrize("tty", [True, False])
def test_styles_are_left_to_rich_wherever_rich_writes_them(monkeypatch, environment, tty):
    import io

    from rich.console import Console

    from dashgen import cli

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    stream.isatty = lambda: tty
    assert cli._styled(stream) == Console(file=stream).is_terminal
