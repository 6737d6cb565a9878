"""What a rule file promises about every order, as data: its `properties:` section.

A rule author states what must hold whatever the actors do ("a tracked delivery ships with its
carrier and tracking number", "no order leaves Shipped", "an order waiting for the seller is
answered within 48 hours"), and `orderflow check` explores the file's machine for an order that
breaks it. A property is one of three kinds over the steps of an order's timeline (its creation,
the triggers, the seller's commands, the timers), each step picked out by a `StepPattern`:

- always: every step the pattern picks out has fields where `then` holds;
- never: no step is picked out by the pattern;
- eventually: after every step `after` picks out (the creation when absent), a step the pattern
  picks out comes within `within_seconds`, the order being left to its timers once nobody acts.

These are values only; `engine.rulefile.property_reader` reads them from a file and
`authoring.properties` evaluates them on a timeline.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

from engine.model.conditions import Condition
from engine.model.problems import Location


class PropertyKind(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    EVENTUALLY = "eventually"


@dataclass(frozen=True)
class StepPattern:
    """The steps of a timeline a property is about: each key given must match (all of them).

    `enters`/`leaves` name statuses, `enters_stage`/`leaves_stage` stages, `trigger` the
    transition's trigger, `action` the seller's action, `by` the actor; `when` is a condition on
    the order's fields at the step. A step that changes no status enters and leaves nothing.
    """

    enters: tuple[str, ...] = ()
    leaves: tuple[str, ...] = ()
    enters_stage: tuple[str, ...] = ()
    leaves_stage: tuple[str, ...] = ()
    trigger: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    when: Condition | None = None

    def __str__(self) -> str:
        parts = [
            f"{_VERBS[key]} {' or '.join(names)}"
            for key in PATTERN_KEYS
            if key in _VERBS and (names := getattr(self, key))
        ]
        if self.when is not None:
            parts.append(f"when {self.when}")
        return ", ".join(parts) or "any step"


# The keys of a pattern as a rule file writes them, in the order messages list them.
PATTERN_KEYS = tuple(f.name for f in dataclasses.fields(StepPattern))
# How a message reads each key naming statuses, stages, triggers, actions or actors.
_VERBS = {
    "enters": "enters",
    "leaves": "leaves",
    "enters_stage": "enters a status of stage",
    "leaves_stage": "leaves a status of stage",
    "trigger": "fires",
    "action": "runs action",
    "by": "is caused by",
}


@dataclass(frozen=True)
class Property:
    """One promise of a rule file, named; see the module's docstring for the three kinds."""

    name: str
    kind: PropertyKind
    pattern: StepPattern
    then: Condition | None = None
    within_seconds: int | None = None
    after: StepPattern | None = None
    description: str = ""
    where: Location | None = dataclasses.field(default=None, compare=False)
