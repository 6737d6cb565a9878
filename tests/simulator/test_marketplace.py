"""The marketplace's truth: conservation, the race at each status, the seller's constraints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.runtime.runtime import Runtime
from simulator.scenario.loader import check_scenario_text
from simulator.scenario.values import Scenario
from simulator.world.arrivals import arrival_times
from simulator.world.marketplace import Marketplace
from simulator.world.truth import NONE, Columns, Truth, time_order

from .small_world import shipped

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"
DAY = 86400
POLLS = np.arange(0, 40 * DAY, 900, dtype=np.int64)

# A plain world: the seller answers within the hour; ships tracked parcels, forgetting the
# tracking number one time in five; payment always goes through.
PLAIN = f"""
format: 1
rules: {RULES}
start: 2026-01-05T00:00:00Z
arrivals: {{count: 20000}}
orders:
  fields:
    delivery_mode: {{values: {{TRK: 1}}}}
marketplace:
  AcceptedBySeller: [{{trigger: start_payment, probability: 1, after: 10m}}]
  PaymentInProgress: [{{trigger: confirm_payment, probability: 1, after: 10m}}]
  ShippedBySeller: [{{trigger: confirm_shipment, probability: 1, after: 5m}}]
seller:
  retry_after: 2h
  at:
    WaitingForSellerAcceptation:
      - {{action: accept, probability: 0.9, after: {{exponential: {{mean: 20m}}}}}}
      - {{action: refuse, probability: 0.1, after: {{exponential: {{mean: 20m}}}}}}
    WaitingForShipmentAcceptation:
      - action: ship
        probability: 1
        after: 1h
        fills:
          carrier: {{values: {{"14": 1}}}}
          tracking_number: {{missing: 0.2}}
