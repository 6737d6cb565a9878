"""Every benchmark runs at its tiny size, so the benchmark code cannot rot.

No timing is asserted (the machine is noisy): only that each benchmark measured what it names,
with positive figures (0 for a count of what must never happen), the ratios `make bench`
publishes, each with its peer described, and agreement between the sides: every benchmark checks
some, and every check holds.
"""

from __future__ import annotations

import importlib
import math

import pytest

from bench.__main__ import BENCHMARKS, table
from bench.outcome_mix import Moments, OutcomeMix, differences
from bench.result import BenchResult, Timed, interleaved
from tests.conftest import require_pg

EXPECTED_RATIOS = {
    "runtime_bench": {
        "bulk_vs_dict",
        "bulk_with_encoding_vs_dict",
        "bulk_vs_pytransitions",
        "command_vs_pytransitions",
    },
    "ingest_bench": {"ingest_vs_equal_sql", "ingest_vs_executemany"},
    "simulate_bench": {"simulate_vs_simpy"},
    "overview_bench": {"overview_vs_groupby"},
    "startup_bench": {"cli_help_vs_python", "validate_vs_python"},
    "sync_workers_bench": {"sync_4_workers_vs_1"},
    "read_log_bench": {"read_log_vs_plain_sql"},
}
# The agreement checks a benchmark writes, pinned where the check is the point of the benchmark.
EXPECTED_AGREE = {
    "simulate_bench": {"outcome_mix"},
    "ingest_bench": {
        "same_orders",
        "same_event_count",
        "same_events",
        "same_lines",
        "floor_same_orders",
    },
    "runtime_bench": {"final_statuses"},
    "overview_bench": {"same_daily_counts"},
    "app_bench": {"every_page_rendered", "overview_orders_equal_sql", "orders_created_equal_sql"},
    "calibrate_bench": {
        "calibrated_scenario_loads",
        "every_status_shares_sum_to_at_most_one",
    },
}
# The keys a benchmark writes, pinned where a benchmark reports agreement checks.
APP_PAGES = ("overview", "flow", "orders", "rules", "simulate", "sync")
# The Flow page's views (its "View" radio), each timed on its first visit and on the rerun after.
FLOW_VIEWS = (
    "process_map",
    "rule_diagram",
    "sankey",
    "time_in_status",
    "variants",
    "anomalies",
    "conformance",
)
EXPECTED_KEYS = {
    # No peer: the app's budgets are the goals (cold Overview, peak memory, each page warm).
    "app_bench": {
        "figures": {
            "events",
            "app_overview_cold_s",
            "app_overview_cold_cpu_s",
            "app_overview_peak_rss_mb",
            "app_pages_warm_s",
            *(f"app_warm_s.{page}" for page in APP_PAGES),
            *(f"app_warm_cpu_s.{page}" for page in APP_PAGES),
            *(
                f"app_{kind}.flow.{view}"
                for kind in ("warm_s", "warm_cpu_s", "again_s")
                for view in FLOW_VIEWS
            ),
        },
        "ratios": set(),
        "agree": {"every_page_rendered", "overview_orders_equal_sql", "orders_created_equal_sql"},
    },
    "check_bench": {
        "figures": {
            "check_seconds",
            "explore_seconds",
            "plain_hypothesis_seconds",
            "orders",
            "steps",
            "statuses_covered",
            "transitions_covered",
        },
        "ratios": {"check_vs_plain_hypothesis"},
        "agree": {"cli_exits_0_with_a_pass", "same_orders_explored"},
    },
    "startup_bench": {
        "figures": {"python_s", "cli_help_s", "validate_s"},
        "ratios": {"cli_help_vs_python", "validate_vs_python"},
        "agree": {"cli_help_exits_0_with_usage", "validate_exits_0"},
    },
    "memory_bench": {
        "figures": {
            "simulate_peak_rss_mb_1m",
            "simulate_peak_rss_mb_3m",
            "memory_bytes_per_order",
            "simulate_seconds_1m",
            "simulate_seconds_3m",
        },
        "ratios": set(),
        "agree": {"runs_have_their_orders", "files_hold_every_row", "engine_ends_on_the_truth"},
    },
    "sync_workers_bench": {
        "figures": {
            "sync_workers_1_s",
            "sync_workers_4_s",
            "sync_concurrency_4_s",
            "wall_workers_1_s",
            "wall_workers_4_s",
            "wall_concurrency_4_s",
            "orders",
            "duplicate_fetches",
        },
        "ratios": {"sync_4_workers_vs_1"},
        "agree": {
            "workers_exit_0_without_traceback",
            "no_page_fetched_twice",
            "every_run_leaves_the_same_store",
            "the_store_holds_the_twins_truth",
        },
    },
    "sync_http_bench": {
        "figures": {
            "sync_http_orders_per_s_20k",
            "sync_http_orders_per_s_100k",
            "sync_http_100k_over_20k",
            "sync_rss_mb_200k",
        },
        "ratios": set(),
        "agree": {
            "syncs_exit_0_without_traceback",
            "store_holds_as_many_orders_as_the_twin",
            "store_holds_the_twins_statuses",
        },
    },
}
# Figures that count what must never happen: 0 is their goal, and their value at the tiny size.
ZERO_GOALS = {"sync_workers_bench": {"duplicate_fetches"}}
# Benchmarks on a PostgreSQL server: skipped without one, failed so under CI (tests/conftest.py).
NEEDS_POSTGRES = {"sync_workers_bench"}


