"""One `transitions` machine per rule set, and the transition table read back from it.

This is the only module that imports `transitions`. The machine is built once per `RuleSet`
without models: orders stay plain records and borrow the machine for one trigger at a time
(`RuleMachine.fire`), so an order costs no machine, no bound methods and no callbacks. Guards
are the rule file's conditions (data from `engine.model.conditions`) evaluated on the order's
fields, in three values: a guard that cannot be known (it reads a value its enum field does not
list) stops the machine's choice instead of letting it fall through to the next transition, so
the trigger is refused. Following a path the marketplace reported (`toward` its next status), such
a guard lets that one transition through: the report says which way the order went.

The bulk path and the path finder need the same transitions as a plain table. `compile_table`
reads it back from the built machine (`machine.events[...].transitions`), so what the fast paths
run is what the machine runs, in the machine's order (the first transition whose guard holds
wins), never a second reading of the rule file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from transitions import Machine, MachineError
from transitions.core import EventData
from transitions.core import Transition as LibraryTransition

from engine.model.conditions import NO_VOCABULARY, Condition, Truth, Vocabulary
from engine.model.definition import RuleSet

# The record attribute holding the status; unlike "state" no rule file will name a trigger so.
STATUS_ATTRIBUTE = "orderflow_status"


class Undecided(Exception):
    """Raised by a guard whose truth is unknown: the machine must not try the next transition."""


class Guard:
    """A transition's `when`, evaluated on the fields of the record being moved."""

    __slots__ = ("condition", "dest", "vocabulary")

    def __init__(self, condition: Condition, dest: str, vocabulary: Vocabulary) -> None:
        self.condition = condition
        self.dest = dest
        self.vocabulary = vocabulary

    def __call__(self, event: EventData) -> bool:
        record = event.model
        assert isinstance(record, Record)
        truth = self.condition.truth(record.fields, self.vocabulary)
        if truth is None:
            if record.toward is None:
                raise Undecided(self.condition)
            return record.toward == self.dest
        return truth

    def __repr__(self) -> str:
        return f"Guard({self.condition})"


