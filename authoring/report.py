"""What `orderflow check` says about a rule file, as lines of text: the CLI prints them and the
app's Rules page shows them.

A pass says what was explored: orders, steps (and how many the rules refused), the statuses and
transitions covered, and each property with how often it applied; a property that never applied
was not put to the test, and the report says so rather than count it as held. A failure names
the property, says how it broke, and gives the shrunk counterexample as the order's timeline.
"""

from __future__ import annotations

from collections.abc import Iterator

from authoring.check import CheckResult
from authoring.timeline import lines


def _count(number: int, singular: str, plural: str = "") -> str:
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"


def summary(file: str, result: CheckResult) -> str:
    """The first line: ok or failed, and what was explored."""
    rules, coverage = result.rules, result.coverage
    edges = {(s, t.dest, t.trigger) for t in rules.transitions for s in t.sources}
    seen = f"seed {result.seed}, {_count(result.examples, 'example')}"
    if not result.passed:
        assert result.counterexample is not None
        failed = result.counterexample.failure.property
        return f"{file}: FAILED: property '{failed}' does not hold ({seen})"
    return (
        f"{file}: ok: {_count(coverage.orders, 'order')}, {_count(coverage.steps, 'step')} "
        f"({coverage.refused:,} refused), "
        f"{len(coverage.statuses)}/{len(rules.statuses)} statuses and "
        f"{len(edges) - len(result.uncovered)}/{len(edges)} moves covered (a transition from "
        f"each of its sources; {len(rules.transitions)} transitions) ({seen})"
    )


def report(file: str, result: CheckResult) -> Iterator[str]:
    yield summary(file, result)
    found = result.counterexample
    if found is not None:
        words = dict(result.properties)[found.failure.property]
        if words != found.failure.property:
            yield f"  {found.failure.property}: {words}"
        yield f"  {found.failure.message}"
        yield "  counterexample, shrunk (step, when, what, by whom, fields, status after):"
        yield from (f"  {line}" for line in lines(found.timeline))
        return
    for name, words in result.properties:
        applied = result.coverage.applied[name]
        label = name if words == name else f"{name}: {words}"
        if applied:
            yield f"  held on {_count(applied, 'step')}: {label}"
        else:
            yield f"  NOT EXERCISED (no order came to it; raise --examples?): {label}"
    if result.uncovered:
        missed = ", ".join(f"{s} -> {d} ({t})" for s, d, t in result.uncovered)
        yield f"  transitions no order took: {missed}"
