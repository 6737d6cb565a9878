"""What an explored order aims at: a status to reach, and the fields that could break a property.

Random steps seldom reach a rule file's deep statuses with the fields a property is about, so
each order drawn by `authoring.lifecycles` picks an aim first: the plain one (any status, any
fields) or one per declared property, whose aim is the statuses its steps are at, the values that
meet its `when` (drawn half of the time) and the fields its `then` reads (typed empty, to break
it, or valid, to get there, half of the time each). The aim only biases the draws: every step
still goes through the runtime, and the first aim is the plain one, where shrinking goes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from authoring.choices import Choices
from engine.model.conditions import AllOf, Condition, FieldIn, FieldPresent
from engine.model.definition import FieldType, RuleSet
from engine.model.properties import Property, StepPattern

Meets = tuple[tuple[str, tuple[object, ...]], ...]


@dataclass(frozen=True)
class Aim:
    goals: tuple[str, ...]
    meets: Meets = ()
    breaks: frozenset[str] = frozenset()

    def meet(
        self, fields: dict[str, object], choices: Choices, guards: Meets = ()
    ) -> dict[str, object]:
        """`fields` with, half of the time each, a value that meets the aimed `when` or one of
        the `guards` on the way to the goal."""
        for name, values in (*self.meets, *guards):
            if choices.coin():
                fields[name] = choices.pick(values)
        return fields

    def break_(self, name: str, value: object, plain: object, choices: Choices) -> object:
        """What the seller types for `name`: for a field the aimed `then` reads, nothing (to
        break it) or a `plain` valid value (to reach the steps it is about), half of the time
        each; `value` for any other field."""
        if name not in self.breaks:
            return value
        return None if choices.coin() else plain


def goal_statuses(rules: RuleSet, pattern: StepPattern) -> tuple[str, ...]:
    """The statuses where the steps a pattern picks out happen (every status when it says
    nothing of statuses)."""
    stages = {*pattern.enters_stage, *pattern.leaves_stage}
    named = [*pattern.enters, *pattern.leaves]
    named += [s.name for s in rules.statuses if s.stage in stages]
    actions = {a.transition for a in rules.actions if a.name in pattern.action}
    named += [
        t.dest
        for t in rules.transitions
        if t.trigger in pattern.trigger or t.actor in pattern.by or t.trigger in actions
    ]
    found = tuple(dict.fromkeys(named))
    return found or tuple(s.name for s in rules.statuses)


def _positive(condition: Condition | None) -> Iterator[Condition]:
    """The parts of a condition that must hold for it to hold (under `all`, not under `not`)."""
    if isinstance(condition, AllOf):
        for part in condition.conditions:
            yield from _positive(part)
    elif condition is not None:
        yield condition


def guards_into(rules: RuleSet, status: str) -> Meets:
    """Values that meet the guards of the transitions entering `status`."""
    guards = (t.when for t in rules.transitions if t.dest == status)
    return tuple(dict.fromkeys(_values(rules, guards)))


def _meets(rules: RuleSet, prop: Property) -> Iterator[tuple[str, tuple[object, ...]]]:
    patterns = (prop.pattern, prop.after)
    return _values(rules, (p.when for p in patterns if p is not None))


def _values(
    rules: RuleSet, conditions: Iterator[Condition | None]
) -> Iterator[tuple[str, tuple[object, ...]]]:
    for condition in conditions:
        for part in _positive(condition):
            if isinstance(part, FieldIn):
                field = rules.field_by_name[part.field]
                bools = field.type is FieldType.BOOL
                yield part.field, tuple(v == "true" if bools else v for v in part.values)
            elif isinstance(part, FieldPresent) and not part.present:
                yield part.field, (None,)


def aims_of(rules: RuleSet) -> tuple[Aim, ...]:
    """The plain aim, then one per declared property."""
    everything = tuple(s.name for s in rules.statuses)
    aims = [Aim(everything)]
    for prop in rules.properties:
        start = prop.after if prop.after is not None else prop.pattern
        goals = goal_statuses(rules, start)
        if prop.kind == "eventually" and prop.after is None:
            goals = everything
        breaks = prop.then.fields() if prop.then is not None else frozenset()
        aims.append(Aim(goals, tuple(dict.fromkeys(_meets(rules, prop))), breaks))
    return tuple(aims)
