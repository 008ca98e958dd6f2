"""`dashgen check`'s catalogue: what would break when the app is deployed.

Each rule is registered once, with its code, severity, the targets it applies to, and its
documentation (summary, why, fix); each checker is a function of the Project that yields the
findings of the rules it declares. `check` runs them all; `deploy-files` asks for the features
it reports. An error is a failure a test demonstrates by running the app as its files say;
what cannot be demonstrated that way is a warning.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

ERROR = "error"
WARNING = "warning"
TARGETS = ("enterprise", "cloud", "docker")
# The feature modules, in the order check reports them.
FEATURES = ("procfile", "requirements", "dependencies", "background", "cloud", "source", "websocket", "mcp", "pages")


def validate_target(target: str) -> str:
    if target not in TARGETS:
        from dashgen.errors import InvalidInput

        raise InvalidInput(f"Unknown target {target!r}: choose one of {', '.join(TARGETS)}.")
    return target


class Finding(NamedTuple):
    """One problem a rule found in this app."""

    severity: str  # error or warning: the rule's
    code: str  # the rule's stable name
    file: str
    line: int
    problem: str  # one sentence: what breaks, for this app
    fix: str  # one sentence: how to fix it, for this app
    command: str = ""  # the dashgen command that fixes it, where there is one

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def as_dict(self) -> dict:
        return self._asdict()


class Rule(NamedTuple):
    """A check: what it finds, why that breaks the app, and how to fix it."""

    code: str
    severity: str
    summary: str  # one line, for --list-rules
    why: str  # what breaks and the failing boot that shows it, for --explain
    fix: str  # how to fix it, in general
    command: str = ""  # the dashgen command that fixes it, where there is one
    targets: tuple[str, ...] = ()  # the platforms it applies to; () for every check
    feature: str = ""

    def applies_to(self, target: str | None) -> bool:
        return not self.targets or target in self.targets

    def finding(self, file: str, line: int, problem: str, fix: str | None = None, command: str | None = None):
        return Finding(
            self.severity, self.code, file, line, problem, self.fix if fix is None else fix,
            self.command if command is None else command,
        )  # fmt: skip

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "targets": list(self.targets) or ["any"],
            "feature": self.feature,
            "summary": self.summary,
            "why": self.why,
            "fix": self.fix,
            "command": self.command,
        }


Checker = Callable[["Project"], Iterable[Finding]]  # noqa: F821 (dashgen.project.Project)
_RULES: dict[str, Rule] = {}
_CHECKERS: list[tuple[Checker, tuple[Rule, ...]]] = []


def rule(code: str, severity: str, *, summary: str, why: str, fix: str, command: str = "", targets=()) -> Rule:
    """Register a rule; the feature is the module that declares it."""
    if code in _RULES:
        raise ValueError(f"rule {code} is registered twice")
    feature = _caller_feature()
    registered = Rule(code, severity, summary, why, fix, command, tuple(targets), feature)
    _RULES[code] = registered
    return registered


def _caller_feature() -> str:
    import sys

    return sys._getframe(2).f_globals["__name__"].rpartition(".")[2]


def checker(*rules: Rule) -> Callable[[Checker], Checker]:
    """Register a function of the Project that yields findings of these rules (and no other)."""

    def register(function: Checker) -> Checker:
        _CHECKERS.append((function, rules))
        return function

    return register


def _load() -> None:
    for feature in FEATURES:
        importlib.import_module(f"dashgen.rules.{feature}")


def all_rules() -> list[Rule]:
    """Every rule, by feature in check's order, then in the order it was declared."""
    _load()
    return sorted(_RULES.values(), key=lambda each: FEATURES.index(each.feature))


def get(code: str) -> Rule | None:
    _load()
    return _RULES.get(code)


def findings(project, *, features: Iterable[str] = FEATURES, codes: set[str] | None = None) -> list[Finding]:
    """The findings of every rule of these features that applies to the project's target (and
    is among `codes`, when given)."""
    _load()
    wanted = set(features)
    found: list[Finding] = []
    for function, rules in _checkers_in_order():
        live = {
            each.code
            for each in rules
            if each.feature in wanted and each.applies_to(project.target) and (codes is None or each.code in codes)
        }
        if live:
            found += (finding for finding in _declared(function, rules, project) if finding.code in live)
    return found


def _checkers_in_order() -> list[tuple[Checker, tuple[Rule, ...]]]:
    return sorted(_CHECKERS, key=lambda pair: FEATURES.index(pair[1][0].feature))


def _declared(function: Checker, rules: tuple[Rule, ...], project) -> Iterator[Finding]:
    codes = {each.code for each in rules}
    for finding in function(project):
        if finding.code not in codes:
            raise AssertionError(f"{function.__name__} reported {finding.code}, which it does not declare")
        yield finding
