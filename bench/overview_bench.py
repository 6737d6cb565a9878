"""The Overview page's analytics on a large event log, against a plain pandas groupby.

The log is generated (seeded): orders follow a handful of paths through a Cdiscount-like rule
set, over 60 days. Both sides run on the same prepared frame, in the same run: ours is
`analytics.overview.overview` (key figures for two periods, a 30-day trend, the funnel with its
exits); the baseline computes the same counts with the groupby an analyst would write (first
time per order overall and per stage, daily counts, orders per stage, each order's last status).
Ratio `overview_vs_groupby` = our time / the baseline's; the goal is at most 5.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from analytics.eventlog import prepare
from analytics.overview import overview
from bench.result import BenchResult, best_of

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


def baseline(log: pd.DataFrame) -> object:
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


def run(size: str) -> BenchResult:
    log = prepare(generate(SIZES[size]))
    as_of = log["at"].max()
    repeats = 3 if size == "full" else 5
    ours = best_of(repeats, lambda: overview(log, as_of, finals=FINALS))
    theirs = best_of(repeats, lambda: baseline(log))
    return BenchResult(
        name="overview",
        figures={"events": float(len(log)), "overview_s": ours, "groupby_s": theirs},
        ratios={"overview_vs_groupby": ours / theirs},
        notes=["both on the same prepared (categorical) frame; goal overview_vs_groupby <= 5"],
    )
