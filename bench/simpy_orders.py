"""The peer of the simulator benchmark: the same month of orders as a plain SimPy model.

Written the way a SimPy user would, from the scenario file alone: its parameters read with
PyYAML (arrivals by hour and weekday, the delivery modes, what customers, the payment and the
marketplace do at each status, what the seller does and how late, the resend delay), and the
Cdiscount lifecycle that its rule file describes written out below by hand. Nothing of the
engine or the simulator is imported.

A source process starts one process per order at its arrival. At each status an order process
draws what may end its stay: the rule file's timer, at most one of the scenario's happenings,
and the seller's move, which starts at the first fetch at or after the order got there (fetches
run every 15 minutes from the start: arithmetic, not a polling process) and, when a tracked
parcel's carrier or tracking number was forgotten, is refused and resent after the resend delay
with the gap filled. Every delay is drawn on entry, so the stay is one `timeout` to the earliest
(the quickest way to write the race in SimPy; `any_of` over one timeout per candidate is
slower); a move later than the month's end does not happen. Events go to integer columns,
written to Parquet at the end.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from array import array
from collections.abc import Callable, Generator
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy
import yaml

from bench.outcome_mix import MonthRun, OutcomeMix
from bench.result import peak_rss_mb

H, DAY = 3600, 86400
FETCH_EVERY = 15 * 60  # the rule file's schedule
INITIAL, FULFILLED_AT = "WaitingForSellerAcceptation", "Shipped"
_W, _A, _V, _P = INITIAL, "AcceptedBySeller", "ValidatedFianet", "PaymentInProgress"
_S, _C, _B = "WaitingForShipmentAcceptation", "CancellationRequestPending", "ShippedBySeller"
# The lifecycle of rules/cdiscount.yaml: (status, trigger) -> next status.
NEXT: dict[tuple[str, str], str] = {
    (_W, "accept"): _A,
    (_W, "refuse"): "RefusedBySeller",
    (_W, "auto_cancel"): "AutomaticCancellation",
    (_W, "cancel_before_notification"): "CancelledBeforeNotificationByCustomer",
    (_A, "validate_fianet"): _V,
    **{(s, "start_payment"): _P for s in (_A, _V)},
    **{(s, "refuse_payment"): "PaymentRefused" for s in (_A, _V, _P)},
    **{(s, "cancel_before_payment"): "CancelledBeforePaymentByCustomer" for s in (_A, _V, _P)},
    (_P, "confirm_payment"): _S,
    (_S, "ship"): _B,
    (_S, "refuse_shipment"): "ShipmentRefusedBySeller",
    (_S, "no_shipment"): "RefusedNoShipment",
    (_S, "request_cancellation"): _C,
    (_C, "cancel"): "CancelledByCustomer",
    (_C, "withdraw_cancellation"): _S,
    (_B, "confirm_shipment"): FULFILLED_AT,
    ("AvailableOnStore", "pick_up"): "PickedUp",
    ("AvailableOnStore", "not_picked_up"): "NonPickedUpByCustomer",
}
STORE_PICK_UP = ("MAG", "AvailableOnStore")  # a click-and-collect order ships to the store
FINAL = frozenset({FULFILLED_AT, *NEXT.values()} - {s for s, _ in NEXT})
TIMERS = {_W: (48 * H, "auto_cancel"), _S: (7 * DAY, "no_shipment")}
TIMERS["AvailableOnStore"] = (14 * DAY, "not_picked_up")
ACTION_TRIGGER = {"accept": "accept", "refuse": "refuse", "ship": "ship"}
ACTION_TRIGGER["refuse_shipment"] = "refuse_shipment"  # a refund changes no status
# Shipping a tracked parcel needs its carrier and tracking number.
TRACKED = frozenset({"TRK", "REG", "REL", "RCO", "SO1"})
TRACKING = ("carrier", "tracking_number")
STATUSES = tuple(sorted({s for s, _ in NEXT} | FINAL | {"AvailableOnStore"}))
TRIGGERS = tuple(sorted({t for _, t in NEXT}))
_STATUS, _TRIGGER = {s: i for i, s in enumerate(STATUSES)}, {t: i for i, t in enumerate(TRIGGERS)}
_UNITS = {"s": 1, "m": 60, "h": H, "d": DAY, "w": 7 * DAY}
NEVER = 1 << 62


def seconds(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return float(value[:-1]) * _UNITS[value[-1]]


def delay(rnd: random.Random, spec: dict[str, Any]) -> Callable[[], int]:
    """A function drawing whole seconds (at least one) from a scenario's delay."""
    ((shape, params),) = spec.items()
    if shape == "exponential":
        rate = 1.0 / seconds(params["mean"])
        return lambda: max(round(rnd.expovariate(rate)), 1)
    if shape == "lognormal":
        mu, sigma = math.log(seconds(params["median"])), float(params["sigma"])
        return lambda: max(round(rnd.lognormvariate(mu, sigma)), 1)
    raise ValueError(f"this model knows exponential and lognormal delays, not {shape!r}")


