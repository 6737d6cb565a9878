"""Firing the rule files' timers on the stored orders.

The marketplace owns its timers (an unanswered order is cancelled on its side, and a later fetch
shows it), but a merchant may want the engine to apply the rule file's timers itself: to see an
overdue order as cancelled before the next fetch, or to learn from the anomaly a later fetch
raises that a timer's delay in the rule file is wrong. Deadlines come from when each order
entered its status, as stored with its event log, so they survive a restart; each timer event is
dated at its deadline, not at the sweep.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from engine.runtime.runtime import Runtime
from engine.store import LocalChange, Store


def fire_due_timers(
    store: Store, runtimes: Mapping[str, Runtime], now: datetime, account: str | None = None
) -> int:
    """Apply every timer due by `now` to the stored orders (`account`'s only, when given); the
    number of events written."""
    written = 0
    for code, runtime in runtimes.items():
        rules = runtime.rules
        if not rules.timers:
            continue
        soonest = timedelta(seconds=min(t.after_seconds for t in rules.timers))
        waiting = store.open_orders(
            list(rules.timers_by_status),
            marketplace=code,
            entered_before=now - soonest,
            account=account,
        )
        states = store.get_orders((o.marketplace, o.order_id) for o in waiting) if waiting else {}
        changes = []
        for order in waiting:
            state = states.get((order.marketplace, order.order_id))
            outcome = runtime.fire_due(
                order.order_id, order.status, order.entered_at, now, state.fields if state else None
            )
            if outcome.events and outcome.status is not None:
                changes.append(
                    LocalChange(
                        code,
                        order.order_id,
                        outcome.status,
                        outcome.events[-1].at,
                        order.seq,
                        outcome.events,
                        outcome.anomalies,
                    )
                )
        if changes:
            result = store.apply_local(changes)
            applied = set(result.applied)
            written += sum(len(c.events) for c in changes if c.key in applied)
    return written
