"""The runtime: one rule set's machine driving orders kept as plain records.

Every part that moves orders (the sync, the simulator, the app) goes through here. The runtime
holds no order: each call takes the order's status and fields and returns an `Outcome` (the
status afterwards, the events, the anomalies) or a `Decision` for a seller command. Every
status change is executed by the rule set's one `transitions` machine (`engine.runtime.machine`).

Observations never raise on bad data, and the marketplace's report is the truth: an unknown
status code (kept verbatim), a final status that changes, a backward jump or a status with no
legal path moves the order there all the same, through one event marked as a deviation, with
the anomaly that says why. A value of an enum field that the rule file does not list
(`unlisted_value`) is an anomaly too, once per new value; the order is observed all the same,
and the conditions reading that field are unknown: a trigger or a seller command that depends
on one is refused, a reported path may go through it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from engine.model.blockers import Decision
from engine.model.conditions import FieldIn
from engine.model.definition import Actor, RuleSet, Timer, UnlistedValue
from engine.model.errors import CommandRefused, UnknownName
from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.model.outcome import Outcome
from engine.runtime.commands import CommandChecker
from engine.runtime.machine import RuleMachine, Step
from engine.runtime.status_paths import Path, PathFinder

# The trigger of the event that creates an order (from_status None); not a rule file trigger.
CREATE_TRIGGER = "create"
# The trigger of an event that moves an order where the rules give no path (Event.deviation).
DEVIATION_TRIGGER = "deviation"
NO_FIELDS: Mapping[str, object] = {}


def record_of(fields: object) -> Mapping[str, object]:
    """The fields to evaluate rules on; anything that is not a mapping counts as no fields."""
    if type(fields) is dict or isinstance(fields, Mapping):  # the common case first: cheap
        return fields
    return NO_FIELDS


def refused_trigger(
    order_id: str, current: str | None, trigger: str, kind: AnomalyKind, at: datetime
) -> Anomaly:
    """The anomaly of a trigger the rules refuse; `reported` holds the trigger's name."""
    if kind is AnomalyKind.UNKNOWN_STATUS:
        why = f"trigger '{trigger}' cannot fire: the order's status '{current}' is not declared"
    elif kind is AnomalyKind.FINAL_CHANGED:
        why = f"trigger '{trigger}' would leave status '{current}', which is final"
    else:
        why = f"the rules refuse trigger '{trigger}' at status '{current}'"
    return Anomaly(order_id, current, trigger, kind, why, at)


def unlisted_anomaly(
    order_id: str, current: str | None, unlisted: UnlistedValue, source: str, at: datetime
) -> Anomaly:
    """The anomaly of a value no spelling of its field lists; `reported` is `field=value`."""
    why = f"{unlisted}; add '{unlisted.value}' as an alias of one of them in {source}"
    reported = f"{unlisted.field}={unlisted.value}"
    return Anomaly(order_id, current, reported, AnomalyKind.UNLISTED_VALUE, why, at)


