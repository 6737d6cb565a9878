"""A scenario fitted from a store's event log: the entry point of the package.

`read_store` takes what the fit needs from a store: the event log of one marketplace with its
field columns, and the instants at which it read the marketplace up to that moment (its polls:
the incremental fetches and the sweeps run in their stead). `calibrate` prepares the log with the
poll grid (`calibration.polls`), so inferred entries get their poll bounds, cuts out the orders
created outside the period, and fits the arrivals, the field mix, the fulfilled share and every
process at every status. The end of the log (the last poll, or `until`) is where the stays still
open are censored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from analytics import attributes
from analytics.censoring import entries
from analytics.eventlog import CASE, case_first, prepare, seconds
from calibration.arrivals import fit_arrivals
from calibration.field_mix import arrival_fields, fit_mix, fulfilled
from calibration.fitted import Calibrated
from calibration.hidden import fit_block
from calibration.polls import poll_grid
from calibration.processes import Processes
from calibration.stays import stays
from engine.model.definition import RuleSet
from engine.store import FetchKind, FetchRun, RunStatus, Store
from simulator.scenario.values import Scenario

EPOCH = np.datetime64("1970-01-01T00:00:00", "us")


class NothingToFit(ValueError):
    """The store holds no order of the marketplace in the period."""


@dataclass(frozen=True)
class StoreLog:
    """A marketplace's raw event log with its field columns, and its incremental polls."""

    frame: pd.DataFrame
    polls: np.ndarray  # datetime64[us], UTC


def read_store(store: Store, rules: RuleSet) -> StoreLog:
    """What `calibrate` reads of `store`, for the marketplace of `rules`: every incremental
    fetch, and every sweep's piece that reached the moment it ran (`reads_to_now`)."""
    code = rules.marketplace.code
    frame = store.events_frame(marketplace=code, fields=attributes.names([rules]))
    runs = store.fetch_runs(status=RunStatus.OK)
    period = rules.schedule.every_seconds
    polls = [
        np.datetime64(r.window_to.astimezone(UTC).replace(tzinfo=None), "us")
        for r in runs
        if r.kind is FetchKind.INCREMENTAL or reads_to_now(r, period)
    ]
    return StoreLog(frame, np.asarray(polls, dtype="datetime64[us]"))


def reads_to_now(run: FetchRun, period_s: int) -> bool:
    """Whether a sweep's piece read every change up to the moment it ran (its window ends
    within a poll period of its start), so that it showed each order where it then was.

    The scheduler runs a sweep *instead of* the incremental fetch due then (at the baseline's
    midnight), and the sweep's last piece shows every order changed since the fetch before: a
    poll like any other. Left out, the fit saw a 30-minute gap where there was none, each
    night: stays censored at the wrong poll, unseen times past the period (the hidden block's
    shares and delays ~0.5 % off, the seller's acceptance 0.2 % too quick). Its earlier
    pieces (the days before) show nothing recent."""
    reach = (run.started_at - run.window_to).total_seconds()
    return run.kind is FetchKind.SWEEP and reach <= period_s


@dataclass(frozen=True)
class Period:
    """The log as the fit reads it: prepared with the poll grid, cut to [first, last]."""

    log: pd.DataFrame
    polls: np.ndarray
    first: np.datetime64
    last: np.datetime64


def period(
    source: StoreLog, rules: RuleSet, since: datetime | None = None, until: datetime | None = None
) -> Period:
    """The orders created in [since, until] (the whole log by default), their events up to
    `until`, prepared with the polls carried over the whole period (`calibration.polls`)."""
    raw = source.frame
    if not len(raw):
        raise NothingToFit(f"the store holds no event of marketplace '{rules.marketplace.code}'")
    at = np.asarray(raw["at"].dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")
    first = _instant(since) if since else at.min()
    last = _instant(until) if until else max(at.max(), source.polls.max(initial=at.min()))
    polls = poll_grid(source.polls, rules.schedule.every_seconds, first, last)
    log = prepare(raw, [rules], polls=polls)
    log = _created_within(log, first, last)
    if not len(log):
        raise NothingToFit(f"no order of '{rules.marketplace.code}' was created in the period")
    log = log[log["at"].dt.tz_convert(None) <= pd.Timestamp(last)].reset_index(drop=True)
    return Period(log, polls, first, last)


def calibrate(
    source: StoreLog,
    rules: RuleSet,
    base: Scenario | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    name: str = "calibrated",
) -> Calibrated:
    """The scenario `source` fits (see the module); `base` gives the lines too rare to fit."""
    cut = period(source, rules, since, until)
    log, polls, first, last = cut.log, cut.polls, cut.first, cut.last
    starts = case_first(log)
    orders = log.iloc[starts].set_index(CASE)
    created = seconds(entries(log).placed()[starts] - EPOCH)
    start_s, end_s = (
        float(seconds(np.asarray([first - EPOCH]))[0]),
        float(seconds(np.asarray([last - EPOCH]))[0]),
    )
    finals = {s.name for s in rules.statuses if s.final}
    found = stays(log, polls, last, finals)
    processes = Processes(rules, found, orders, base, fit_block(rules, log, polls, last))
    start = pd.Timestamp(first).tz_localize(UTC).floor("h").to_pydatetime()
    return Calibrated(
        rules=rules,
        name=name,
        start=start,
        days=max(1, math.ceil((end_s - start_s) / 86400.0 - 1e-9)),
        arrivals=fit_arrivals(created, start_s, end_s),
        fields=tuple(fit_mix(orders, f) for f in arrival_fields(rules)),
        fulfilled=fulfilled(orders, rules),
        marketplace=processes.marketplace(),
        seller=processes.seller(),
        base=base,
        unbounded=found.unbounded,
    )


def _instant(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")


def _created_within(log: pd.DataFrame, first: np.datetime64, last: np.datetime64) -> pd.DataFrame:
    """The orders of `log` created in [first, last]."""
    starts = case_first(log)
    created = entries(log).placed()[starts]
    keep = (created >= first) & (created <= last)
    cases = log[CASE].to_numpy()[starts][keep]
    return log[log[CASE].isin(cases)].reset_index(drop=True)
