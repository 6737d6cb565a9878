"""Firing the rule files' timers on the stored orders.

The marketplace owns its timers (an unanswered order is cancelled on its side, and a later fetch
shows it), but a merchant may want the engine to apply the rule file's timers itself: to see an
overdue order as cancelled before the next fetch, or to learn from the anomaly a later fetch
raises that a timer's delay in the rule file is wrong. Deadlines come from when each order
entered its status, as stored with its event log, so they survive a restart; each timer event is
dated at its deadline, not at the sweep. Each order's timers are those of the rules version it is
pinned to (`engine.sync.order_rules`): an order in flight under an earlier version keeps its
deadlines until `orderflow migrate` moves it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.store import LocalChange, OpenOrder, OrderState, Store
from engine.sync.order_rules import OrderRules


def fire_due_timers(
    store: Store, versions: OrderRules, now: datetime, account: str | None = None
) -> int:
    """Apply every timer due by `now` to the stored orders (`account`'s only, when given), each
    order under the rules version it is pinned to; the number of events written."""
    written = 0
    for code in versions.current:
        timed = [v.rules for v in versions.every_version(store, code) if v.rules.timers]
        if not timed:
            continue
        soonest = timedelta(seconds=min(t.after_seconds for r in timed for t in r.timers))
        statuses = sorted({status for r in timed for status in r.timers_by_status})
        waiting = store.open_orders(
            statuses, marketplace=code, entered_before=now - soonest, account=account
        )
        states = store.get_orders((o.marketplace, o.order_id) for o in waiting) if waiting else {}
        changes = [
            change
            for order in waiting
            if (state := states.get((order.marketplace, order.order_id))) is not None
            and (change := _fired(store, versions, order, state, now)) is not None
        ]
        if changes:
            result = store.apply_local(changes)
            applied = set(result.applied)
            written += sum(len(c.events) for c in changes if c.key in applied)
    return written


def _fired(
    store: Store, versions: OrderRules, order: OpenOrder, state: OrderState, now: datetime
) -> LocalChange | None:
    """The timer events due on `order`, under the rules its stored `state` is pinned to."""
    pinned = versions.of_state(store, state)
    outcome = pinned.use.runtime.fire_due(
        order.order_id, order.status, order.entered_at, now, state.fields
    )
    status = outcome.status
    if not outcome.events or status is None:
        return None
    outcome = pinned.noted(outcome, state, now)
    return LocalChange(
        order.marketplace,
        order.order_id,
        status,
        outcome.events[-1].at,
        order.seq,
        outcome.events,
        outcome.anomalies,
        rules_version=pinned.use.version if pinned.missing else None,
    )
