"""Semantic checks of a built rule set: the graph and the policies, not the spelling.

Each check is a small function from a `RuleSet` to located problems; `validate` runs them all so
a file's every mistake is reported at once. Names were already checked by the builder, so checks
skip what they cannot resolve instead of failing on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from engine.definition import Location, RuleSet
from engine.yamlsource import Problem

Check = Callable[[RuleSet], Iterator[Problem]]


def _where(rules: RuleSet, where: Location | None) -> Location:
    return where or Location(rules.source, 1, 1)


def check_initial(rules: RuleSet) -> Iterator[Problem]:
    if rules.statuses and not rules.initial_statuses:
        first = rules.statuses[0]
        yield Problem(_where(rules, first.where), "no status is marked 'initial: true'",
                      "mark the status where new orders start")


CHECKS: tuple[Check, ...] = (check_initial,)


def validate(rules: RuleSet) -> list[Problem]:
    return [problem for check in CHECKS for problem in check(rules)]
