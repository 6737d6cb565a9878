"""The funnel by stage, and where orders leave it.

Stages are the normalised vocabulary every rule set maps its statuses onto
(`engine.model.definition.STAGES`). The funnel's steps are the stages an order goes through on its
way to being fulfilled, in that vocabulary's order; the exit stages (cancelled, refused, refunded)
are where orders leave it. An order counts at every step up to the furthest it reached, so the
funnel never widens: an order fulfilled by the marketplace arrives already shipped, and has gone
past the earlier steps all the same. `skipped` says how many went past a step without a status
in it, so nothing is hidden. An order whose status now is in an exit stage counts as an exit, by
the status it is in (the cause: a refusal, an automatic cancellation, a refused payment, a
customer's cancellation), the trigger and actor that put it there, and the last step it had
reached before.

Each rule file has its funnel (`funnels`): its steps are the stages its statuses use, so a
marketplace without, say, an acceptance step shows none, and each is computed on the orders of
its marketplace under the filters. The funnel of several marketplaces together (`funnel` on the
whole log) is on the normalised stages any of them uses, and says so where it is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.eventlog import CASE, case_first, case_last, first_mask
from engine.model.definition import STAGES, RuleSet

# Lengow's normalised stages that mean the order left the way to fulfilment.
EXIT_STAGES: frozenset[str] = frozenset({"canceled", "refused", "refunding", "refunded"})
NO_STEP = "(none)"


@dataclass(frozen=True)
class Funnel:
    """`steps`: stage, reached (it or a later step), share of the first step, skipped (reached a
    later step without a status in this one), now (orders there now), left (exits from it).
    `exits`: from_stage, status, trigger, actor, orders, share of all orders."""

    steps: pd.DataFrame
    exits: pd.DataFrame
    orders: int


def progress_stages(rules: Iterable[RuleSet] = (), log: pd.DataFrame | None = None) -> list[str]:
    """The funnel's steps: the stages the rule sets (or else the log) use, minus the exits."""
    used = {s.stage for r in rules for s in r.statuses}
    if not used and log is not None:
        used = {str(s) for s in log["stage"].dropna().unique()}
    return [s for s in STAGES if s in used and s not in EXIT_STAGES]


@dataclass(frozen=True)
class MarketFunnel:
    """The funnel of one marketplace's orders, on the steps of its rule file."""

    marketplace: str
    funnel: Funnel


def funnels(log: pd.DataFrame, rules: Mapping[str, RuleSet]) -> tuple[MarketFunnel, ...]:
    """One funnel per marketplace of `log` (a prepared, perhaps filtered, log), in code order: on
    its rule set's stages when `rules` has it, else on the stages its events use."""
    found = []
    codes = log["marketplace"].cat.codes.to_numpy()
    for code, name in enumerate(log["marketplace"].cat.categories):
        mine = codes == code
        if not mine.any():
            continue
        part = log if mine.all() else log.loc[mine].reset_index(drop=True)
        rule_set = rules.get(str(name))
        steps = progress_stages([rule_set] if rule_set else (), part)
        found.append(MarketFunnel(str(name), funnel(part, steps)))
    return tuple(sorted(found, key=lambda f: f.marketplace))


def funnel(log: pd.DataFrame, steps: Sequence[str] | None = None) -> Funnel:
    """The funnel of a prepared log; `steps` default to the stages the log uses."""
    steps = list(steps) if steps is not None else progress_stages(log=log)
    orders = int(log[CASE].nunique())
    reached = reached_counts(log, steps)
    now = current_stage(log).value_counts()
    exits = _exits(log, steps, orders)
    left = exits.groupby("from_stage", observed=True)["orders"].sum()
    first = reached.iloc[0] if len(reached) and reached.iloc[0] else 0
    table = pd.DataFrame(
        {
            "stage": steps,
            "reached": reached.to_numpy(),
            "skipped": (reached - visited_counts(log, steps)).to_numpy(),
            "now": [int(now.get(s, 0)) for s in steps],
            "left": [int(left.get(s, 0)) for s in steps],
        }
    )
    table.insert(2, "share", table["reached"] / first if first else 0.0)
    return Funnel(steps=table, exits=exits, orders=orders)


