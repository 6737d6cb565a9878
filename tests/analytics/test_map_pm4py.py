"""The process map agrees with pm4py: its edge counts are pm4py's directly-follows graph and its
start counts pm4py's start activities, its edge times (median, mean, total) pm4py's performance
DFG, on the XES export (`--inferred interval`: inferred entries at their estimate) read back by
pm4py. On the hand-made logs of tests/analytics: one marketplace each (pm4py merges statuses of
the same name), every stay bounded (an unbounded one is left out of the export, and counted,
untimed, on the map).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pm4py
import pytest

from analytics.eventlog import prepare
from analytics.export import write
from analytics.flow import START, process_map
from analytics.selection import LogFilter, filter_log
from tests.analytics import populations
from tests.analytics.conftest import deviating_log

# pm4py suggests a faster optional reader; the test reads a few traces.
pytestmark = pytest.mark.filterwarnings("ignore:Install the optional requirement")


def pm4py_log(log: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "log.xes"
    write(log, "xes", path, inferred="interval")
    return pm4py.read_xes(str(path), show_progress_bar=False)


def ours(log: pd.DataFrame) -> pd.DataFrame:
    """The map's edges between two statuses, deviations or not taken together (pm4py keys an
    edge by its two activities)."""
    edges = process_map(log).edges
    return edges.loc[edges["source"] != START]


def galeries() -> pd.DataFrame:
    both = prepare(populations.raw(), populations.RULES.values())
    return filter_log(both, LogFilter(marketplaces=(populations.GL,)))


@pytest.fixture(params=["conftest", "deviating", "galeries"])
def one_market(request: pytest.FixtureRequest, log: pd.DataFrame) -> pd.DataFrame:
    return {"conftest": lambda: log, "deviating": deviating_log, "galeries": galeries}[
        request.param
    ]()


def test_edge_and_start_counts_are_pm4pys(one_market: pd.DataFrame, tmp_path: Path) -> None:
    theirs = pm4py_log(one_market, tmp_path)
    dfg, starts, _ = pm4py.discover_dfg(theirs)
    counted = Counter[tuple[str, str]]()
    for row in ours(one_market).itertuples():
        counted[(row.source, row.target)] += int(row.count)
    assert dict(counted) == dict(dfg)
    edges = process_map(one_market).edges
    created = edges.loc[edges["source"] == START]
    assert dict(zip(created["target"], created["count"], strict=True)) == dict(starts)


def test_edge_times_are_pm4pys(log: pd.DataFrame, tmp_path: Path) -> None:
    for one in (log, galeries()):
        performance, _, _ = pm4py.discover_performance_dfg(pm4py_log(one, tmp_path))
        mine = ours(one).set_index(["source", "target"])
        assert set(mine.index) == set(performance)
        for edge, figures in performance.items():
            row = mine.loc[edge]
            assert [row["median_s"], row["mean_s"], row["total_s"]] == pytest.approx(
                [figures["median"], figures["mean"], figures["sum"]]
            ), edge
