"""One explored order as a rule author reads it: its timeline, step by step.

`orderflow check` drives orders through a rule file's machine and judges what happened; what it
shows of a counterexample is this: each step's number, when (after the creation), what happened
(the trigger, the seller's action or the timer), who did it, the fields that mattered and the
status afterwards. A refused attempt stays on the timeline with why, and so do the marketplace's
observations of the same order (`Observation`), which may skip statuses.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engine.rulefile.diagram import span

Fields = Mapping[str, object]


class StepKind(StrEnum):
    CREATE = "create"
    TRIGGER = "trigger"
    COMMAND = "command"
    TIMER = "timer"


@dataclass(frozen=True)
class Step:
    """One thing that happened to the order (or was refused): `before` -> `after`.

    `name` is the trigger, the seller's action or the timer; `trigger` the one the machine was
    asked to fire (None for a command the checker refused or one without transition); `typed`
    what the seller typed; `refused` why the rules refused the step, empty when it happened.
    """

    number: int
    kind: StepKind
    name: str
    actor: str
    at: int  # seconds after the creation
    before: str | None
    after: str
    fields: Fields
    trigger: str | None = None
    typed: Fields = field(default_factory=dict)
    refused: str = ""

    @property
    def moved(self) -> bool:
        """Whether the status changed (a creation always does)."""
        return self.before != self.after

    @property
    def happened(self) -> bool:
        return not self.refused


@dataclass(frozen=True)
class Observation:
    """The marketplace reporting the order at `reported`, after step `after_step`."""

    after_step: int
    reported: str
    at: int
    fields: Fields
    status: str | None
    events: tuple[str, ...]  # "from -> to (trigger, inferred)" per event
    anomalies: tuple[str, ...]


@dataclass(frozen=True)
class Timeline:
    """An explored order: its steps in order, and what the observations of it gave."""

    steps: tuple[Step, ...]
    observations: tuple[Observation, ...] = ()

    @property
    def happened(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.happened)


def _value(value: object) -> str:
    if value is None:
        return "-"
    text = str(value)
    return repr(text) if not text.strip() else text


def _fields(values: Fields) -> str:
    return " ".join(f"{name}={_value(value)}" for name, value in values.items())


def step_line(step: Step, previous: Fields | None) -> str:
    """`3. +1h  ship by seller (command) typed carrier=2  -> ShippedBySeller`."""
    what = f"{step.name} by {step.actor}"
    if step.kind is not StepKind.TRIGGER:
        what += f" ({step.kind})"
    if step.kind is StepKind.CREATE:
        what += f" with {_fields(step.fields)}"
    elif step.typed:
        what += f" typed {_fields(step.typed)}"
    changed = {
        k: v
        for k, v in step.fields.items()
        if previous is not None and previous.get(k) != v and k not in step.typed
    }
    if changed:
        what += f", fields now {_fields(changed)}"
    result = f"refused: {step.refused}" if step.refused else f"-> {step.after}"
    return f"{step.number:>3}. +{span(step.at):<7} {what}  {result}"


def lines(timeline: Timeline) -> Iterator[str]:
    """The timeline as text, a step a line, the observations after the step they follow."""
    previous: Fields | None = None
    by_step: dict[int, list[Observation]] = {}
    for seen in timeline.observations:
        by_step.setdefault(seen.after_step, []).append(seen)
    for step in timeline.steps:
        yield step_line(step, previous)
        previous = step.fields
        for seen in by_step.get(step.number, ()):
            yield observation_line(seen)


def observation_line(seen: Observation) -> str:
    events = "; ".join(seen.events) or "no event"
    anomalies = f"; anomalies: {'; '.join(seen.anomalies)}" if seen.anomalies else ""
    return f"     observed {seen.reported}: {events}{anomalies}"


def path_notes(timeline: Timeline) -> dict[tuple[str, str, str], str]:
    """The transitions the order took, each with its step numbers (`step 3`, `steps 2, 5`): what
    the diagram draws as the order's path (`engine.rulefile.diagram.dot`)."""
    numbers: dict[tuple[str, str, str], list[str]] = {}
    for step in timeline.steps:
        if step.happened and step.moved and step.before is not None and step.trigger:
            numbers.setdefault((step.before, step.after, step.trigger), []).append(str(step.number))
    return {
        edge: f"step{'s' if len(found) > 1 else ''} {', '.join(found)}"
        for edge, found in numbers.items()
    }