class RuleTransition(LibraryTransition):
    """A library transition that also carries who causes it (the rule file's `actor`)."""

    def __init__(self, *args: Any, actor: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor


class RuleStateMachine(Machine):
    transition_cls = RuleTransition


class Record:
    """An order lent to the machine for one trigger: its status and its fields."""

    __slots__ = ("fields", "orderflow_status", "toward")  # the second is STATUS_ATTRIBUTE

    def __init__(
        self, status: str, fields: Mapping[str, object], toward: str | None = None
    ) -> None:
        self.orderflow_status = status
        self.fields = fields
        self.toward = toward

    @property
    def status(self) -> str:
        return self.orderflow_status


@dataclass(frozen=True, slots=True)
class Step:
    """One way out of a status by a trigger: where it leads, when, and who causes it."""

    dest: str
    condition: Condition | None
    actor: str

    def truth(self, fields: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> Truth:
        return True if self.condition is None else self.condition.truth(fields, vocabulary)


@dataclass(frozen=True)
class TransitionTable:
    """`{(status, trigger): steps}` in the machine's order; the first step whose guard holds.

    `vocabulary` is the rule set's (`RuleSet.vocabulary`): the guards are read with it.
    """

    statuses: tuple[str, ...]
    triggers: tuple[str, ...]
    steps: Mapping[tuple[str, str], tuple[Step, ...]]
    vocabulary: Vocabulary = dataclasses.field(default_factory=lambda: NO_VOCABULARY, compare=False)

    def resolve(
        self,
        status: str,
        trigger: str,
        fields: Mapping[str, object],
        toward: str | None = None,
    ) -> Step | None:
        """The step the machine takes for `trigger` at `status`, or None when it refuses.

        A guard of unknown truth refuses, unless the step leads `toward` the status given (the
        next one of a path the marketplace reported): then it is taken.
        """
        for step in self.steps.get((status, trigger), ()):
            truth = step.truth(fields, self.vocabulary)
            if truth or (truth is None and toward is not None and step.dest == toward):
                return step
            if truth is None and toward is None:
                return None
        return None

    def undecided(
        self, status: str, trigger: str, fields: Mapping[str, object]
    ) -> Condition | None:
        """The guard whose unknown truth stops the choice of a step, if one does."""
        for step in self.steps.get((status, trigger), ()):
            truth = step.truth(fields, self.vocabulary)
            if truth is None:
                return step.condition
            if truth:
                return None
        return None

    @cached_property
    def outgoing(self) -> Mapping[str, tuple[tuple[str, tuple[Step, ...]], ...]]:
        """status -> ((trigger, steps), ...) in trigger order."""
        table: dict[str, list[tuple[str, tuple[Step, ...]]]] = {s: [] for s in self.statuses}
        for trigger in self.triggers:
            for status in self.statuses:
                steps = self.steps.get((status, trigger))
                if steps:
                    table[status].append((trigger, steps))
        return {status: tuple(exits) for status, exits in table.items()}

    @cached_property
    def conditions(self) -> tuple[Condition, ...]:
        """Every distinct guard of the table, in a fixed order (the bulk path's signature)."""
        found: dict[Condition, None] = {}
        for steps in self.steps.values():
            for step in steps:
                if step.condition is not None:
                    found.setdefault(step.condition, None)
        return tuple(found)


def build_machine(rules: RuleSet) -> Machine:
    """The one model-less machine of `rules`; refused triggers raise, they are never ignored."""
    statuses = [status.name for status in rules.statuses]
    initial = rules.initial_statuses[0] if rules.initial_statuses else statuses[0]
    machine = RuleStateMachine(
        model=None,
        states=statuses,
        initial=initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
        model_attribute=STATUS_ATTRIBUTE,
    )
    for rule in rules.transitions:
        guards: list[str | Callable[..., bool | None]] | None = (
            [Guard(rule.when, rule.dest, rules.vocabulary)] if rule.when is not None else None
        )
        machine.add_transition(
            rule.trigger, list(rule.sources), rule.dest, conditions=guards, actor=str(rule.actor)
        )
    return machine


def _step(transition: LibraryTransition) -> Step:
    guards = [c.func for c in transition.conditions]
    conditions = [g.condition for g in guards if isinstance(g, Guard)]
    if len(conditions) != len(guards) or len(conditions) > 1 or transition.dest is None:
        raise TypeError(f"{transition!r} was not built by build_machine")
    actor = transition.actor if isinstance(transition, RuleTransition) else ""
    return Step(transition.dest, conditions[0] if conditions else None, actor)


def compile_table(machine: Machine, vocabulary: Vocabulary = NO_VOCABULARY) -> TransitionTable:
    """The machine's transitions as a plain table, read back from `machine.events`."""
    steps: dict[tuple[str, str], tuple[Step, ...]] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            if transitions:
                steps[(source, trigger)] = tuple(_step(t) for t in transitions)
    return TransitionTable(tuple(machine.states), tuple(machine.events), steps, vocabulary)


class RuleMachine:
    """The machine of one rule set, its compiled table, and one trigger at a time on a record."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.machine = build_machine(rules)
        self.table = compile_table(self.machine, rules.vocabulary)
        self._events = self.machine.events

    def fire(
        self,
        status: str,
        trigger: str,
        fields: Mapping[str, object],
        toward: str | None = None,
    ) -> Step | None:
        """The step the machine takes for a record at `status`, or None when it refuses.

        The machine decides; the table only names the step it took (its destination and actor).
        A refusal (no transition for `trigger` at `status`, no guard holding, or a guard of
        unknown truth first) is returned, never swallowed: callers turn it into an anomaly or a
        blocker. `toward`: the status a reported path goes to next (see `TransitionTable.resolve`).
        """
        event = self._events.get(trigger)
        if event is None:
            return None
        record = Record(status, fields, toward)
        try:
            moved = event.trigger(record)
        except (MachineError, Undecided):
            return None
        if not moved:
            return None
        dest = record.orderflow_status
        steps = self.table.steps[(status, trigger)]
        if len(steps) == 1:
            return steps[0]
        step = self.table.resolve(status, trigger, fields, toward)
        if step is None or step.dest != dest:
            raise AssertionError(f"the table does not name the step the machine took: {trigger}")
        return step
