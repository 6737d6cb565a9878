"""The Overview page's analytics on a large event log, against a plain pandas groupby.

The log is generated (seeded): orders follow a handful of paths through a Cdiscount-like rule
set, over 60 days. Both sides run on the same prepared frame, in the same run: ours is
`analytics.overview.overview` (key figures for two periods, a 30-day trend, the funnel with its
exits); the baseline computes the same counts with the groupby an analyst would write (first
time per order overall and per stage, daily counts, orders per stage, each order's last status).
The sides are interleaved (5 rounds, 3 at full size) and each one's median kept. Ratio
`overview_vs_groupby` = our median / the baseline's; the goal is at most 5. Agreement
(`agree.same_daily_counts`): both count the same orders created, shipped and lost on each day of
the 30-day trend, and the same orders in all.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from analytics.eventlog import prepare
from analytics.overview import Overview, overview
from bench.result import BenchResult, interleaved

SIZES = {"tiny": 5_000, "full": 1_000_000}
# (statuses, stages, triggers, actors, weight): the paths the generated orders follow.
PATHS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str, float], ...] = (
    (
        ("W", "A", "P", "S", "B", "D"),
        ("new", "new", "new", "waiting_shipment", "shipped", "shipped"),
        ("create", "accept", "pay", "confirm", "ship", "deliver"),
        "seller",
        0.70,
    ),
    (("W", "R"), ("new", "canceled"), ("create", "refuse"), "seller", 0.08),
    (("W", "X"), ("new", "canceled"), ("create", "auto_cancel"), "timer", 0.07),
    (
        ("W", "A", "F"),
        ("new", "new", "canceled"),
        ("create", "accept", "refuse_pay"),
        "payment",
        0.05,
    ),
    (("D",), ("shipped",), ("create",), "marketplace", 0.05),
    (
        ("W", "A", "P", "S"),
        ("new", "new", "new", "waiting_shipment"),
        ("create", "accept", "pay", "confirm"),
        "seller",
        0.05,
    ),
)
FINALS = frozenset({"D", "R", "X", "F"})


def generate(events: int, seed: int = 1) -> pd.DataFrame:
    """A raw event log of about `events` events (architecture columns)."""
    rng = np.random.default_rng(seed)
    weights = np.array([p[4] for p in PATHS])
    mean_len = float((weights * [len(p[0]) for p in PATHS]).sum())
    orders = max(int(events / mean_len), 1)
    kind = rng.choice(len(PATHS), size=orders, p=weights)
    lengths = np.array([len(p[0]) for p in PATHS])[kind]
    case = np.repeat(np.arange(orders), lengths)
    position = np.arange(len(case)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = [(k, i) for k in range(len(PATHS)) for i in range(len(PATHS[k][0]))]
    index = {pair: n for n, pair in enumerate(flat)}
    code = np.array([index[(k, 0)] for k in range(len(PATHS))])[kind[case]] + position
    start = np.datetime64("2026-01-01T00:00:00", "s") + rng.integers(0, 60 * 86400, orders)
    gaps = rng.exponential(6 * 3600, len(case)).astype(np.int64)
    gaps[position == 0] = 0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[np.cumsum(lengths) - lengths], lengths)
    at = np.repeat(start, lengths) + elapsed
    column = {
        name: np.array([cast(tuple[str, ...], PATHS[k][j])[i] for k, i in flat])
        for j, name in ((0, "to_status"), (1, "stage"), (2, "trigger"))
    }
    to_status = column["to_status"][code]
    from_status = np.where(position == 0, None, np.r_[None, to_status[:-1]])
    return pd.DataFrame(
        {
            "marketplace": "cdiscount",
            "order_id": np.char.add("C", case.astype(str)),
            "seq": position + 1,
            "from_status": from_status,
            "to_status": to_status,
            "trigger": column["trigger"][code],
            "actor": np.array([p[3] for p in PATHS])[kind[case]],
            "source": "simulation",
            "inferred": False,
            "at": pd.to_datetime(at, utc=True),
            "stage": column["stage"][code],
        }
    )


Counts = tuple["pd.Series[int]", ...]


def baseline(log: pd.DataFrame) -> Counts:
    """The same counts with plain groupby calls."""
    day = log["at"].dt.floor("D")
    created = day.groupby(log["order_id"], observed=True).min().value_counts()
    shipped_rows = log["stage"] == "shipped"
    shipped = day[shipped_rows].groupby(log.loc[shipped_rows, "order_id"], observed=True).min()
    lost_rows = log["stage"] == "canceled"
    lost = day[lost_rows].groupby(log.loc[lost_rows, "order_id"], observed=True).min()
    reached = log.groupby("stage", observed=True)["order_id"].nunique()
    last = log.groupby("order_id", observed=True)["to_status"].last().value_counts()
    return created, shipped.value_counts(), lost.value_counts(), reached, last


def agreement(ours: Overview, theirs: Counts) -> bool:
    """Both count the same orders created, shipped and lost on each day of the trend, and the
    same orders in all."""
    created, shipped, lost, _, last = theirs
    days = pd.DatetimeIndex(ours.trend["day"]).tz_localize("UTC")
    daily = (("created", created), ("shipped", shipped), ("lost", lost))
    same = all(
        np.array_equal(ours.trend[column].to_numpy(), counts.reindex(days, fill_value=0))
        for column, counts in daily
    )
    return same and ours.funnel.orders == int(last.sum())


def run(size: str) -> BenchResult:
    log = prepare(generate(SIZES[size]))
    as_of = log["at"].max()
    rounds = interleaved(
        3 if size == "full" else 5,
        {"ours": lambda: overview(log, as_of, finals=FINALS), "groupby": lambda: baseline(log)},
    )
    result = BenchResult("overview")
    result.figures = {
        "events": float(len(log)),
        "overview_s": rounds.median("ours"),
        "groupby_s": rounds.median("groupby"),
    }
    result.compare(
        "overview_vs_groupby",
        rounds.median("ours"),
        rounds.median("groupby"),
        "the same counts with the plain pandas groupby an analyst writes",
    )
    result.agree["same_daily_counts"] = agreement(rounds.last["ours"], rounds.last["groupby"])
    result.notes.append(
        "both on the same prepared (categorical) frame; goal overview_vs_groupby <= 5"
    )
    return result
