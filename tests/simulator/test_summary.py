"""The summary of a run: figures that add up, and a table that says them in words."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from simulator.results.report import render
from simulator.results.summary import _entered, _last_change, summarise
from simulator.world.truth import Commands

from .small_world import small_run


def test_the_summary_counts_every_order_once_and_names_the_timers() -> None:
    summary = summarise(small_run())
    assert summary["orders"] == 400
    assert sum(summary["final_status"].values()) == 400
    assert set(summary["timers"]) == {
        "seller_acceptance (auto_cancel)",
        "shipment (no_shipment)",
        "store_pick_up (not_picked_up)",
    }
    # 219 ships sent for the 400 seed-7 orders of 4 days; 10 more refused for a missing field.
    assert summary["seller"]["ship"] == {
        "sent": 219,
        "refused": 10,
        "median_hours": 18.91,
        "p90_hours": 34.25,
    }
    refused = sum(r["count"] for r in summary["refused"])
    assert refused == sum(s["refused"] for s in summary["seller"].values())


def test_the_table_reads_in_sentences() -> None:
    summary = summarise(small_run())
    text = render(summary)
    assert text.startswith(
        "Scenario 'baseline' on cdiscount 2026.11.1: 4 days from "
        "2026-01-05T00:00:00+00:00, seed 7\n"
    )
    assert re.search(r"^  orders +400$", text, re.MULTILINE)
    assert re.search(r"^  orders where the engine ends on the truth +400$", text, re.MULTILINE)
    for title in (
        "By final stage",
        "Timers fired",
        "Seller",
        "Commands refused, and why",
        "Anomalies",
        "What the polls saw",
        "Outbox",
    ):
        assert f"\n{title}\n{'-' * len(title)}\n" in text
    # The seed-7 seller tries 5 ships without a carrier and 5 without a tracking number.
    assert [(r["action"], r["count"]) for r in summary["refused"]] == [("ship", 5), ("ship", 5)]
    needs = "when delivery_mode in [TRK, REG, REL, RCO, SO1]"
    assert (
        "Commands refused, and why\n-------------------------\n"
        f"          5  ship: action 'ship' requires field 'carrier' {needs}\n"
        f"          5  ship: action 'ship' requires field 'tracking_number' {needs}\n"
    ) in text


def test_figures_without_a_value_read_as_a_dash_and_hours_keep_two_decimals() -> None:
    summary = summarise(small_run())
    summary["outbox"]["median_minutes_to_confirm"] = None  # nothing was sent
    summary["seller"] = {"ship": {"sent": 3, "refused": 0, "median_hours": 78.0, "p90_hours": 9.5}}
    text = render(summary)
    assert re.search(r"^  minutes to confirm \(median\) +–$", text, re.MULTILINE)
    assert re.search(r"^  ship: hours at the status \(median\) +78\.00$", text, re.MULTILINE)
    assert re.search(r"^  ship: hours at the status \(p90\) +9\.50$", text, re.MULTILINE)
    fetches = summary["polls"]["fetches"]
    assert re.search(rf"^  fetches +{fetches:,}$", text, re.MULTILINE)
    sweeps = summary["polls"]["sweep_windows"]
    assert re.search(rf"^  of which sweep windows +{sweeps:,}$", text, re.MULTILINE)


def test_an_order_entered_its_status_at_its_last_change_strictly_before_the_instant() -> None:
    # Times 2**62 apart: offsets from the earliest would overflow a key, so times are ranked.
    far = 1 << 62
    for low, high in ((0, 1_000), (-far, far)):
        truth = replace(
            small_run().truth,
            arrival=np.asarray([low, 0], np.int64),
            order=np.asarray([0, 1, 0, 1], np.int32),
            time=np.asarray([low, 0, 10, high], np.int64),
        )
        order = np.asarray([0, 0, 0, 1, 1], np.int32)
        time = np.asarray([5, 10, 11, high, high + 1], np.int64)
        assert _last_change(truth, order, time).tolist() == [low, low, 10, 0, high]


def test_a_command_s_status_was_entered_its_wait_before_or_at_the_last_earlier_change() -> None:
    # Order 0 changes at 0 and 10, order 1 at 0 and 1000; the commands at 10 and 1000 came the
    # instant their order got there (no wait): they entered at the change before.
    at = np.asarray([5, 10, 11, 1000], np.int64)
    truth = replace(
        small_run().truth,
        arrival=np.asarray([0, 0], np.int64),
        order=np.asarray([0, 1, 0, 1], np.int32),
        time=np.asarray([0, 0, 10, 1000], np.int64),
        commands=Commands(
            order=np.asarray([0, 0, 0, 1], np.int32),
            time=at,
            status=np.zeros(4, np.int16),
            action=np.zeros(4, np.int16),
            decision=np.zeros(4, np.int32),
            waited=np.asarray([5, 0, 1, 0], np.int32),
        ),
    )
    assert _entered(truth).tolist() == [0, 0, 10, 0]
