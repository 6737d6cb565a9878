"""The properties a rule file declares, judged on one explored order's timeline.

A property (`engine.model.properties`) picks steps out with a `StepPattern`; this module says
which steps of a timeline a pattern picks out and whether the property holds on them. A
condition that reads a value its field does not list has no known truth: in a pattern that
looks for trouble (`always`, `never`, the `after` of `eventually`) such a step counts as picked
out, and in what must hold (`then`, the step `eventually` waits for) it does not count as held:
a property holds only where it is known to hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from authoring.timeline import Step, StepKind, Timeline
from engine.model.conditions import Condition
from engine.model.definition import RuleSet
from engine.model.properties import Property, PropertyKind, StepPattern
from engine.rulefile.diagram import span


@dataclass(frozen=True)
class Failure:
    """A property broken at a step of a timeline, and how."""

    property: str
    step: int
    message: str


@dataclass(frozen=True)
class Verdict:
    """A property on one timeline: on how many steps (or clock starts) it applied; its failure."""

    property: str
    applied: int
    failure: Failure | None = None


def _names(values: tuple[str, ...], name: str | None) -> bool:
    return not values or name in values


def matches(rules: RuleSet, pattern: StepPattern, step: Step, unknown: bool) -> bool:
    """Whether `pattern` picks out `step`; `unknown` is what a `when` of unknown truth gives."""
    if not step.happened:
        return False
    before, after = (step.before, step.after) if step.moved else (None, None)
    if not (_names(pattern.enters, after) and _names(pattern.leaves, before)):
        return False
    if pattern.enters_stage and (
        after is None or rules.stage_of(after) not in pattern.enters_stage
    ):
        return False
    if pattern.leaves_stage and (
        before is None or rules.stage_of(before) not in pattern.leaves_stage
    ):
        return False
    if not (_names(pattern.trigger, step.trigger) and _names(pattern.by, step.actor)):
        return False
    if pattern.action and not (step.kind is StepKind.COMMAND and step.name in pattern.action):
        return False
    if pattern.when is None:
        return True
    truth = pattern.when.truth(step.fields, rules.vocabulary)
    return unknown if truth is None else truth


def _values(condition: Condition, step: Step) -> str:
    shown = (f"{name}={step.fields.get(name)!r}" for name in sorted(condition.fields()))
    return ", ".join(shown)


def describe(prop: Property) -> str:
    """A property in words, as `orderflow check` lists it."""
    if prop.kind is PropertyKind.ALWAYS:
        return f"always, on a step that {prop.pattern}: {prop.then}"
    if prop.kind is PropertyKind.NEVER:
        return f"never a step that {prop.pattern}"
    start = "the creation" if prop.after is None else f"a step that {prop.after}"
    return f"within {span(prop.within_seconds or 0)} of {start}: a step that {prop.pattern}"


def judge(rules: RuleSet, prop: Property, timeline: Timeline) -> Verdict:
    if prop.kind is PropertyKind.ALWAYS:
        return _always(rules, prop, timeline.steps)
    if prop.kind is PropertyKind.NEVER:
        return _never(rules, prop, timeline.steps)
    return _eventually(rules, prop, timeline.steps)


def _always(rules: RuleSet, prop: Property, steps: Iterable[Step]) -> Verdict:
    applied = 0
    assert prop.then is not None
    for step in steps:
        if not matches(rules, prop.pattern, step, unknown=True):
            continue
        applied += 1
        if prop.then.truth(step.fields, rules.vocabulary) is not True:
            message = (
                f"step {step.number} ({step.name}) is a step that {prop.pattern}, but "
                f"{prop.then} does not hold: {_values(prop.then, step)}"
            )
            return Verdict(prop.name, applied, Failure(prop.name, step.number, message))
    return Verdict(prop.name, applied)


def _never(rules: RuleSet, prop: Property, steps: Iterable[Step]) -> Verdict:
    count = 0
    for step in steps:
        count += step.happened
        if matches(rules, prop.pattern, step, unknown=True):
            message = f"step {step.number} ({step.name}) is a step that {prop.pattern}"
            return Verdict(prop.name, count, Failure(prop.name, step.number, message))
    return Verdict(prop.name, count)


def _eventually(rules: RuleSet, prop: Property, steps: tuple[Step, ...]) -> Verdict:
    within = prop.within_seconds or 0
    starts = [
        i
        for i, step in enumerate(steps)
        if (
            step.kind is StepKind.CREATE
            if prop.after is None
            else matches(rules, prop.after, step, True)
        )
    ]
    for i in starts:
        start = steps[i]
        reached = next(
            (s for s in steps[i:] if matches(rules, prop.pattern, s, unknown=False)), None
        )
        if reached is not None and reached.at - start.at <= within:
            continue
        if reached is None:
            how = "it never comes, the order left to its timers at the end"
        else:
            late = span(reached.at - start.at)
            how = f"it comes only at step {reached.number}, {late} later"
        message = (
            f"after step {start.number} ({start.name}) a step that {prop.pattern} must come "
            f"within {span(within)}: {how}"
        )
        return Verdict(prop.name, len(starts), Failure(prop.name, start.number, message))
    return Verdict(prop.name, len(starts))
