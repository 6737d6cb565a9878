"""The orders behind the Lengow twin: a pluggable source, and a default one made of random walks.

The twin serves whatever an `OrderSource` holds and hands it the seller actions it receives.
With no other source, `GeneratedOrders` makes a few hundred orders per the rule files: each
starts at an initial status and takes a random legal walk through the rule set's transitions
(the machine decides what is legal for the order's fields, e.g. click and collect), with delivery
modes and other enum fields drawn from the rule file, carriers and tracking numbers filled when
the walk passes a seller action that sends them, and orders fulfilled by the marketplace arriving
at the import policy's status already flagged. A queued action is applied through the runtime,
exactly as the engine would judge it, so the next fetch shows the new status. The simulator
plugs a live simulation in through the same protocol. `GeneratedOrders` is a `TrackedSource`
too: it tells the twin which orders an action changed, so the twin re-sorts only those.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

import numpy as np

from engine.model.definition import FieldType, OrderField, RuleSet
from engine.model.errors import CommandRefused
from engine.runtime.runtime import Runtime
from simulator.twin.lengow_json import CartLine, LengowRenderer, OrderFacts


@dataclass(frozen=True)
class ServedOrder:
    """One order as the twin serves it: the keys it filters on, and its Lengow JSON."""

    marketplace: str
    order_id: str
    updated_at: datetime
    ordered_at: datetime | None
    document: Mapping[str, object]


@dataclass(frozen=True)
class ActionRequest:
    marketplace: str
    order_id: str
    action_type: str
    args: Mapping[str, str]


class OrderSource(Protocol):
    def orders(self) -> Sequence[ServedOrder]:
        """Every order now."""
        ...

    def apply(self, action: ActionRequest, at: datetime) -> str:
        """Apply a seller action at `at`: an empty text when done, else why it was refused."""
        ...


@runtime_checkable
class TrackedSource(OrderSource, Protocol):
    """A source that says which orders changed, so the twin need not read every order again.

    An order never leaves such a source; `changed_since` returns each order changed (or added)
    after `revision` once, as `orders` serves it now.
    """

    def revision(self) -> int:
        """A number that grows with every change."""
        ...

    def changed_since(self, revision: int) -> Sequence[ServedOrder]:
        """The orders changed since `revision()` was `revision`."""
        ...


# How much likelier a move to a non-final status is than an exit to a final one.
PROGRESS_WEIGHT = 4.0


@dataclass
class _Order:
    rules: RuleSet
    facts: OrderFacts
    served: ServedOrder | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Generation:
    """How the default orders are made."""

    count: int = 300
    seed: int = 0
    span: timedelta = timedelta(days=5)
    fulfilled_share: float = 0.1
    stop_chance: float = 0.3
    account_id: int = 1


def _text(rng: np.random.Generator, length: int = 12) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), length))


def _draw(order_field: OrderField, rng: np.random.Generator) -> object:
    if order_field.type is FieldType.ENUM and order_field.values:
        return order_field.codes[int(rng.integers(len(order_field.codes)))]
    if order_field.type is FieldType.NUMBER:
        return round(float(rng.uniform(1, 100)), 2)
    if order_field.type is FieldType.BOOL:
        return False
    return _text(rng)


class _Walker:
    """Random legal walks through one rule set."""

    def __init__(self, rules: RuleSet, rng: np.random.Generator, plan: Generation) -> None:
        self.rules = rules
        self.rng = rng
        self.plan = plan
        self.runtime = Runtime(rules)
        self.readable = tuple(f for f in rules.fields if f.sources)
        self.flag = rules.import_policy.flag_field if rules.import_policy else None
        sent = {arg.field for action in rules.actions for arg in action.args}
        self.sent_fields = frozenset(sent)

    def new_fields(self) -> dict[str, object]:
        """Fields known from the start (delivery mode...), not those an action sends."""
        fields: dict[str, object] = {}
        for order_field in self.readable:
            if order_field.name == self.flag:
                fields[order_field.name] = False
            elif order_field.name not in self.sent_fields and order_field.type is FieldType.ENUM:
                fields[order_field.name] = _draw(order_field, self.rng)
        return fields

    def fill_sent(self, trigger: str | None, fields: dict[str, object]) -> None:
        """Fill what the seller sends with the actions that fire `trigger` (None: all of them)."""
        for action in self.rules.actions:
            if trigger is not None and action.transition != trigger:
                continue
            for arg in action.args:
                known = self.rules.field_by_name.get(arg.field)
                if known is None or not known.sources or fields.get(arg.field) is not None:
                    continue
                if not arg.optional or self.rng.random() < 0.5:
                    fields[arg.field] = _draw(known, self.rng)

    def walk(self, order_id: str, fields: dict[str, object], at: datetime) -> tuple[str, int]:
        """A legal walk from an initial status; the status reached and the number of steps."""
        initial = self.rules.initial_statuses
        status = initial[int(self.rng.integers(len(initial)))]
        steps = 0
        while (
            status not in self.rules.final_statuses and self.rng.random() >= self.plan.stop_chance
        ):
            trigger = self._choose(status, fields)
            if trigger is None:
                break
            self.fill_sent(trigger, fields)
            outcome = self.runtime.trigger(order_id, status, trigger, fields, at)
            if outcome.status is None or outcome.status == status:
                break
            status, steps = outcome.status, steps + 1
        return status, steps

    def _choose(self, status: str, fields: Mapping[str, object]) -> str | None:
        """A legal trigger; moves that keep the order alive weigh more than final exits."""
        steps = [(t, self.runtime.table.resolve(status, t, fields)) for t in self.rules.triggers]
        possible = [(t, step.dest) for t, step in steps if step is not None]
        if not possible:
            return None
        final = self.rules.final_statuses
        weights = np.array([1.0 if dest in final else PROGRESS_WEIGHT for _, dest in possible])
        chosen = self.rng.choice(len(possible), p=weights / weights.sum())
        return possible[int(chosen)][0]

    def fulfilled(self, fields: dict[str, object]) -> str | None:
        """The arrival status of an order the marketplace ships itself, or None for most."""
        policy = self.rules.import_policy
        if policy is None or self.flag is None or self.rng.random() >= self.plan.fulfilled_share:
            return None
        fields[self.flag] = True
        self.fill_sent(None, fields)
        return policy.arrives_at


class GeneratedOrders:
    """The default order source: `plan.count` orders spread over the rule sets."""

    def __init__(self, rule_sets: Iterable[RuleSet], now: datetime, plan: Generation) -> None:
        self.plan = plan
        self._rng = np.random.default_rng(plan.seed)
        sets = tuple(rule_sets)
        if not sets:
            raise ValueError("the twin needs at least one rule set")
        self._renderers = {r.marketplace.code: LengowRenderer(r, plan.account_id) for r in sets}
        self._walkers = {r.marketplace.code: _Walker(r, self._rng, plan) for r in sets}
        self._orders: dict[tuple[str, str], _Order] = {}
        self._changes: list[tuple[str, str]] = []  # the key of each order changed, in turn
        for n in range(plan.count):
            rules = sets[n % len(sets)]
            self._add(self._generate(rules, n, now))

    def _generate(self, rules: RuleSet, n: int, now: datetime) -> _Order:
        walker = self._walkers[rules.marketplace.code]
        rng = self._rng
        order_id = f"TW{self.plan.seed % 1000:03d}-{n:06d}"
        ordered_at = now - self.plan.span * float(rng.random())
        fields = walker.new_fields()
        status = walker.fulfilled(fields)
        steps = 0
        if status is None:
            status, steps = walker.walk(order_id, fields, ordered_at)
        room = max(0.0, (now - ordered_at).total_seconds())
        updated_at = ordered_at + timedelta(seconds=room * min(1.0, steps / 6) * rng.random())
        lines = tuple(
            CartLine(
                f"Article {int(rng.integers(1, 999))}",
                int(rng.integers(1, 4)),
                round(float(rng.uniform(5, 150)), 2),
            )
            for _ in range(int(rng.integers(1, 4)))
        )
        facts = OrderFacts(order_id, status, fields, ordered_at, updated_at, lines, 4.99)
        return _Order(rules, facts)

    def _add(self, order: _Order) -> None:
        self._orders[(order.rules.marketplace.code, order.facts.order_id)] = order

    def orders(self) -> Sequence[ServedOrder]:
        return [self._served(order) for order in self._orders.values()]

    def revision(self) -> int:
        return len(self._changes)

    def changed_since(self, revision: int) -> Sequence[ServedOrder]:
        changed = dict.fromkeys(self._changes[revision:])
        return [self._served(self._orders[key]) for key in changed]

    def _served(self, order: _Order) -> ServedOrder:
        if order.served is None:
            facts = order.facts
            document = self._renderers[order.rules.marketplace.code].render(facts)
            order.served = ServedOrder(
                order.rules.marketplace.code,
                facts.order_id,
                facts.updated_at,
                facts.ordered_at,
                document,
            )
        return order.served

    def facts_of(self, marketplace: str, order_id: str) -> OrderFacts:
        """What the twin holds true of one order (its status name, its fields...)."""
        return self._orders[(marketplace, order_id)].facts

    def apply(self, action: ActionRequest, at: datetime) -> str:
        order = self._orders.get((action.marketplace, action.order_id))
        if order is None:
            return f"order '{action.order_id}' of '{action.marketplace}' does not exist"
        runtime = self._walkers[order.rules.marketplace.code].runtime
        judged = judge_action(runtime, order.facts, action, at)
        if isinstance(judged, str):
            return judged
        order.facts, order.served = judged, None
        self._changes.append((action.marketplace, action.order_id))
        return ""


def judge_action(
    runtime: Runtime, facts: OrderFacts, action: ActionRequest, at: datetime
) -> OrderFacts | str:
    """A posted action judged like any seller command: the order after it, or why it is refused.

    The channel names an action by its type (`ship`) and arguments (`carrier`); the rule file's
    action of that type allowed at the order's status says which fields those arguments fill.
    """
    rules = runtime.rules
    names = [
        a.name
        for a in rules.actions
        if a.action_type == action.action_type and facts.status in a.at
    ]
    if not names:
        return f"action '{action.action_type}' is not possible at status '{facts.status}'"
    fields = dict(facts.fields)
    for arg in rules.action_by_name[names[0]].args:
        if arg.name in action.args:
            known = rules.field_by_name.get(arg.field)
            raw = action.args[arg.name]
            fields[arg.field] = (known.canonical(raw) if known else None) or raw
    try:
        outcome = runtime.apply_command(facts.order_id, facts.status, names[0], fields, at)
    except CommandRefused as refused:
        return str(refused)
    return OrderFacts(
        facts.order_id,
        outcome.status or facts.status,
        fields,
        facts.ordered_at,
        at,
        facts.lines,
        facts.shipping,
    )
