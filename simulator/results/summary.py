"""What a run amounts to, as figures a merchant reads: JSON for programs, a table for people.

Orders by final stage and status, what the timers did (automatic cancellations), how long the
seller took for each action from the moment the order reached the status, commands refused and
why, anomalies, how many status changes the polls missed and the engine inferred, whether the
engine ends where the truth ends, and the outbox. Only the run's columns are read; no wall-clock
figure goes in, so the same seed gives the same summary.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.model.definition import Actor
from simulator.run.runner import Run
from simulator.world.seller import NEVER
from simulator.world.truth import ACTORS, SPAN, Truth

HOUR = 3600.0


def _hours(seconds: NDArray[np.int64]) -> dict[str, float]:
    if seconds.size == 0:
        return {}
    median, p90 = np.percentile(seconds / HOUR, [50, 90])
    return {"median_hours": round(float(median), 2), "p90_hours": round(float(p90), 2)}


def summarise(run: Run) -> dict[str, Any]:
    truth = run.truth
    rules = truth.rules
    final = truth.final_status()
    return {
        "scenario": run.scenario.name,
        "rules": f"{rules.marketplace.code} {rules.marketplace.rules_version}",
        "start": run.scenario.start.isoformat(),
        "days": run.days,
        "seed": run.seed,
        "orders": truth.orders,
        "fulfilled_by_marketplace": _fulfilled(truth),
        "final_stage": _by_name(final, [rules.stage_of(s) for s in truth.statuses]),
        "final_status": _by_name(final, list(truth.statuses)),
        "open_at_end": int(np.sum(~_finals(truth)[final])),
        "timers": _timers(truth),
        "seller": _seller(run),
        "refused": _refused(truth),
        "anomalies": [{"kind": k, "message": m, "count": c} for k, m, c in run.anomaly_counts()],
        "polls": {"fetches": len(run.polls), "sweep_windows": int(run.polls.sweep.sum())},
        "visibility": _visibility(run),
        "engine_vs_truth": _agreement(run),
        "outbox": _outbox(run),
    }


def _finals(truth: Truth) -> NDArray[np.bool_]:
    return np.asarray([s.final for s in truth.rules.statuses], dtype=np.bool_)


def _by_name(codes: NDArray[np.int16], names: list[str]) -> dict[str, int]:
    """How many codes there are of each name, most frequent first (NONE codes left out)."""
    counts: Counter[str] = Counter()
    for code, count in enumerate(np.bincount(codes[codes >= 0], minlength=len(names))):
        if count:
            counts[names[code]] += int(count)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _fulfilled(truth: Truth) -> int:
    policy = truth.rules.import_policy
    if policy is None or not policy.flag_field:
        return 0
    return int(
        np.sum(truth.fields.column(policy.flag_field) == truth.fields.code(policy.flag_field, True))
    )


def _timers(truth: Truth) -> dict[str, int]:
    """How often each timer fired (its trigger, by the timer actor), by the timer's name."""
    fired = truth.actor == ACTORS.index(Actor.TIMER.value)
    counts = np.bincount(truth.trigger[fired], minlength=len(truth.triggers))
    return {
        f"{t.name} ({t.fire})": int(counts[truth.triggers.index(t.fire)])
        for t in truth.rules.timers
    }


def _entered(truth: Truth, order: NDArray[np.int32], time: NDArray[np.int64]) -> NDArray[np.int64]:
    """When each order reached the status it had just before `time`: its last earlier change.

    (A seller's command and the change it causes share an instant, hence "earlier".) The
    instants come sorted, as the commands are; the truth is walked once in time order, a span
    at a time, with each order's latest change so far: never a copy of every change.
    """
    entered = np.empty(order.size, dtype=np.int64)
    latest = np.full(truth.orders, -1, dtype=np.int64)
    edge = np.iinfo(np.int64)
    bounds = np.concatenate([[edge.min], truth.time[SPAN::SPAN], [edge.max]])
    done = 0
    for low, high in pairwise(bounds.tolist()):
        stop = int(np.searchsorted(truth.time, high, side="left"))
        asked = slice(*np.searchsorted(time, [low, high], side="left").tolist())
        entered[asked] = _entered_within(truth, latest, done, stop, order[asked], time[asked])
        truth.latest(latest, done, stop)
        done = stop
    return entered


