"""Who moves an order on at each status, and after how long: the processes the scenario races.

The rule file says who may cause each transition: the seller's actions (their delay runs from
the first poll that showed the order, `Stays.seen`), and the customers', the payment's and the
marketplace's happenings (from the entry); timers are the rule file's own and are not fitted.
Each process at each status is fitted by `calibration.competing` on the stays that were at its
risk: every other way out is a censoring, and so is the end of the log. A stay whose fields make
a trigger impossible (the rules' guards) is not at that trigger's risk. A cause the log shows
ending fewer than `MIN_EVENTS` stays keeps the base scenario's line, when it has one. The
statuses an order may cross unseen between two polls take their branches from
`calibration.hidden` instead, fitted over the paths the log cannot tell apart; a status left
back to where it was entered from is corrected for the visits the polls hid
(`calibration.round_trips`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from calibration import competing
from calibration.field_mix import seller_fills
from calibration.fitted import MIN_EVENTS, MIN_ORDERS, Kept, StatusFit
from calibration.hidden import HAPPENING_ACTORS, Branch
from calibration.round_trips import unseen_returns
from calibration.stays import Stays
from engine.model.definition import Actor, RuleSet
from engine.runtime.runtime import Runtime
from simulator.scenario.distributions import Exponential, LogNormal
from simulator.scenario.values import Happening, Scenario, SellerMove

# Said of a delay fitted from fewer stays than a fit needs, with no base scenario to keep.
_FEW = f"too few stays for a delay (fewer than {MIN_EVENTS}) and no base scenario to keep one from:"


def happening_causes(rules: RuleSet) -> dict[str, tuple[str, ...]]:
    """status -> the triggers customers, payment or marketplace may fire there, in file order."""
    table: dict[str, dict[str, None]] = {}
    for t in rules.transitions:
        if t.actor in HAPPENING_ACTORS:
            for source in t.sources:
                table.setdefault(source, {})[t.trigger] = None
    return {s: tuple(v) for s, v in table.items()}


def seller_causes(rules: RuleSet) -> dict[str, tuple[str, ...]]:
    """status -> the seller's actions there that move the order (an action's trigger)."""
    table: dict[str, list[str]] = {}
    for action in rules.actions:
        if action.transition is not None:
            for status in action.at:
                table.setdefault(status, []).append(action.name)
    return {s: tuple(v) for s, v in table.items()}


class Processes:
    """Fits every process of `rules` on `stays`; `fields` holds each case's field values."""

    def __init__(
        self,
        rules: RuleSet,
        stays: Stays,
        fields: pd.DataFrame,
        base: Scenario | None,
        hidden: tuple[Branch, ...] = (),
    ) -> None:
        self.rules, self.stays, self.fields, self.base = rules, stays, fields, base
        self.hidden = {(b.status, b.trigger): b for b in hidden}
        self.table = Runtime(rules).table
        self.guarded = sorted({f for c in self.table.conditions for f in c.fields()})
        self.combos, self.cohort = self._cohorts()
        self.at = stays.by_status()

    def marketplace(self) -> tuple[StatusFit, ...]:
        base = self.base.happenings_at if self.base else {}
        fits = (
            self._fit(status, "marketplace", causes, causes, base.get(status, ()))
            for status, causes in happening_causes(self.rules).items()
        )
        return tuple(self._unhidden(self._returns(fit)) for fit in fits)

    def _returns(self, fit: StatusFit) -> StatusFit:
        here = self.at.get(fit.status)
        return fit if here is None else unseen_returns(self.rules, fit, here)

    def _unhidden(self, fit: StatusFit) -> StatusFit:
        """`fit` with the branches of the statuses an order may cross unseen replaced by their
        fit over the hidden paths (`calibration.hidden`), when that fit covers all of them."""
        found = [self.hidden.get((fit.status, c.name)) for c in fit.causes]
        if not fit.causes or any(b is None for b in found):
            return fit
        why = (
            "exponential, fitted over the paths an order may take unseen between two polls "
            "(the stays here are shorter than the poll period: the shape cannot be told)"
        )
        causes = tuple(
            replace(c, probability=b.share, shape="exponential", params=(b.mean_s, 0.0), why=why)
            for c, b in zip(fit.causes, found, strict=True)
            if b is not None
        )
        return replace(fit, causes=causes)

    def seller(self) -> tuple[StatusFit, ...]:
        base = self.base.seller_at if self.base else {}
        triggers = {a.name: a.transition for a in self.rules.actions}
        causes = seller_causes(self.rules)
        fitted = tuple(
            self._fit(
                status,
                "seller",
                actions,
                tuple(str(triggers[a]) for a in actions),
                base.get(status, ()),
            )
            for status, actions in causes.items()
        )
        unseen = "kept from the base scenario: the action changes no status, the log cannot show it"
        silent = tuple(
            StatusFit(status, "seller", 0, (), tuple(Kept(m, unseen) for m in moves))
            for status, moves in base.items()
            if status not in causes
        )
        return fitted + silent

    def _fit(
        self,
        status: str,
        who: str,
        names: tuple[str, ...],
        triggers: tuple[str, ...],
        base: tuple[Happening, ...] | tuple[SellerMove, ...],
    ) -> StatusFit:
        here = self.at.get(status) or self.stays.at(status)
        seller = who == "seller"
        actors = [Actor.SELLER.value] if seller else [a.value for a in HAPPENING_ACTORS]
        risk = here.open | (here.left > here.seen) if seller else np.ones(len(here), bool)
        cause = np.full(len(here), -1)
        for j, trigger in enumerate(triggers):
            cause[(here.trigger == trigger) & np.isin(here.actor, actors) & ~here.deviation] = j
        counts = np.bincount(cause[cause >= 0], minlength=len(names))
        by_name = {_name(line): line for line in base}
        # A cause the log never shows is still fitted (its share comes out near 0) when the base
        # gives its delay: written beside the others, the shares still sum to at most one.
        seen = [
            j for j in range(len(names))
            if counts[j] or _shape_of(by_name.get(names[j])) is not None
        ]  # fmt: skip
        keep = risk & self._possible(status, triggers, here.case)[seen].any(axis=0)
        if not counts.any() or keep.sum() < MIN_ORDERS:
            reason = f"kept from the base scenario: {int(keep.sum())} stays, too few to fit"
            return StatusFit(status, who, int(keep.sum()), (), tuple(Kept(b, reason) for b in base))
        remap = np.full(len(names) + 1, -1)
        remap[seen] = np.arange(len(seen))
        fixed = {
            i: delay
            for i, j in enumerate(seen)
            if counts[j] < MIN_EVENTS and (delay := _shape_of(by_name.get(names[j]))) is not None
        }
        low, high = here.bounds(since_seen=seller)
        delays = competing.Delays(low[keep], high[keep], remap[cause[keep]])
        causes = tuple(
            c if c.events >= MIN_EVENTS or i in fixed else replace(c, why=f"{_FEW} {c.why}")
            for i, c in enumerate(competing.fit(delays, tuple(names[j] for j in seen), fixed))
        )
        never = tuple(
            Kept(line, "kept from the base scenario: the log never shows it")
            for name, line in by_name.items()
            if name not in {names[j] for j in seen}
        )
        moves = {n: m for n, m in by_name.items() if isinstance(m, SellerMove)}
        fills = {
            c.name: seller_fills(
                self.rules, self.fields, c.name, moves[c.name].fills if c.name in moves else None
            )
            for c in causes
            if seller
        }
        return StatusFit(status, who, int(keep.sum()), causes, never, fills)

    def _possible(self, status: str, triggers: tuple[str, ...], cases: np.ndarray) -> np.ndarray:
        """Per trigger (rows) and stay (columns): whether the rules let it fire for its fields."""
        inverse = self.cohort[np.searchsorted(self.fields.index.to_numpy(), cases)]
        out = np.ones((len(triggers), len(cases)), dtype=bool)
        for j, trigger in enumerate(triggers):
            allowed = [self.table.resolve(status, trigger, c) is not None for c in self.combos]
            out[j] = np.asarray(allowed, dtype=bool)[inverse]
        return out

    def _cohorts(self) -> tuple[list[dict[str, object]], np.ndarray]:
        """The distinct values of the guarded fields among the cases, and each case's."""
        columns = [f for f in self.guarded if f in self.fields.columns]
        if not columns or not len(self.fields):
            return [{}], np.zeros(len(self.fields), dtype=np.int64)
        codes = [pd.factorize(self.fields[c], use_na_sentinel=True) for c in columns]
        key = np.zeros(len(self.fields), dtype=np.int64)
        for found, uniques in codes:
            key = key * (len(uniques) + 1) + (found + 1)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        combos = [
            {c: v for c, v in self.fields.iloc[int(i)][columns].items() if not pd.isna(v)}
            for i in first
        ]
        return combos, inverse.reshape(-1)


def _name(line: Happening | SellerMove) -> str:
    return line.action if isinstance(line, SellerMove) else line.trigger


def _shape_of(line: Happening | SellerMove | None) -> tuple[str, tuple[float, float]] | None:
    """A base line's delay as the fit's (shape, params), when it is one of the fitted shapes."""
    delay = None if line is None else line.after
    if isinstance(delay, Exponential):
        return ("exponential", (delay.mean, 0.0))
    if isinstance(delay, LogNormal):
        return ("lognormal", (math.log(delay.median), delay.sigma))
    return None
