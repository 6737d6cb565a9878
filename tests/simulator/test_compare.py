"""Comparisons: paired differences with Student's t intervals, on the same arrivals, anywhere."""

from __future__ import annotations

import pytest

from simulator.compare import Job, compare, dask_map, differences, local_map, replicate, t95

from .small_world import shipped


def test_paired_differences_and_their_interval() -> None:
    pairs = [({"x": 1.0}, {"x": 2.0}), ({"x": 2.0}, {"x": 4.0}), ({"x": 3.0}, {"x": 6.0})]
    (found,) = differences(pairs)
    assert (found.first, found.second, found.difference) == (2.0, 4.0, 2.0)
    # d = 1, 2, 3: sd 1, n 3, t(2) = 4.303 -> half width 4.303 / sqrt(3)
    assert found.half_width == pytest.approx(2.4843, abs=1e-4)


def test_one_replication_has_no_interval_and_a_missing_figure_counts_zero() -> None:
    (found,) = differences([({"x": 1.0}, {})])
    assert found.half_width is None and found.difference == -1.0


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
    assert len(here) > 5