def _entered_within(
    truth: Truth,
    latest: NDArray[np.int64],
    start: int,
    stop: int,
    order: NDArray[np.int32],
    time: NDArray[np.int64],
) -> NDArray[np.int64]:
    """`_entered` for instants no earlier than the changes from `start` to `stop`, `latest`
    holding each order's last change before them: the changes and the instants sorted
    together by order then time (an instant before a change at the same time), each instant
    takes the change just before it when that change is its order's."""
    changes = stop - start
    orders = np.concatenate([truth.order[start:stop], order])
    times = np.concatenate([truth.time[start:stop], time])
    is_change = np.arange(orders.size) < changes
    by = _by_order_time_kind(orders, times, is_change)
    # For each sorted row, the sorted row of the last change up to it (-1: none yet).
    last = np.maximum.accumulate(np.where(is_change[by], np.arange(by.size), -1))
    rows = np.flatnonzero(~is_change[by])
    prior = by[np.maximum(last[rows], 0)]
    asked = orders[by[rows]]
    own = (last[rows] >= 0) & (orders[prior] == asked)
    result = np.empty(order.size, dtype=np.int64)
    result[by[rows] - changes] = np.where(own, times[prior], truth.time[latest[asked]])
    return result


def _by_order_time_kind(
    orders: NDArray[np.int32], times: NDArray[np.int64], is_change: NDArray[np.bool_]
) -> NDArray[np.intp]:
    """Positions sorting by order, time, then instants before changes (ties kept in place):
    one stable sort of a packed key where the values fit in it, else a sort of three keys."""
    if orders.size and (times.min() < 0 or times.max() >= 1 << 31 or orders.max() >= 1 << 30):
        found: NDArray[np.intp] = np.lexsort((is_change, times, orders))
        return found
    key = orders.astype(np.int64) << 32
    key |= times
    key <<= 1
    key |= is_change
    result: NDArray[np.intp] = np.argsort(key, kind="stable")
    return result


def _seller(run: Run) -> dict[str, Any]:
    truth, commands = run.truth, run.truth.commands
    allowed = commands.allowed
    entered = _entered(truth, commands.order, commands.time)
    result: dict[str, Any] = {}
    for code, action in enumerate(a.name for a in truth.rules.actions):
        mine = commands.action == code
        if not mine.any():
            continue
        sent = mine & allowed
        result[action] = {
            "sent": int(sent.sum()),
            "refused": int((mine & ~allowed).sum()),
            **_hours(commands.time[sent] - entered[sent]),
        }
    return result


def _refused(truth: Truth) -> list[dict[str, Any]]:
    commands = truth.commands
    counts = np.bincount(commands.decision[~commands.allowed], minlength=len(commands.decisions))
    reasons: Counter[tuple[str, str]] = Counter()
    for index, count in enumerate(counts):
        if count:
            decision = commands.decisions[index]
            reasons[(decision.action, "; ".join(b.message for b in decision.blockers))] += count
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"action": a, "reason": r, "count": int(c)} for (a, r), c in ranked]


def _visibility(run: Run) -> dict[str, int]:
    changes = int(run.truth.order.size)
    seen = run.engine_events - run.inferred_events
    return {
        "true_changes": changes,
        "seen_by_polls": seen,
        "missed_by_polls": max(changes - seen, 0),
        "inferred_by_engine": run.inferred_events,
    }


def _agreement(run: Run) -> dict[str, int]:
    final = run.truth.final_status()
    same = int(np.sum(final == run.engine.status))
    return {"same_status": same, "different_status": run.truth.orders - same}


def _outbox(run: Run) -> dict[str, Any]:
    outbox = run.outbox
    done = outbox.confirmed < NEVER
    delay = outbox.confirmed[done] - outbox.sent[done]
    minutes = round(float(np.median(delay)) / 60.0, 1) if delay.size else None
    return {
        "sent": int(outbox.order.size),
        "confirmed": int(done.sum()),
        "unconfirmed": outbox.unconfirmed,
        "median_minutes_to_confirm": minutes,
    }
