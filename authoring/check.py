"""`orderflow check`: explore a rule file's machine with Hypothesis for an order that breaks a
property, built-in or declared.

Hypothesis is used as a library: one `@given` run of `examples` orders, seeded, with no example
database, so the same file, examples and seed explore the same orders on every machine and
every run. Each order's lifecycle is drawn by `authoring.lifecycles`, then every property is
judged on its timeline (`authoring.builtins`, `authoring.properties`). The first failure stops
the search and Hypothesis shrinks it to a short order; its timeline is the counterexample. A
pass says what was explored: orders, steps, the statuses and transitions covered, and how often
each property applied (a property that never applied was not tested, and the report says so).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as seeded

from authoring.builtins import BUILTINS, Builtins
from authoring.lifecycles import Drawn, Lifecycles, lifecycle_bytes
from authoring.properties import Failure, describe, judge
from authoring.timeline import Timeline
from engine.model.definition import RuleSet
from engine.runtime.runtime import Runtime

DEFAULT_EXAMPLES = 1000
Edge = tuple[str, str, str]


@dataclass
class Coverage:
    """What the explored orders went through."""

    orders: int = 0
    steps: int = 0
    refused: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    transitions: Counter[Edge] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)

    def add(self, timeline: Timeline, applied: dict[str, int]) -> None:
        self.orders += 1
        for step in timeline.steps:
            self.steps += 1
            self.refused += not step.happened
            if step.happened and step.moved:
                self.statuses[step.after] += 1
                if step.before is not None and step.trigger is not None:
                    self.transitions[(step.before, step.after, step.trigger)] += 1
        self.applied.update(applied)


@dataclass(frozen=True)
class Counterexample:
    failure: Failure
    timeline: Timeline


@dataclass(frozen=True)
class CheckResult:
    """One rule file checked: the properties, and what was explored or the counterexample."""

    rules: RuleSet
    examples: int
    seed: int
    properties: tuple[tuple[str, str], ...]  # (name, in words), built-in ones first
    coverage: Coverage
    counterexample: Counterexample | None = None

    @property
    def passed(self) -> bool:
        return self.counterexample is None

    @property
    def uncovered(self) -> tuple[Edge, ...]:
        """The transitions (per source) no explored order took."""
        edges = (
            (source, t.dest, t.trigger) for t in self.rules.transitions for source in t.sources
        )
        return tuple(e for e in dict.fromkeys(edges) if e not in self.coverage.transitions)


class _Found(Exception):
    """Raised inside the Hypothesis run: a property failed on this order."""

    def __init__(self, found: Counterexample) -> None:
        super().__init__(found.failure.message)
        self.found = found


def check(
    rules: RuleSet,
    examples: int = DEFAULT_EXAMPLES,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Explore `examples` orders of `rules` (seeded by `seed`); `progress` gets each order done."""
    runtime = Runtime(rules)
    lifecycles = Lifecycles(runtime)
    builtins = Builtins(runtime)
    coverage = Coverage()

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @seeded(seed)
    @given(lifecycle_bytes)
    def explore(data: Drawn) -> None:
        timeline = lifecycles.run(data)
        verdicts = [
            *builtins.judge(timeline),
            *(judge(rules, p, timeline) for p in rules.properties),
        ]
        for verdict in verdicts:
            if verdict.failure is not None:
                raise _Found(Counterexample(verdict.failure, timeline))
        coverage.add(timeline, {v.property: v.applied for v in verdicts})
        if progress is not None:
            progress(coverage.orders)

    described = (
        *((name, name) for name in BUILTINS),
        *((p.name, describe(p)) for p in rules.properties),
    )
    try:
        explore()
    except _Found as found:
        return CheckResult(rules, examples, seed, described, coverage, found.found)
    return CheckResult(rules, examples, seed, described, coverage)
