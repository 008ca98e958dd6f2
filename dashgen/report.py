"""Findings and rules as text: the formats `check` prints (text, json, github, sarif), the
rules catalogue (--list-rules, --explain, docs/checks.md). Pure functions of their inputs; the
CLI prints what they return."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dashgen import __version__
from dashgen.rules import ERROR, Finding, Rule

FORMATS = ("text", "json", "github", "sarif")
SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass
class Report:
    """What check found for one app."""

    app: str
    backend: str
    server: str
    target: str | None
    findings: list[Finding]
    ignored: list[Finding] = field(default_factory=list)
    ignored_in_source: list[Finding] = field(default_factory=list)  # by a comment, among `ignored`
    paths: dict[str, str] = field(default_factory=dict)  # a finding's file → its path from the current folder

    @property
    def errors(self) -> int:
        return sum(finding.severity == ERROR for finding in self.findings)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    def path(self, finding: Finding) -> str:
        return self.paths.get(finding.file, finding.file)


def summary(report: Report) -> str:
    errors, warnings = report.errors, report.warnings
    text = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return text + (f" ({len(report.ignored)} ignored)." if report.ignored else ".")


def text_lines(finding: Finding) -> list[str]:
    lines = [f"{finding.severity}[{finding.code}] {finding.where}  {finding.problem}", f"  fix: {finding.fix}"]
    if finding.command:
        lines.append(f"  run: {finding.command}")
    return lines


def as_json(report: Report) -> str:
    return json.dumps(
        {
            "schema_version": SCHEMA_VERSION,
            "app": report.app,
            "backend": report.backend,
            "server": report.server,
            "target": report.target,
            "errors": report.errors,
            "warnings": report.warnings,
            "ignored": len(report.ignored),
            "findings": [finding.as_dict() for finding in report.findings],
            "ignored_findings": [finding.as_dict() for finding in report.ignored],
        },
        indent=2,
    )


def error_json(error) -> str:
    """The JSON report when check cannot read the app: the sentence it prints, and its exit status."""
    return json.dumps(
        {"schema_version": SCHEMA_VERSION, "error": {"message": error.message, "exit_code": error.exit_code}}, indent=2
    )


def error_sarif(error) -> str:
    """A SARIF log of a run that could not check the app: no results, the sentence as the
    invocation's notification."""
    invocation = {
        "executionSuccessful": False,
        "exitCode": error.exit_code,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": error.message}}],
    }
    return json.dumps(
        {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": {"name": "dashgen", "version": __version__}},
                    "invocations": [invocation],
                    "results": [],
                }
            ],
        },
        indent=2,
    )


def as_github(report: Report) -> str:
    """GitHub Actions workflow commands: each finding an annotation on its file and line."""
    lines = []
    for finding in report.findings:
        properties = f"file={_property(report.path(finding))}"
        if finding.line:
            properties += f",line={finding.line}"
        properties += f",title={_property(f'dashgen {finding.code}')}"
        message = f"{finding.problem} Fix: {finding.fix}" + (f" Run: {finding.command}" if finding.command else "")
        lines.append(f"::{finding.severity} {properties}::{_data(message)}")
    lines.append(f"::notice title=dashgen::{_data(summary(report))}")
    return "\n".join(lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def as_sarif(report: Report, rules: list[Rule]) -> str:
    """SARIF 2.1.0: every rule in tool.driver.rules, every finding a result (ignored ones with a
    suppression, so code scanning shows them as dismissed)."""
    index = {each.code: position for position, each in enumerate(rules)}
    results = [_sarif_result(report, finding, index) for finding in report.findings]
    for finding in report.ignored:
        kind = "inSource" if finding in report.ignored_in_source else "external"
        results.append({**_sarif_result(report, finding, index), "suppressions": [{"kind": kind}]})
    return json.dumps(
        {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "dashgen",
                            "version": __version__,
                            "rules": [_sarif_rule(each) for each in rules],
                        }
                    },
                    "results": results,
                }
            ],
        },
        indent=2,
    )


def _sarif_rule(rule: Rule) -> dict:
    return {
        "id": rule.code,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.fix}" + (f" Run: {rule.command}" if rule.command else "")},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"targets": list(rule.targets) or ["any"], "feature": rule.feature},
    }


def _sarif_result(report: Report, finding: Finding, index: dict[str, int]) -> dict:
    location: dict = {"artifactLocation": {"uri": report.path(finding)}}
    if finding.line:
        location["region"] = {"startLine": finding.line}
    return {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": finding.severity,
        "message": {"text": f"{finding.problem} Fix: {finding.fix}"},
        "locations": [{"physicalLocation": location}],
    }


def rules_table(rules: list[Rule]) -> str:
    width = max(len(each.code) for each in rules)
    rows = (f"{each.code:<{width}}  {each.severity:<7}  {_targets(each):<10}  {each.summary}" for each in rules)
    return "\n".join(rows)


def _targets(rule: Rule) -> str:
    return ",".join(rule.targets) or "any"


def rules_json(rules: list[Rule]) -> str:
    return json.dumps({"schema_version": SCHEMA_VERSION, "rules": [each.as_dict() for each in rules]}, indent=2)


def explanation(rule: Rule) -> str:
    lines = [
        f"{rule.code} ({rule.severity}; targets: {_targets(rule)})",
        "",
        rule.summary,
        "",
        f"What breaks: {rule.why}",
        "",
        f"Fix: {rule.fix}",
    ]
    if rule.command:
        lines.append(f"Run: {rule.command}")
    lines += [
        "",
        f"Turn it off: --ignore {rule.code}, or `# dashgen: ignore[{rule.code}]` on the line it points at (in a "
        "Procfile or requirements file, as a comment line directly above it).",
    ]
    return "\n".join(lines)


def catalogue_markdown(rules: list[Rule]) -> str:
    """docs/checks.md: one section per rule, generated from the registry."""
    lines = [
        "# `dashgen check` rules",
        "",
        "<!-- Generated by `python scripts/checks_doc.py` from dashgen/rules/; do not edit by hand. -->",
        "",
        "Every finding `dashgen check` reports has one of these codes. An error is a failure a test shows by",
        "running the app as its files say; what cannot be shown that way is a warning. How to run the",
        "check, select and ignore rules: [check.md](check.md).",
        "",
        "| code | severity | targets | summary |",
        "| --- | --- | --- | --- |",
    ]
    for each in rules:
        lines.append(f"| [`{each.code}`](#{each.code}) | {each.severity} | {_targets(each)} | {each.summary} |")
    for each in rules:
        lines += ["", f"## {each.code}", ""]
        lines.append(f"**{each.severity}**, targets: {_targets(each)}, feature: `{each.feature}`.")
        lines += ["", each.summary, "", f"**What breaks.** {each.why}", "", f"**Fix.** {each.fix}"]
        if each.command:
            lines += ["", f"**Run.** `{each.command}`"]
    return "\n".join(lines) + "\n"