class Runtime:
    """Observations, commands and timers for the orders of one rule set."""

    def __init__(self, rules: RuleSet, machine: RuleMachine | None = None) -> None:
        """`machine` shares an already built machine of the same rules (say, with a bulk path)."""
        self.rules = rules
        self.machine = (
            machine if machine is not None and machine.rules is rules else RuleMachine(rules)
        )
        self.table = self.machine.table
        self.paths = PathFinder(self.table, rules.final_statuses)
        self.checker = CommandChecker(rules, self.table)
        self._triggers = frozenset(self.table.triggers)
        policy = rules.import_policy
        self._fulfilled = FieldIn(policy.flag_field, ("true",)) if policy else None

    # -- observations --------------------------------------------------------------------------

    def observe(
        self,
        order_id: str,
        current: str | None,
        reported_code: object,
        fields: Mapping[str, object] | None,
        at: datetime,
        source: Source = Source.FETCH,
        *,
        previous: Mapping[str, object] | None = None,
    ) -> Outcome:
        """Move the order to the status the marketplace reports, along the shortest legal path.

        Each value of `fields` that its enum field does not list adds an `unlisted_value` anomaly
        (before the others), unless `previous` (the fields of the order's last observation, as
        stored) held the same value: it is reported once per change, not at every fetch.
        """
        record = record_of(fields)
        outcome = self._observe(order_id, current, reported_code, record, at, source)
        unlisted = self.rules.unlisted(record)
        if not unlisted:
            return outcome
        before = record_of(previous)
        new = tuple(
            unlisted_anomaly(order_id, current, u, self.rules.source, at)
            for u in unlisted
            if previous is None or before.get(u.field) != u.value
        )
        if not new:
            return outcome
        return Outcome(outcome.status, outcome.events, (*new, *outcome.anomalies))

    def _observe(
        self,
        order_id: str,
        current: str | None,
        reported_code: object,
        record: Mapping[str, object],
        at: datetime,
        source: Source,
    ) -> Outcome:
        reported = (
            self.rules.status_for_code(reported_code) if isinstance(reported_code, str) else None
        )
        if reported is None:
            return self._undeclared(order_id, current, reported_code, at, source)
        if current is None:
            return self._create(order_id, reported, record, at, source)
        refusal = self._refuse_observation(current, reported)
        if refusal is not None:
            return self._deviate(order_id, current, reported, *refusal, at, source)
        if reported == current:
            return Outcome(current)
        path = self.paths.shortest(current, reported, record)
        if path is None:
            why = f"no legal path from status '{current}' to '{reported}'"
            kind = AnomalyKind.NO_LEGAL_PATH
            return self._deviate(order_id, current, reported, kind, why, at, source)
        return Outcome(reported, self._walk(order_id, path, record, at, source))

    def _undeclared(
        self, order_id: str, current: str | None, code: object, at: datetime, source: Source
    ) -> Outcome:
        """A code the rule file does not declare: the order takes it verbatim, as a deviation.

        Only a report without any code leaves the order as it was (with the anomaly).
        """
        text = "" if code is None else str(code)
        if text == current:
            return Outcome(current)
        why = f"status code '{text}' is not declared in {self.rules.source}"
        kind = AnomalyKind.UNKNOWN_STATUS
        if not text:
            return self._anomaly(order_id, current, text, kind, why, at)
        return self._deviate(order_id, current, text, kind, why, at, source)

    def _deviate(
        self,
        order_id: str,
        current: str | None,
        reported: str,
        kind: AnomalyKind,
        message: str,
        at: datetime,
        source: Source,
    ) -> Outcome:
        """The order takes the reported status through one deviation event, with the anomaly."""
        trigger, actor = DEVIATION_TRIGGER, Actor.MARKETPLACE.value
        event = Event(order_id, current, reported, trigger, actor, source, False, at, True)
        anomaly = Anomaly(order_id, current, reported, kind, message, at)
        return Outcome(reported, (event,), (anomaly,))

    def _refuse_observation(self, current: str, reported: str) -> tuple[AnomalyKind, str] | None:
        if current not in self.rules.status_by_name:
            why = f"the order's status '{current}' is not declared in {self.rules.source}"
            return AnomalyKind.UNKNOWN_STATUS, why
        if current in self.rules.final_statuses and reported != current:
            return AnomalyKind.FINAL_CHANGED, (
                f"status '{current}' is final but the marketplace now reports '{reported}'"
            )
        return None

    def _create(
        self,
        order_id: str,
        reported: str,
        record: Mapping[str, object],
        at: datetime,
        source: Source,
    ) -> Outcome:
        arrival = self.arrival(record)
        if reported in self.rules.initial_statuses or reported == arrival:
            return Outcome(reported, (self._creation(order_id, reported, False, at, source),))
        best = self._entry(reported, arrival, record)
        if best is None:
            starts = "an initial status" + ("" if arrival is None else f" or from '{arrival}'")
            why = f"no legal path from {starts} to '{reported}' for a new order"
            kind = AnomalyKind.NO_LEGAL_PATH
            return self._deviate(order_id, None, reported, kind, why, at, source)
        start, path = best
        created = self._creation(order_id, start, True, at, source)
        return Outcome(reported, (created, *self._walk(order_id, path, record, at, source)))

    def arrival(self, fields: Mapping[str, object]) -> str | None:
        """Where an order with these fields arrives besides an initial status: the import
        policy's `arrives_at` for an order fulfilled by the marketplace, else None."""
        policy = self.rules.import_policy
        fulfilled = self._fulfilled is not None and self._fulfilled.holds(fields)
        return policy.arrives_at if fulfilled and policy is not None else None

    def _entry(
        self, reported: str, arrival: str | None, record: Mapping[str, object]
    ) -> tuple[str, Path] | None:
        """Where a new order first seen at `reported` was created, and its path from there.

        An order fulfilled by the marketplace arrived at `arrival` and went on from there: the
        seller's acceptance and the payment before it never happened. Only where no path leads
        on from it (a status before it, say) is it read as any other order.
        """
        if arrival is not None:
            path = self.paths.shortest(arrival, reported, record)
            if path is not None:
                return arrival, path
        return self.paths.shortest_from_any(self.rules.initial_statuses, reported, record)

    @staticmethod
    def _creation(
        order_id: str, status: str, inferred: bool, at: datetime, source: Source
    ) -> Event:
        return Event(
            order_id, None, status, CREATE_TRIGGER, Actor.MARKETPLACE.value, source, inferred, at
        )

    def _walk(
        self, order_id: str, path: Path, record: Mapping[str, object], at: datetime, source: Source
    ) -> tuple[Event, ...]:
        """Run `path` through the machine; every status but the reported one is inferred."""
        events = []
        last = len(path) - 1
        for i, move in enumerate(path):
            step = self._fire(move.source, move.trigger, record, move.dest)
            if step is None or step.dest != move.dest:
                raise AssertionError(f"the machine refused {move} of a path read from its table")
            events.append(
                Event(
                    order_id, move.source, step.dest, move.trigger, step.actor, source, i < last, at
                )
            )
        return tuple(events)

    def _fire(
        self, status: str, trigger: str, record: Mapping[str, object], toward: str | None = None
    ) -> Step | None:
        """The one place a status changes: the machine (the bulk path's runtime overrides it).

        `toward`: the next status of a reported path, which a guard of unknown truth lets through.
        """
        return self.machine.fire(status, trigger, record, toward)

    @staticmethod
    def _anomaly(
        order_id: str,
        current: str | None,
        reported: str,
        kind: AnomalyKind,
        message: str,
        at: datetime,
    ) -> Outcome:
        return Outcome(current, (), (Anomaly(order_id, current, reported, kind, message, at),))

    # -- triggers (what a marketplace, a customer or a timer does) -----------------------------

    def trigger(
        self,
        order_id: str,
        current: str | None,
        trigger: str,
        fields: Mapping[str, object] | None,
        at: datetime,
        source: Source = Source.SIMULATION,
    ) -> Outcome:
        """Fire `trigger` on the order through the machine; a refusal is an anomaly.

        This records what happened (a marketplace, customer, payment or timer event, or a
        simulated one); seller requirements are checked by `command`, not here.
        """
        if trigger not in self._triggers:
            raise UnknownName(f"trigger '{trigger}' is not declared in {self.rules.source}")
        record = record_of(fields)
        kind = self._trigger_refusal(current, trigger, record)
        if kind is None and current is not None:
            step = self._fire(current, trigger, record)
            if step is not None:
                event = Event(order_id, current, step.dest, trigger, step.actor, source, False, at)
                return Outcome(step.dest, (event,))
        kind = kind or AnomalyKind.REFUSED_TRIGGER
        return Outcome(current, (), (refused_trigger(order_id, current, trigger, kind, at),))

    def _trigger_refusal(
        self, current: str | None, trigger: str, record: Mapping[str, object]
    ) -> AnomalyKind | None:
        """Why `trigger` cannot even be tried on an order at `current`, if it cannot."""
        if current is None or current not in self.rules.status_by_name:
            return AnomalyKind.UNKNOWN_STATUS
        if current in self.rules.final_statuses:
            step = self.table.resolve(current, trigger, record)
            if step is not None and step.dest != current:
                return AnomalyKind.FINAL_CHANGED
        return None

    # -- seller commands -----------------------------------------------------------------------

    def command(
        self,
        order_id: str,
        current: str,
        action: str,
        fields: Mapping[str, object] | None,
        at: datetime | None = None,
        lines: Sequence[str] = (),
        known_lines: Collection[str] = (),
    ) -> Decision:
        """Whether the seller may run `action` now: the command to send, or the blockers.

        `lines` names the cart lines it acts on, among the order's `known_lines` (none: the
        whole order).
        """
        return self.checker.decide(current, action, record_of(fields), lines, known_lines)

    def options(self, current: str, fields: Mapping[str, object] | None) -> tuple[Decision, ...]:
        """Every action of the rule set at `current`, allowed or blocked, in declaration order."""
        record = record_of(fields)
        return tuple(self.checker.decide(current, a.name, record) for a in self.rules.actions)

    def apply_command(
        self,
        order_id: str,
        current: str,
        action: str,
        fields: Mapping[str, object] | None,
        at: datetime,
    ) -> Outcome:
        """Run an allowed action through the machine; raises `CommandRefused` with its blockers."""
        record = record_of(fields)
        decision = self.checker.decide(current, action, record)
        if not decision.allowed:
            raise CommandRefused(action, decision.blockers)
        trigger = self.rules.action_by_name[action].transition
        if trigger is None:
            return Outcome(current, command=decision.command)
        step = self._fire(current, trigger, record)
        if step is None:
            raise AssertionError(f"the machine refused '{trigger}' that the checker allowed")
        event = Event(order_id, current, step.dest, trigger, step.actor, Source.ACTION, False, at)
        return Outcome(step.dest, (event,), command=decision.command)

    # -- timers --------------------------------------------------------------------------------

    def deadline(self, status: str, entered_at: datetime) -> tuple[Timer, datetime] | None:
        """The first timer of `status` and when it fires for an order that entered it then."""
        timers = self.rules.timers_by_status.get(status)
        if not timers or status in self.rules.final_statuses:
            return None
        timer = min(timers, key=lambda t: t.after_seconds)
        return timer, entered_at + timedelta(seconds=timer.after_seconds)

    def fire_due(
        self,
        order_id: str,
        current: str | None,
        entered_at: datetime,
        now: datetime,
        fields: Mapping[str, object] | None = None,
    ) -> Outcome:
        """Fire the timers due by `now`; each event is dated at its deadline, not at `now`."""
        status = current
        events: list[Event] = []
        anomalies: list[Anomaly] = []
        for _ in range(len(self.rules.statuses)):  # a chain of timers, never a loop forever
            due = self.deadline(status, entered_at) if status is not None else None
            if due is None or due[1] > now:
                break
            timer, when = due
            outcome = self.trigger(order_id, status, timer.fire, fields, when, Source.TIMER)
            events.extend(outcome.events)
            anomalies.extend(outcome.anomalies)
            if not outcome.events:
                break
            status, entered_at = outcome.status, when
        return Outcome(status, tuple(events), tuple(anomalies))