class Pick:
    """At most one of several outcomes, each with its probability (the rest: none)."""

    def __init__(self, rnd: random.Random, outcomes: list[tuple[float, Any]]) -> None:
        self.rnd = rnd
        self.cumulative = list(accumulate(float(p) for p, _ in outcomes))
        self.outcomes = [o for _, o in outcomes]

    def __call__(self) -> Any:
        u = self.rnd.random()
        for bound, outcome in zip(self.cumulative, self.outcomes, strict=True):
            if u < bound:
                return outcome
        return None


class Fill:
    """A field the seller types: a value by its weights (or a text), sometimes forgotten."""

    def __init__(self, rnd: random.Random, name: str, spec: dict[str, Any]) -> None:
        self.rnd, self.name = rnd, name
        values = spec.get("values", {})
        self.values, self.weights = list(values), list(accumulate(map(float, values.values())))
        self.missing = float(spec.get("missing", 0.0))

    def value(self) -> object:
        if not self.values:
            return f"T{self.rnd.random()}"
        return self.rnd.choices(self.values, cum_weights=self.weights)[0]

    def __call__(self, fields: dict[str, object]) -> None:
        missing = self.missing and self.rnd.random() < self.missing
        fields[self.name] = None if missing else self.value()


class Happening:
    """What a customer, the payment or the marketplace may do at a status, and how late."""

    def __init__(self, rnd: random.Random, spec: dict[str, Any]) -> None:
        self.trigger: str = spec["trigger"]
        self.after = delay(rnd, spec["after"])


class SellerMove:
    def __init__(self, rnd: random.Random, spec: dict[str, Any]) -> None:
        self.trigger = ACTION_TRIGGER.get(spec["action"])
        self.after = delay(rnd, spec["after"])
        self.fills = [Fill(rnd, name, f) for name, f in spec.get("fills", {}).items()]


