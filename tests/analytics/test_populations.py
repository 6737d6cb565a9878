"""Which orders each measure counts, on tests/analytics/populations.py: inferred stays (censored
within their poll bounds, or unbounded before the first observation), open orders, two
marketplaces. Every expected value is worked out by hand from the module's docstring."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from analytics.censoring import entries, spans
from analytics.eventlog import prepare
from analytics.flow import transitions
from analytics.funnel import funnels
from analytics.outcomes import outcomes
from analytics.overview import overview
from analytics.selection import LogFilter, filter_log
from analytics.timing import time_in_status, time_to
from analytics.variants import variants
from tests.analytics.populations import ACC, CD, DAY0, GL, PIP, RULES, SBS, WFSA, WFSH, H, raw


@pytest.fixture
def log() -> pd.DataFrame:
    return prepare(raw(), RULES.values())


def row(table: pd.DataFrame, market: str, status: str) -> pd.Series:
    return table.set_index(["marketplace", "status"]).loc[(market, status)]


def test_an_inferred_entry_is_placed_evenly_within_its_poll_bounds(log: pd.DataFrame) -> None:
    found = entries(log)
    at = pd.Series(found.estimate, index=log["order_id"].astype(str) + log["seq"].astype(str))
    hours = ((at - np.datetime64("2026-03-02T00:00")) / np.timedelta64(1, "h")).to_dict()
    # C1: two inferred statuses between the polls at 0h and 6h: at 2h and 4h, not at 6h.
    assert [hours[f"C1{i}"] for i in range(1, 5)] == [0.0, 2.0, 4.0, 6.0]
    assert hours["C42"] == 8.0 and hours["G13"] == 5.0 and hours["G22"] == 4.0
    # C2 was first seen at 10h: the statuses before have no lower bound, and no estimate.
    assert [pd.isna(hours[f"C2{i}"]) for i in range(1, 5)] == [True, True, True, False]
    low = pd.Series(found.low, index=at.index)
    assert low["C13"] == np.datetime64("2026-03-02T00:00") and pd.isna(low["C21"])


def test_time_in_status_measures_censored_stays_at_their_estimate(log: pd.DataFrame) -> None:
    table = time_in_status(log)
    wfsa = row(table, CD, WFSA)
    # C3 1h (known), C1 2h and C4 4h (censored), C2 unbounded.
    assert (wfsa["timed"], wfsa["known"], wfsa["censored"], wfsa["unbounded"]) == (3, 1, 2, 1)
    assert wfsa["median_s"] == 2 * H
    assert wfsa["known_median_s"] == 1 * H
    # Bounds: C1 0..6h, C3 1h..1h, C4 0..8h: the true median is between 0 and 6h.
    assert (wfsa["median_low_s"], wfsa["median_high_s"]) == (0.0, 6 * H)
    acc = row(table, CD, ACC)
    # C1 2h (0..6h), C4 4h (0..8h), C2 unbounded; C3 still there.
    assert (acc["timed"], acc["censored"], acc["unbounded"], acc["now"]) == (2, 2, 1, 1)
    assert (acc["median_s"], acc["median_low_s"], acc["median_high_s"]) == (3 * H, 0.0, 7 * H)
    assert pd.isna(acc["known_median_s"])
    assert row(table, CD, PIP)[["timed", "median_s"]].tolist() == [1, 2 * H]
    assert row(table, CD, WFSH)[["timed", "known", "median_s"]].tolist() == [2, 2, 17 * H]


def test_open_orders_are_counted_now_not_measured(log: pd.DataFrame) -> None:
    table = time_in_status(log)
    shipped_by_seller = row(table, CD, SBS)
    assert shipped_by_seller[["timed", "now", "median_s"]].tolist() == [1, 1, 24 * H]  # C1; C2
    assert row(table, CD, "Shipped")[["timed", "now"]].tolist() == [0, 1]


def test_each_marketplace_has_its_own_statuses_even_with_the_same_name(log: pd.DataFrame) -> None:
    table = time_in_status(log)
    assert row(table, GL, "Shipped")[["timed", "now"]].tolist() == [0, 1]
    assert row(table, CD, "Shipped")[["timed", "now"]].tolist() == [0, 1]
    waiting = row(table, GL, "WaitingAcceptance")
    # G1 3h (0..6h), G2 1h (0..2h).
    assert waiting[["timed", "censored", "median_s", "median_high_s"]].tolist() == [
        2,
        2,
        2 * H,
        4 * H,
    ]
    assert row(table, GL, "Staging")[["known", "censored", "median_s"]].tolist() == [1, 1, 1 * H]


def test_time_to_a_trigger_counts_inferred_entries_and_names_the_unbounded(
    log: pd.DataFrame,
) -> None:
    accept = time_to(filter_log(log, LogFilter(marketplaces=(CD,))), "trigger", ["accept"])
    first = accept.iloc[0]
    # C3 1h (known), C1 2h (0..6h) and C4 4h (0..8h) estimated; C2 first seen past creation.
    assert first[["timed", "known", "censored", "unbounded"]].tolist() == [3, 1, 2, 1]
    assert (first["median_s"], first["median_low_s"], first["median_high_s"]) == (
        2 * H,
        0.0,
        6 * H,
    )


def test_time_to_a_stage_spans_every_marketplace(log: pd.DataFrame) -> None:
    table = time_to(log, "stage", ["waiting_shipment", "accepted", "shipped"]).set_index("stage")
    # C1 6h and G1 7h known; C2 unbounded.
    assert table.loc["waiting_shipment", ["timed", "unbounded", "median_s"]].tolist() == [
        2,
        1,
        6.5 * H,
    ]
    # G1's debit was inferred in 2h..8h, created at 1h: 4h, between 1h and 7h.
    accepted = table.loc["accepted"]
    assert accepted[["censored", "median_s", "median_low_s", "median_high_s"]].tolist() == [
        1,
        4 * H,
        1 * H,
        7 * H,
    ]
    assert table.loc["shipped", ["timed", "median_s"]].tolist() == [2, 30.5 * H]  # C1 30h, G1 31h


def test_the_overview_median_is_the_time_to_the_stage(log: pd.DataFrame) -> None:
    view = overview(log, DAY0 + timedelta(days=3), days=7, rules=RULES)
    figures = {f.label: f for f in view.figures}
    median = figures["Median to shipped"]
    assert median.value == 30.5  # hours: the same orders as time_to's 'shipped'
    assert "Counted: 2 orders, 0 of them estimated." in median.help
    assert figures["Orders shipped"].value == 3  # C1, C2 (arrived there unseen) and G1
    # Lost: C4 and G2; shipped and not lost since: C1, C2, G1.
    assert figures["Lost share"].value == 40.0
    assert "Counted: 2 lost of 5 decided." in figures["Lost share"].help
    # C2, C3 and G1: Shipped is final for Cdiscount, not for Galeries Lafayette.
    assert figures["Open orders"].value == 3


def test_lost_share_leaves_open_orders_out(log: pd.DataFrame) -> None:
    assert outcomes(log).lost_share() == (40.0, 2, 5)
    only_open = filter_log(log, LogFilter(last_statuses=(ACC,)))  # C3
    assert outcomes(only_open).lost_share() == (None, 0, 0)


def test_the_edges_partition_the_stays_of_their_status(log: pd.DataFrame) -> None:
    table = transitions(log)
    out_of = table.loc[table["from_status"] == WFSA]
    assert out_of[["to_status", "count", "timed", "median_s"]].values.tolist() == [
        [ACC, 4, 3, 2 * H]
    ]
    stays = time_in_status(log).groupby("status")[["timed", "unbounded"]].sum()
    moves = table.groupby("from_status")[["count", "timed"]].sum()
    assert moves.loc[WFSA, "timed"] == stays.loc[WFSA, "timed"]
    assert moves.loc[WFSA, "count"] == stays.loc[WFSA, ["timed", "unbounded"]].sum()


def test_a_funnel_per_rule_file_on_its_own_stages(log: pd.DataFrame) -> None:
    split = {f.marketplace: f.funnel for f in funnels(log, RULES)}
    cdiscount = split[CD].steps.set_index("stage")
    assert list(cdiscount.index) == ["new", "waiting_shipment", "shipped"]
    assert cdiscount["reached"].tolist() == [4, 2, 2]
    assert cdiscount["skipped"].tolist() == [0, 0, 0]
    assert cdiscount["now"].tolist() == [1, 0, 2]
    assert cdiscount["left"].tolist() == [1, 0, 0]
    galeries = split[GL].steps.set_index("stage")
    assert list(galeries.index) == [
        "new",
        "waiting_acceptance",
        "accepted",
        "waiting_shipment",
        "shipped",
        "closed",
    ]
    assert galeries["reached"].tolist() == [2, 2, 1, 1, 1, 0]
    assert galeries["left"].tolist() == [0, 1, 0, 0, 0, 0]


def test_the_funnel_honours_the_marketplace_filter(log: pd.DataFrame) -> None:
    view = overview(filter_log(log, LogFilter(marketplaces=(CD,))), rules=RULES)
    assert [f.marketplace for f in view.funnels] == [CD]
    # No stage Cdiscount lacks, so nothing "skipped" it.
    assert view.funnel.steps["stage"].tolist() == ["new", "waiting_shipment", "shipped"]
    assert view.funnel.steps["skipped"].tolist() == [0, 0, 0]
    both = overview(log, rules=RULES)
    assert [f.marketplace for f in both.funnels] == [CD, GL]
    # Together, on the normalised stages: Cdiscount's shipped orders went past a stage it lacks.
    together = both.funnel.steps.set_index("stage")
    assert together.loc["waiting_acceptance", ["reached", "skipped"]].tolist() == [4, 2]


def test_variant_durations_leave_out_orders_first_seen_late(log: pd.DataFrame) -> None:
    table = variants(log).set_index("variant")
    late = " → ".join([WFSA, ACC, PIP, WFSH, SBS])
    assert table.loc[late, "orders"] == 1 and pd.isna(table.loc[late, "median_s"])  # C2
    assert table.loc[f"{WFSA} → {ACC}", "median_s"] == 1 * H  # C3


def test_spans_from_creation_are_known_censored_or_unbounded(log: pd.DataFrame) -> None:
    found = entries(log)
    first = np.flatnonzero(log["seq"].to_numpy() == 1)
    took = spans(found, first, first + 1)
    assert took.kind.tolist() == [1, 2, 0, 1, 0, 1]  # C1..C4, G1, G2
    assert took.estimate[[0, 2, 3]].tolist() == [2 * H, 1 * H, 4 * H]


def test_the_last_poll_before_the_revealing_fetch_narrows_the_bounds() -> None:
    # Polled every hour: C1 was still waiting for acceptance at 5h, or the poll would have seen
    # it move; so it was accepted and its payment started in 5h..6h (at 5h20 and 5h40).
    hourly = [DAY0 + timedelta(hours=h) for h in range(60)]
    log = prepare(raw(), RULES.values(), polls=hourly)
    found = entries(log)
    keys = log["order_id"].astype(str) + log["seq"].astype(str)
    low = dict(zip(keys, hours_of(found.low), strict=True))
    at = dict(zip(keys, hours_of(found.estimate), strict=True))
    assert (low["C12"], at["C12"], at["C13"]) == (5.0, 5 + 1 / 3, 5 + 2 / 3)
    assert (low["C42"], at["C42"]) == (11.0, 11.5)
    # A status observed, or entered before the order was first seen, is not narrowed.
    assert low["C11"] == 0.0 and pd.isna(low["C21"])
    wfsa = row(time_in_status(log), CD, WFSA)
    # C3 1h known; C1 5h20 and C4 7h30 estimated, between 5h..6h and 7h..8h.
    assert wfsa["median_s"] == (5 + 1 / 3) * H
    assert (wfsa["median_low_s"], wfsa["median_high_s"]) == (5 * H, 6 * H)


def test_a_simulated_runs_seen_at_gives_its_polls() -> None:
    seen = raw().assign(seen_at=lambda f: f["at"] + timedelta(minutes=10))
    found = entries(prepare(seen, RULES.values()))
    # The polls that saw something: 10 past each hour an event came; the last before 6h: 5h10.
    assert hours_of(found.low)[1] == 5 + 1 / 6


def hours_of(times: np.ndarray) -> list[float]:
    hours: list[float] = (
        (times - np.datetime64("2026-03-02T00:00")) / np.timedelta64(1, "h")
    ).tolist()
    return hours