def test_every_expected_benchmark_exists() -> None:
    assert set(EXPECTED_RATIOS) <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_tiny(name: str) -> None:
    if name in NEEDS_POSTGRES:
        require_pg()
    result = importlib.import_module(f"bench.{name}").run("tiny")
    assert EXPECTED_RATIOS.get(name, set()) <= set(result.ratios)
    zero = ZERO_GOALS.get(name, set())
    for key, value in [*result.figures.items(), *result.ratios.items()]:
        assert math.isfinite(value) and (value == 0 if key in zero else value > 0), key
    assert set(result.peers) == set(result.ratios), "describe each ratio's peer: result.compare"
    assert result.agree, "every benchmark checks that its sides agree"
    assert all(result.agree.values()), (result.agree, result.notes)
    assert EXPECTED_AGREE.get(name, set()) <= set(result.agree)
    if name in EXPECTED_KEYS:
        written = {"figures": result.figures, "ratios": result.ratios, "agree": result.agree}
        assert {part: set(keys) for part, keys in written.items()} == EXPECTED_KEYS[name]


def test_the_sides_take_turns_and_each_keeps_its_median() -> None:
    calls: list[str] = []
    ticks = iter(range(100))
    rounds = interleaved(
        3,
        {
            "ours": lambda: calls.append("ours"),
            "peer": lambda: Timed(5.0, calls.append("peer")),  # timed by itself
        },
        clock=lambda: float(next(ticks)),
    )
    assert calls == ["ours", "peer"] * 3
    assert rounds.seconds == {"ours": [1.0, 1.0, 1.0], "peer": [5.0, 5.0, 5.0]}
    assert rounds.median("peer") == 5.0


def _mix(shipped: int, accept_mean: float) -> OutcomeMix:
    timed = {name: Moments(5_000, accept_mean, 3600.0**2) for name in ("accept", "ship")}
    return OutcomeMix(10_000, 30_000, {"Shipped": shipped, "Refused": 10_000 - shipped}, timed)


def test_outcome_mixes_agree_within_sampling_error_only() -> None:
    assert differences(_mix(5_000, 7200.0), _mix(5_050, 7230.0)) == []
    assert differences(_mix(5_000, 7200.0), _mix(5_350, 7200.0)) == [
        "orders ending at Refused: 50.0000% against 46.5000%",
        "orders ending at Shipped: 50.0000% against 53.5000%",
    ]
    assert differences(_mix(5_000, 7200.0), _mix(5_000, 7600.0)) == [
        "mean time to accept: 7,200s against 7,600s",
        "mean time to ship: 7,200s against 7,600s",
    ]


def test_the_table_shows_each_ratio_with_its_peer_and_agreement() -> None:
    result = BenchResult("demo", agree={"same": False})
    result.compare("demo_vs_peer", 1.0, 4.0, "a plain loop")
    row = next(line for line in table([result]).splitlines() if line.startswith("demo_vs_peer"))
    assert row.split() == ["demo_vs_peer", "0.250", "NO", "(same)", "a", "plain", "loop"]