class OrderMonth:
    """The scenario's month in SimPy: `run(orders, days)` fills the event columns."""

    def __init__(self, scenario: Path, seed: int) -> None:
        data = yaml.safe_load(scenario.read_text(encoding="utf-8"))
        self.rnd = rnd = random.Random(seed)
        self.env = simpy.Environment()
        self.start: datetime = data["start"]
        self.hourly, self.weekly = data["arrivals"]["hourly"], data["arrivals"]["weekly"]
        self.fields = [Fill(rnd, k, v) for k, v in data["orders"]["fields"].items()]
        self.fulfilled = float(data["orders"]["fulfilled_share"])
        self.happenings = {
            status: Pick(rnd, [(h["probability"], Happening(rnd, h)) for h in found])
            for status, found in data["marketplace"].items()
        }
        seller = data["seller"]
        self.resend = delay(rnd, seller["retry_after"])
        self.seller = {
            status: Pick(rnd, [(m["probability"], SellerMove(rnd, m)) for m in moves])
            for status, moves in seller["at"].items()
        }
        self.horizon = 0
        self.columns = {k: array("q") for k in ("order", "time", "source", "dest", "trigger")}

    def log(self, i: int, at: int, source: str | None, dest: str, trigger: str | None) -> None:
        c = self.columns
        c["order"].append(i)
        c["time"].append(at)
        c["source"].append(-1 if source is None else _STATUS[source])
        c["dest"].append(_STATUS[dest])
        c["trigger"].append(-1 if trigger is None else _TRIGGER[trigger])

    def arrivals(self, orders: int, days: int) -> list[int]:
        """`orders` arrival seconds, shared among the hours by their weights, uniform within."""
        hourly, weekly = np.asarray(self.hourly), np.asarray(self.weekly)
        hours = np.arange(days * 24) + self.start.hour
        shape = (hourly / hourly.mean())[hours % 24]
        shape *= (weekly / weekly.mean())[(self.start.weekday() + hours // 24) % 7]
        rnd = self.rnd
        picked = rnd.choices(range(days * 24), cum_weights=np.cumsum(shape).tolist(), k=orders)
        return sorted(h * H + int(rnd.random() * H) for h in picked)

    def source(self, times: list[int]) -> Generator[simpy.Event, None, None]:
        env = self.env
        for i, at in enumerate(times):
            if at > env.now:
                yield env.timeout(at - env.now)
            env.process(self.order(i, at))

    def order(self, i: int, arrived: int) -> Generator[simpy.Event, None, None]:
        env, rnd = self.env, self.rnd
        fields: dict[str, object] = {}
        for fill in self.fields:
            fill(fields)
        status = FULFILLED_AT if rnd.random() < self.fulfilled else INITIAL
        self.log(i, arrived, None, status, None)
        while status not in FINAL:
            wait, trigger = self.stay(status, fields, int(env.now))
            if trigger is None or env.now + wait > self.horizon:
                return
            yield env.timeout(wait)
            source, status = status, NEXT[status, trigger]
            if trigger == "ship" and fields.get("delivery_mode") == STORE_PICK_UP[0]:
                status = STORE_PICK_UP[1]
            self.log(i, int(env.now), source, status, trigger)

    def stay(self, status: str, fields: dict[str, object], now: int) -> tuple[int, str | None]:
        """How long the order stays at `status` and what ends the stay (None: nothing)."""
        wait, trigger = TIMERS.get(status, (NEVER, None))
        happening = self.happenings[status]() if status in self.happenings else None
        if happening is not None and (after := happening.after()) < wait:
            wait, trigger = after, happening.trigger
        move = self.seller[status]() if status in self.seller else None
        if move is not None and move.trigger is not None:
            shown = -(-now // FETCH_EVERY) * FETCH_EVERY - now
            after = shown + move.after() + self.refused(move, fields)
            if after < wait:
                wait, trigger = after, move.trigger
        return wait, trigger

    def refused(self, move: SellerMove, fields: dict[str, object]) -> int:
        """The delay a refused command adds (0 when accepted): the seller fills the gap, resends."""
        for fill in move.fills:
            fill(fields)
        if move.trigger != "ship" or fields.get("delivery_mode") not in TRACKED:
            return 0
        gaps = [f for f in move.fills if f.name in TRACKING and fields[f.name] is None]
        for fill in gaps:
            fields[fill.name] = fill.value()
        return self.resend() if gaps else 0

    def run(self, orders: int, days: int, out: Path) -> dict[str, np.ndarray]:
        """Simulate `orders` over `days`, write the events to `out`, return the columns."""
        self.horizon = days * DAY
        times = self.arrivals(orders, days)
        self.env.process(self.source(times))
        self.env.run()
        log = {k: np.frombuffer(v, dtype=np.int64) for k, v in self.columns.items()}
        frame = pd.DataFrame(log)
        for name in ("source", "dest"):
            frame[name] = pd.Categorical.from_codes(log[name], STATUSES)
        frame["trigger"] = pd.Categorical.from_codes(log["trigger"], TRIGGERS)
        frame.to_parquet(out / "simpy_events.parquet")
        log["arrival"] = np.asarray(times, dtype=np.int64)
        return log


def month(scenario: Path, orders: int, days: int, seed: int) -> MonthRun:
    """One timed run with its file, its mix read from its event log afterwards."""
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as out:
        log = OrderMonth(scenario, seed).run(orders, days, Path(out))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()
    return MonthRun(seconds, cpu, peak, OutcomeMix.of(log, STATUSES, TRIGGERS))