"""


def plain() -> Scenario:
    scenario, problems = check_scenario_text(PLAIN, "plain.yaml")
    assert problems == [] and scenario is not None
    return scenario


def generate(scenario: Scenario, days: int = 10, seed: int = 1) -> Truth:
    rng = np.random.default_rng(seed)
    arrivals = arrival_times(scenario.arrivals, scenario.start, days, rng)
    return Marketplace(scenario, Runtime(scenario.rules)).generate(arrivals, POLLS, days * DAY, rng)


def names(truth: Truth, codes: np.ndarray) -> list[str]:
    return [truth.statuses[c] for c in codes]


def test_every_order_is_created_once_and_its_changes_chain() -> None:
    truth = generate(shipped("baseline", 3000), days=10)
    created = truth.source == NONE
    assert np.bincount(truth.order[created], minlength=truth.orders).tolist() == [1] * truth.orders
    by_order = np.lexsort((truth.time, truth.order))
    order, source, dest = truth.order[by_order], truth.source[by_order], truth.dest[by_order]
    same = order[1:] == order[:-1]
    assert np.all(source[1:][same] == dest[:-1][same])  # each change leaves where the last led
    assert np.all(np.diff(truth.time[by_order])[same] > 0)
    assert np.all(np.diff(truth.time) >= 0)  # the log is in time order
    final = truth.final_status()
    assert np.bincount(final, minlength=len(truth.statuses)).sum() == truth.orders


def test_final_statuses_are_never_left() -> None:
    truth = generate(shipped("baseline", 3000), days=10)
    finals = {s.name for s in truth.rules.statuses if s.final}
    assert not set(names(truth, truth.source[truth.source != NONE])) & finals


def test_the_refusal_rate_in_the_log_is_the_scenario_s() -> None:
    truth = generate(plain())
    counts = dict(zip(*np.unique(names(truth, truth.dest), return_counts=True), strict=True))
    assert counts["RefusedBySeller"] / truth.orders == pytest.approx(0.1, abs=0.006)


def test_commands_missing_a_required_field_are_refused_at_the_scenario_s_rate() -> None:
    truth = generate(plain())
    commands = truth.commands
    ship = commands.action == [a.name for a in truth.rules.actions].index("ship")
    attempts = np.unique(commands.order[ship], return_index=True)[1]
    first_allowed = commands.allowed[ship][attempts]
    assert 1 - first_allowed.mean() == pytest.approx(0.2, abs=0.01)
    blocked = [
        commands.decisions[d] for d in np.unique(commands.decision[ship & ~commands.allowed])
    ]
    assert {b.params["field"] for d in blocked for b in d.blockers} == {"tracking_number"}


def test_a_refused_command_is_fixed_and_sent_again_after_the_retry_delay() -> None:
    truth = generate(plain())
    c = truth.commands
    ship = np.flatnonzero(c.action == [a.name for a in truth.rules.actions].index("ship"))
    refused = ship[~c.allowed[ship]]
    order = c.order[refused[0]]
    mine = ship[c.order[ship] == order]
    assert c.allowed[mine].tolist() == [False, True]
    assert int(c.time[mine[1]] - c.time[mine[0]]) == 7200


def test_the_seller_acts_only_after_a_fetch_has_shown_the_order() -> None:
    truth = generate(plain(), days=5)
    c = truth.commands
    by_order = np.lexsort((truth.time, truth.order))
    keys = truth.order[by_order].astype(np.int64) * 2**32 + truth.time[by_order]
    before = np.searchsorted(keys, c.order.astype(np.int64) * 2**32 + c.time, side="left") - 1
    entered = truth.time[by_order][before]
    first_poll = POLLS[np.searchsorted(POLLS, entered, side="left")]
    assert np.all(c.time >= first_poll)
    assert np.all(truth.dest[by_order][before] == c.status)  # at the status it acted on
    accept = c.action == 0
    assert np.min((c.time - first_poll)[accept]) >= 1  # the delay runs from the fetch


def test_the_timer_cancels_orders_the_seller_does_not_answer() -> None:
    truth = generate(shipped("baseline", 3000), days=10)
    auto = truth.trigger == truth.triggers.index("auto_cancel")
    created = truth.time[truth.source == NONE]
    by_order = np.full(truth.orders, -1, np.int64)
    by_order[truth.order[truth.source == NONE]] = created
    assert auto.sum() == 54  # 1.8 % of the 3,000 seed-1 orders
    assert np.all(truth.time[auto] - by_order[truth.order[auto]] == 48 * 3600)
    assert set(names(truth, truth.dest[auto])) == {"AutomaticCancellation"}


def test_a_slow_seller_gets_more_automatic_cancellations_than_the_baseline() -> None:
    def cancelled(name: str) -> int:
        truth = generate(shipped(name, 4000), days=10)
        return int(np.sum(truth.trigger == truth.triggers.index("auto_cancel")))

    # Of 4,000 seed-1 orders: 2.1 % unanswered in 48 hours, 25 % when the seller is slow.
    assert (cancelled("baseline"), cancelled("slow_seller")) == (83, 1019)


def test_fulfilled_orders_arrive_already_shipped() -> None:
    truth = generate(shipped("baseline", 3000), days=3)
    flag = truth.fields.column("fulfilled_by_marketplace") == truth.fields.code(
        "fulfilled_by_marketplace", True
    )
    first = truth.source == NONE
    arrived = np.empty(truth.orders, np.int16)
    arrived[truth.order[first]] = truth.dest[first]
    assert set(names(truth, arrived[flag])) == {"Shipped"}
    assert flag.mean() == pytest.approx(0.08, abs=0.015)


def test_the_same_seed_gives_the_same_truth() -> None:
    a, b = generate(shipped("baseline", 500), seed=3), generate(shipped("baseline", 500), seed=3)
    assert a.time.tolist() == b.time.tolist() and a.dest.tolist() == b.dest.tolist()
    c = generate(shipped("baseline", 500), seed=4)
    assert a.time.tolist() != c.time.tolist()


@pytest.mark.parametrize("far", [1000, 1 << 40])
def test_the_truth_is_put_in_time_then_order_order_whether_or_not_its_key_packs(far: int) -> None:
    # Times 2**40 apart do not pack with orders and positions into 64 bits: the other sort.
    events = Columns({"order": np.int32, "time": np.int64})
    events.add(order=np.asarray([3, 1, 2], np.int32), time=np.asarray([far, -far, far]))
    events.add(order=np.asarray([0, 1], np.int32), time=np.asarray([-far, 7]))
    assert time_order(events).tolist() == [3, 1, 4, 2, 0]
