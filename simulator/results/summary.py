"""What a run amounts to, as figures a merchant reads: JSON for programs, a table for people.

Orders by final stage and status, what the timers did (automatic cancellations), how long the
seller took for each action from the moment the order reached the status, commands refused and
why, anomalies, how many status changes the polls missed and the engine inferred, whether the
engine ends where the truth ends, and the outbox. Only the run's columns are read; no wall-clock
figure goes in, so the same seed gives the same summary.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
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


def _entered(truth: Truth) -> NDArray[np.int64]:
    """When each command's order reached the status it had just before the command: its last
    earlier change (a seller's command and the change it causes share an instant, hence
    "earlier"). That is the seller's wait before it, but for a command sent the very instant
    its order got there: that instant is not earlier, and those are looked up in the truth."""
    commands = truth.commands
    entered: NDArray[np.int64] = commands.time - commands.waited
    now = np.flatnonzero(commands.waited == 0)
    if now.size:
        entered[now] = _last_change(truth, commands.order[now], commands.time[now])
    return entered


def _last_change(
    truth: Truth, order: NDArray[np.int32], time: NDArray[np.int64]
) -> NDArray[np.int64]:
    """When each order reached the status it had just before `time`: its last earlier change.

    The instants come sorted, as the commands are; the truth is walked once in time order, a
    span at a time (skipping those no instant asks about), with each order's latest change so
    far: never a copy of every change.
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
    """`_last_change` for instants no earlier than the changes from `start` to `stop`, `latest`
    holding each order's last change before them: the changes' (order, time) keys sorted, each
    instant takes the key just below its own when that key is its order's."""
    if order.size == 0:
        return np.empty(0, dtype=np.int64)
    changes, asked = _order_time_keys(
        (truth.order[start:stop], truth.time[start:stop]), (order, time)
    )
    changes.sort()
    # Searched in key order: sorting them first costs less than a cache miss a search.
    by_key = np.argsort(asked.key)
    below = np.empty(order.size, dtype=np.intp)
    below[by_key] = np.searchsorted(changes, asked.key[by_key], side="left") - 1
    prior = changes[np.maximum(below, 0)]
    own = (below >= 0) & (prior // asked.width == order)
    result: NDArray[np.int64] = np.where(own, asked.time(prior), truth.time[latest[order]])
    return result


@dataclass(frozen=True)
class _Keys:
    """Keys `order * width + code`, ordered as (order, time): a time's code is its offset from
    `low`, or its rank in `ranked` where offsets would not fit 63 bits."""

    key: NDArray[np.int64]
    width: int
    low: int
    ranked: NDArray[np.int64] | None

    def time(self, key: NDArray[np.int64]) -> NDArray[np.int64]:
        code = key % self.width
        result: NDArray[np.int64] = code + self.low if self.ranked is None else self.ranked[code]
        return result


def _order_time_keys(
    changes: tuple[NDArray[np.int32], NDArray[np.int64]],
    asked: tuple[NDArray[np.int32], NDArray[np.int64]],
) -> tuple[NDArray[np.int64], _Keys]:
    """One integer key per (order, time) pair of the changes and of the instants asked."""
    both = np.concatenate([changes[1], asked[1]])
    low, high = int(both.min()), int(both.max())
    orders = max(int(changes[0].max(initial=0)), int(asked[0].max())) + 1
    ranked: NDArray[np.int64] | None = None
    if orders * (high - low + 1) < 1 << 63:
        width, codes = high - low + 1, both - low
    else:
        ranked, codes = np.unique(both, return_inverse=True)
        width = ranked.size
    keys = [
        part[0].astype(np.int64) * width + code
        for part, code in zip((changes, asked), np.split(codes, [changes[1].size]), strict=True)
    ]
    return keys[0], _Keys(keys[1], width, low, ranked)


def _seller(run: Run) -> dict[str, Any]:
    truth, commands = run.truth, run.truth.commands
    allowed = commands.allowed
    entered = _entered(truth)
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
    """The true changes, and how many the engine saw (polled, or a creation dated by the order's
    arrival, as the sync dates it by the order date) or inferred between two polls."""
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
