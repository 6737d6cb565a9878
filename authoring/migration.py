"""Moving the orders in flight to a new version of their rule file: the plan and its application.

Each order is pinned to the rules version it runs under (`orders.rules_version`). A new version
may rename, merge or remove statuses (`migrations:` in the file, `engine.model.migrations`);
`orderflow migrate` moves every order in flight to it. An order at a status the new version
declares is re-pinned, nothing else; one at a status it moves gets one event of its own (source
`migration`, trigger `migrate`) to its new status. While any order in flight is at a status the
new version neither declares nor moves, nothing is moved and the refusal names those orders.
Everything happens in one transaction, after the new version is kept in the store
(`rule_versions`); a second run finds every order pinned already and changes nothing.

"In flight" is at a status no version the store keeps of the marketplace's rules calls final
(nor the new one): an order that finished under an old version stays pinned to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.model.definition import RuleSet
from engine.model.errors import OrderflowError, RuleFileInvalid
from engine.model.events import Event, Source
from engine.model.migrations import MIGRATION_ACTOR, MIGRATION_TRIGGER, StatusMove
from engine.rulefile.loader import load_rules_text
from engine.store import LocalChange, OrderState, Store
from engine.store.errors import ConcurrentWrite
from engine.sync.pinned_rules import pinned_text, record_rule_sets

# How many order ids a refusal names before it says how many more there are.
NAMED = 20


@dataclass(frozen=True)
class OrderMove:
    """One order moved out of a status the new version no longer declares."""

    order_id: str
    move: StatusMove
    from_version: str


@dataclass(frozen=True)
class MigrationPlan:
    """What a migration of `marketplace`'s orders in flight to `version` does."""

    marketplace: str
    version: str
    in_flight: int
    moves: tuple[OrderMove, ...] = ()
    repinned: tuple[str, ...] = ()  # orders whose status stays: only their version changes
    unmapped: tuple[tuple[str, str], ...] = ()  # (order id, status) with nowhere to go

    @property
    def changed(self) -> int:
        return len(self.moves) + len(self.repinned)

    def refusal(self, file: str) -> str:
        """Why the migration cannot go ahead, naming the orders, or '' when it can."""
        if not self.unmapped:
            return ""
        by_status: dict[str, list[str]] = {}
        for order_id, status in self.unmapped:
            by_status.setdefault(status, []).append(order_id)
        parts = [f"'{status}' ({_named(ids)})" for status, ids in by_status.items()]
        count = len(self.unmapped)
        return (
            f"{count} order{'s' if count != 1 else ''} in flight {'are' if count != 1 else 'is'} "
            f"at a status version {self.version} neither declares nor moves: "
            f"{'; '.join(parts)}. Nothing was migrated: say where each status goes under "
            f"'migrations' (renamed, merged or removed) in {file}"
        )


class MigrationRefused(OrderflowError):
    """Orders in flight are at a status the new version neither declares nor moves."""

    def __init__(self, plan: MigrationPlan, file: str) -> None:
        self.plan = plan
        super().__init__(plan.refusal(file))


def _named(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:NAMED])
    return shown if len(ids) <= NAMED else f"{shown} and {len(ids) - NAMED} more"


def plan_migration(new: RuleSet, orders: Iterable[OrderState]) -> MigrationPlan:
    """The plan for `orders` (the marketplace's orders in flight) to run under `new`."""
    version = new.marketplace.rules_version
    moves: list[OrderMove] = []
    repinned: list[str] = []
    unmapped: list[tuple[str, str]] = []
    count = 0
    for state in orders:
        count += 1
        status = state.status or ""
        if status in new.status_by_name:
            if state.rules_version != version:
                repinned.append(state.order_id)
            continue
        move = new.migrations.move_of(status) if new.migrations is not None else None
        if move is not None:
            moves.append(OrderMove(state.order_id, move, state.rules_version))
        elif state.rules_version != version:
            unmapped.append((state.order_id, status))
    code = new.marketplace.code
    return MigrationPlan(code, version, count, tuple(moves), tuple(repinned), tuple(unmapped))


def changes(plan: MigrationPlan, orders: Iterable[OrderState], now: datetime) -> list[LocalChange]:
    """The store's changes for `plan`: one migration event per move, a new version for all."""
    by_id = {state.order_id: state for state in orders}
    moved = {m.order_id: m.move for m in plan.moves}
    found = []
    for order_id in (*moved, *plan.repinned):
        state = by_id[order_id]
        move = moved.get(order_id)
        entered = state.entered_at or now
        events: tuple[Event, ...] = ()
        status = state.status or ""
        if move is not None:
            events = (
                Event(order_id, move.old, move.new, MIGRATION_TRIGGER, MIGRATION_ACTOR,
                      Source.MIGRATION, False, now),
            )  # fmt: skip
            status, entered = move.new, entered if move.keeps_entry else now
        found.append(
            LocalChange(plan.marketplace, order_id, status, entered, state.seq, events,
                        rules_version=plan.version)
        )  # fmt: skip
    return found


def version_reused(earlier: str | None, new: RuleSet) -> str:
    """'' or, when `new` keeps the rules_version whose kept text is `earlier` while its rules
    differ, what that means: the orders pinned to that version run under `new` from the next
    sync on, with no migration to measure or refuse it."""
    if earlier is None or earlier == pinned_text(new):
        return ""
    version = new.marketplace.rules_version
    return (
        f"{new.source or 'the new rule file'} keeps rules_version {version} but its "
        f"rules differ from those kept under {version}: the orders pinned to {version} will run "
        "under the new rules from the next sync on, without a migration; give the new file a "
        "rules_version of its own (marketplace.rules_version) to move them deliberately"
    )


def finals(store: Store, new: RuleSet) -> frozenset[str]:
    """The statuses a version of the marketplace's rules the store keeps, or `new`, calls final."""
    found = set(new.final_statuses)
    for kept in store.rule_versions(new.marketplace.code):
        try:
            found |= load_rules_text(kept.text, f"rules {kept.rules_version}").final_statuses
        except RuleFileInvalid:
            continue  # kept by an orderflow whose format this one no longer reads
    return frozenset(found)


def migrate(store: Store, new: RuleSet, now: datetime, apply: bool = False) -> MigrationPlan:
    """Plan (and with `apply`, carry out) the move of the orders in flight to `new`.

    Raises `MigrationRefused` naming the orders with nowhere to go (nothing is written then),
    and `ConcurrentWrite` when an order moved while the migration was written (rolled back).
    """
    done = finals(store, new)
    with store.transaction() as tx:
        orders = tx.in_flight(new.marketplace.code, done)
        plan = plan_migration(new, orders)
        if plan.unmapped:
            raise MigrationRefused(plan, new.source or "the new rule file")
        if not apply:
            return plan
        record_rule_sets(tx, [new], now)
        result = tx.apply_local(changes(plan, orders, now))
        if result.conflicts:
            raise ConcurrentWrite(
                f"{len(result.conflicts)} order(s) changed while they were migrated, e.g. "
                f"{result.conflicts[0][1]}; nothing was migrated: run the migration again"
            )
    return plan
