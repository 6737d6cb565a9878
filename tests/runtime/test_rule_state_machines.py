"""A hypothesis state machine generated from each rule file in rules/, not written per marketplace.

Its rules are the file's own: observations of random status codes, the seller's actions, the
other actors' triggers, edits of the order's fields and clock steps that fire timers. Each step
is checked against `Reference` (plain dicts read from the definition); the invariants hold after
every step: the status is declared or the undeclared code reported, only a deviation (an
observation the rules give no path for) leaves a final status, no seller action reaches a
shipped stage without the fields it requires, the event log replays to the same status, and
every event but a deviation (inferred ones included) is a legal step of the rules. Field values
no spelling of their field lists (the strategies draw some) are reported once per new value by
observations, and never decide a trigger or an action.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from engine.model.conditions import FieldPresent
from engine.model.definition import OrderField, RuleSet
from engine.model.errors import CommandRefused
from engine.model.events import AnomalyKind, Event, Source
from engine.model.outcome import Outcome
from engine.runtime.replay import replay
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT, RULE_FILES, rules_of, runtime_of
from tests.runtime.reference import Reference
from tests.runtime.strategies import UNKNOWN_CODE, arrivals_of, codes_of, field_values

ORDER = "S1"


class RuleFileOrders(RuleBasedStateMachine):
    """One order driven by a rule file; subclasses name the file and draw from it."""

    rule_set: ClassVar[RuleSet]
    runtime: ClassVar[Runtime]
    ref: ClassVar[Reference]

    def __init__(self) -> None:
        super().__init__()
        self.status: str | None = None
        self.fields: dict[str, object] = {}
        self.log: list[tuple[Event, dict[str, object]]] = []
        self.now = AT
        self.entered = AT
        self.observed: dict[str, object] | None = None

    def observed_now(self, outcome: Outcome) -> Outcome:
        """Check the unlisted values reported against the last observation's; the rest."""
        previous = self.observed or {}
        expected = [
            f"{u.field}={u.value}"
            for u in self.rule_set.unlisted(self.fields)
            if self.observed is None or previous.get(u.field) != u.value
        ]
        unlisted = [a for a in outcome.anomalies if a.kind is AnomalyKind.UNLISTED_VALUE]
        assert [a.reported for a in unlisted] == expected
        self.observed = dict(self.fields)
        others = tuple(a for a in outcome.anomalies if a.kind is not AnomalyKind.UNLISTED_VALUE)
        return Outcome(outcome.status, outcome.events, others)

    def record(self, outcome: Outcome) -> None:
        for event in outcome.events:
            self.log.append((event, dict(self.fields)))
            if event.to_status != event.from_status:
                self.entered = event.at
        self.status = outcome.status

    def observe_now(self, current: str | None, code: str) -> Outcome:
        outcome = self.runtime.observe(
            ORDER, current, code, self.fields, self.now, previous=self.observed
        )
        return self.observed_now(outcome)

    def arrive(self, code: str, fields: dict[str, object]) -> None:
        self.fields = fields
        outcome = self.observe_now(None, code)
        status = self.rule_set.status_for_code(code)
        # Every reported order is stored at what was reported: the undeclared code verbatim.
        assert outcome.status == (code if status is None else status)
        creation = None if status is None else self.ref.creation(status, fields)
        if creation is None:
            assert len(outcome.anomalies) == 1 and outcome.events[0].deviation
            assert len(outcome.events) == 1 and outcome.events[0].from_status is None
        else:
            start, hops = creation
            assert not any(e.deviation for e in outcome.events) and len(outcome.events) == hops
            assert (outcome.events[0].from_status, outcome.events[0].to_status) == (None, start)
            assert [e.inferred for e in outcome.events] == [True] * (hops - 1) + [False]
        self.record(outcome)

    def observe(self, code: str, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        assert self.status is not None
        before, reported = self.status, self.rule_set.status_for_code(code)
        outcome = self.observe_now(before, code)
        self.record(outcome)
        assert (reported is None) == (code == UNKNOWN_CODE)
        target = code if reported is None else reported
        if target == before:
            assert self.status == before and outcome.events == ()
            return
        assert self.status == target  # the truth first: the order is where it was reported
        declared = before in self.rule_set.status_by_name
        hops = self.ref.distance(before, target, self.fields) if declared else None
        if reported is None or before in self.ref.finals or hops is None:
            (event,) = outcome.events
            assert event.deviation and (event.from_status, event.to_status) == (before, target)
            kinds = [a.kind for a in outcome.anomalies]
            assert kinds in (
                [AnomalyKind.FINAL_CHANGED],
                [AnomalyKind.NO_LEGAL_PATH],
                [AnomalyKind.UNKNOWN_STATUS],
            )
            assert (kinds == [AnomalyKind.UNKNOWN_STATUS]) == (reported is None or not declared)
        else:
            assert self.status == reported and len(outcome.events) == hops
            assert [e.inferred for e in outcome.events] == [True] * (hops - 1) + [False]

    def act(self, action: str) -> None:
        assert self.status is not None
        if self.status not in self.rule_set.status_by_name:
            return  # no action at a status the rules do not declare (the runtime raises)
        definition = self.rule_set.action_by_name[action]
        trigger = definition.transition
        dest = self.ref.next(self.status, trigger, self.fields) if trigger else self.status
        allowed = self.status in definition.at and dest is not None
        allowed = allowed and self.ref.fields_ok(definition, self.fields)
        decision = self.runtime.command(ORDER, self.status, action, self.fields, self.now)
        assert decision.allowed == allowed
        try:
            outcome = self.runtime.apply_command(ORDER, self.status, action, self.fields, self.now)
        except CommandRefused as refused:
            assert not allowed and refused.blockers == decision.blockers
            return
        assert allowed and outcome.status == dest
        self.record(outcome)

    def happen(self, trigger: str) -> None:
        assert self.status is not None
        expected = self.ref.next(self.status, trigger, self.fields) or self.status
        self.record(self.runtime.trigger(ORDER, self.status, trigger, self.fields, self.now))
        assert self.status == expected

    def tick(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        assert self.status is not None
        expected, since = self.status, self.entered
        for _ in self.rule_set.statuses:
            timer = self.ref.timer(expected)
            nxt = self.ref.next(expected, timer[1], self.fields) if timer else None
            if timer is None or nxt is None or since + timedelta(seconds=timer[0]) > self.now:
                break
            expected, since = nxt, since + timedelta(seconds=timer[0])
        self.record(self.runtime.fire_due(ORDER, self.status, self.entered, self.now, self.fields))
        assert self.status == expected

    @invariant()
    def status_is_declared_or_reported(self) -> None:
        assert self.status is not None
        assert self.status in self.rule_set.status_by_name or self.status == UNKNOWN_CODE

    @invariant()
    def only_a_deviation_leaves_a_final_status(self) -> None:
        for event, _ in self.log:
            if event.from_status in self.ref.finals and event.to_status != event.from_status:
                assert event.deviation and event.source is Source.FETCH

    @invariant()
    def seller_actions_reach_shipped_only_with_required_fields(self) -> None:
        for event, fields in self.log:
            if (
                event.source is Source.ACTION
                and self.rule_set.stage_of(event.to_status) == "shipped"
            ):
                action = next(a for a in self.rule_set.actions if a.transition == event.trigger)
                needed = [
                    r.field for r in action.requires if self.ref.truth(r.when, fields) is not False
                ]
                assert all(FieldPresent(name).holds(fields) for name in needed)

    @invariant()
    def replaying_the_log_gives_the_status(self) -> None:
        state = replay([event for event, _ in self.log], self.runtime.table)
        assert (state.status, state.problems) == (self.status, ())

    @invariant()
    def every_event_is_a_legal_step(self) -> None:
        for event, fields in self.log:
            if event.deviation:
                # Where the rules gave no path: only an observation moves an order so.
                assert event.source is Source.FETCH and event.trigger == "deviation"
            elif event.from_status is not None:
                # A reported path may go through a guard of unknown truth, toward its next status.
                toward = event.to_status if event.source is Source.FETCH else None
                step = self.ref.next(event.from_status, event.trigger, fields, toward)
                assert step == event.to_status


def state_machine_for(path: Path) -> type[RuleFileOrders]:
    """The state machine of one rule file: its rules draw the file's codes, actions, triggers."""
    rules = rules_of(path)
    longest = max((t.after_seconds for t in rules.timers), default=86_400)
    others = sorted({t.trigger for t in rules.transitions if t.actor != "seller"})

    class Orders(RuleFileOrders):
        # One order in two fulfilled by the marketplace, when the rules have an import policy.
        @initialize(code=codes_of(rules), fields=arrivals_of(rules))
        def arrive_rule(self, code: str, fields: dict[str, object]) -> None:
            self.arrive(code, fields)

        @rule(code=codes_of(rules), minutes=st.integers(0, 120))
        def observe_rule(self, code: str, minutes: int) -> None:
            self.observe(code, minutes)

        @rule(action=st.sampled_from([a.name for a in rules.actions]))
        def act_rule(self, action: str) -> None:
            self.act(action)

        @rule(trigger=st.sampled_from(others))
        def happen_rule(self, trigger: str) -> None:
            self.happen(trigger)

        @rule(field=st.sampled_from(rules.fields), data=st.data())
        def edit_rule(self, field: OrderField, data: Any) -> None:
            self.fields = {**self.fields, field.name: data.draw(field_values(field))}

        @rule(seconds=st.sampled_from([60, 3_600, 86_400, longest, longest + 1]))
        def tick_rule(self, seconds: int) -> None:
            self.tick(seconds)

    Orders.rule_set, Orders.runtime, Orders.ref = rules, runtime_of(path), Reference(rules)
    Orders.__name__ = f"Orders_{path.stem}"
    Orders.TestCase.settings = settings(
        max_examples=50, stateful_step_count=30, deadline=None, derandomize=True
    )
    return Orders


for _path in RULE_FILES:
    _name = f"Test{_path.stem.title().replace('_', '')}Orders"
    globals()[_name] = state_machine_for(_path).TestCase
