"""Comparisons: paired differences with Student's t intervals, on the same arrivals, anywhere."""

from __future__ import annotations

import math

import pytest

from simulator.results.compare import (
    Difference,
    Job,
    compare,
    dask_map,
    differences,
    local_map,
    metrics,
    render,
    replicate,
    t95,
)
from simulator.results.summary import summarise

from .small_world import shipped, small_run


def test_paired_differences_and_their_interval() -> None:
    pairs = [({"x": 1.0}, {"x": 2.0}), ({"x": 2.0}, {"x": 4.0}), ({"x": 3.0}, {"x": 6.0})]
    (found,) = differences(pairs)
    assert (found.first, found.second, found.difference) == (2.0, 4.0, 2.0)
    # d = 1, 2, 3: sd 1, n 3, t(2) = 4.303 -> half width 4.303 / sqrt(3)
    assert found.half_width == pytest.approx(2.4843, abs=1e-4)


def test_one_replication_has_no_interval_and_a_missing_figure_counts_zero() -> None:
    (found,) = differences([({"x": 1.0}, {})])
    assert found.half_width is None and found.difference == -1.0


def test_a_median_with_nothing_to_measure_is_unknown_not_zero_hours() -> None:
    # Replication 1: refunds on both sides; replication 2: none on the second side.
    hours = "refund: median hours at the status"
    pairs = [({hours: 10.0}, {hours: 14.0}), ({hours: 20.0}, {hours: math.nan})]
    (found,) = differences(pairs)
    assert (found.first, found.second, found.difference) == (15.0, 14.0, 4.0)
    assert found.half_width is None  # one pair where both sides were measured
    (never,) = differences([({hours: 3.0}, {hours: math.nan})])
    assert (never.second, never.difference, never.half_width) == (None, None, None)


def test_metrics_name_every_action_of_the_rules_even_without_commands() -> None:
    summary = summarise(small_run(orders=50, days=1))
    assert "refund" not in summary["seller"]  # no order lives long enough for a refund
    figures = metrics(summary, ["accept", "refund"])
    assert figures["refund: commands sent"] == 0.0
    assert math.isnan(figures["refund: median hours at the status"])
    assert (
        figures["accept: median hours at the status"] == summary["seller"]["accept"]["median_hours"]
    )


def test_the_table_says_unknown_with_a_dash_and_keeps_long_names_whole() -> None:
    found = [Difference("refund: median hours at the status", 5.0, None, None, None)]
    text = render(found, "baseline", "baseline on cdiscount_24h.yaml", 2)
    head, rule, row = text.splitlines()[2:5]
    assert head.split() == [
        "figure",
        "baseline",
        "baseline",
        "on",
        "cdiscount_24h.yaml",
        "difference",
    ]
    assert len(rule) == len(head)
    assert row.split()[-3:] == ["5.00", "–", "–"]


def test_student_quantiles() -> None:
    assert t95(1) == 12.706 and t95(9) == 2.262 and t95(200) == 1.96


def test_both_sides_of_a_replication_share_their_arrivals() -> None:
    first, second = replicate(Job(shipped("baseline", 150), shipped("slow_seller", 150), 2, 7, 0))
    assert first["orders"] == second["orders"] == 150
    assert (
        second["accept: median hours at the status"] > first["accept: median hours at the status"]
    )


def test_the_same_comparison_on_a_local_dask_cluster() -> None:
    from dask.distributed import LocalCluster

    base, slow = shipped("baseline", 120), shipped("slow_seller", 120)
    here = compare(base, slow, 2, 7, 2, local_map(workers=1))
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        there = compare(base, slow, 2, 7, 2, dask_map(cluster.scheduler_address))
    assert there == here
    # Orders, 4 final stages, 3 timers, commands sent and hours for 5 actions, commands refused,
    # anomalies, changes missed by the polls.
    assert len(here) == 21
    assert here[0] == Difference("orders", 120.0, 120.0, 0.0, 0.0)