def reached_counts(log: pd.DataFrame, stages: Sequence[str]) -> pd.Series:
    """How many orders reached each of `stages` (in funnel order) or a later one of them."""
    furthest = _furthest_step(log, stages)
    per_step = np.bincount(furthest[furthest >= 0], minlength=len(stages))
    at_least = np.cumsum(per_step[::-1])[::-1]
    return pd.Series(at_least, index=list(stages), dtype="int64")


def visited_counts(log: pd.DataFrame, stages: Sequence[str]) -> pd.Series:
    """How many orders had a status in each of `stages` (each order counted once per stage)."""
    codes = log["stage"].cat.codes.to_numpy(dtype=np.int64)
    names = [str(name) for name in log["stage"].cat.categories]
    order = np.cumsum(first_mask(log)) - 1
    seen = np.zeros((int(order[-1]) + 1 if len(order) else 0, len(names) + 1), dtype=bool)
    seen[order, codes] = True  # unknown stages (code -1) land in the last column
    counts = dict(zip(names, seen[:, : len(names)].sum(axis=0).tolist(), strict=True))
    return pd.Series([counts.get(s, 0) for s in stages], index=list(stages), dtype="int64")


def _furthest_step(log: pd.DataFrame, stages: Sequence[str]) -> np.ndarray:
    """Per order: the position in `stages` of the furthest one it reached, -1 for none."""
    position = {stage: i for i, stage in enumerate(stages)}
    categories = [position.get(str(c), -1) for c in log["stage"].cat.categories]
    # Code -1 (no stage) picks the appended -1.
    step = np.asarray([*categories, -1], dtype=np.int64)[log["stage"].cat.codes.to_numpy()]
    firsts = case_first(log)
    return np.maximum.reduceat(step, firsts) if len(firsts) else step


def current_stage(log: pd.DataFrame) -> pd.Series:
    """The stage each order is in now (one value per order)."""
    return log["stage"].iloc[case_last(log)].astype(str).reset_index(drop=True)


def _last_step(log: pd.DataFrame, steps: Sequence[str]) -> pd.Series:
    """Per case: the last funnel step it had reached (cases with none are absent)."""
    rows = np.flatnonzero(log["stage"].isin(steps).to_numpy())
    cases = log[CASE].to_numpy()[rows]
    last = rows[np.r_[cases[1:] != cases[:-1], True]] if len(rows) else rows
    names = np.array([str(name) for name in log["stage"].cat.categories], dtype=object)
    codes = log["stage"].cat.codes.to_numpy()[last]
    return pd.Series(names[codes], index=log[CASE].to_numpy()[last], dtype=object)


def _exits(log: pd.DataFrame, steps: Sequence[str], orders: int) -> pd.DataFrame:
    now = log.iloc[case_last(log)]
    gone = now.loc[now["stage"].isin(EXIT_STAGES).to_numpy()]
    before = _last_step(log, steps).reindex(gone[CASE].to_numpy()).fillna(NO_STEP)
    frame = pd.DataFrame(
        {
            "from_stage": before.to_numpy(),
            "status": gone["to_status"].astype(str).to_numpy(),
            "trigger": gone["trigger"].astype(str).to_numpy(),
            "actor": gone["actor"].astype(str).to_numpy(),
        }
    )
    keys = ["from_stage", "status", "trigger", "actor"]
    table = frame.groupby(keys, sort=False).size().rename("orders").reset_index()
    table["share"] = table["orders"] / orders if orders else 0.0
    return table.sort_values(["orders", *keys], ascending=[False, *[True] * 4], ignore_index=True)
