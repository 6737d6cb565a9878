"""bench/results.json as `python -m bench` writes it, alone or merged into an earlier file."""

from __future__ import annotations

from bench.__main__ import written
from bench.result import BenchResult


def _result() -> BenchResult:
    return BenchResult(
        name="sync_http", figures={"orders": 20.0}, ratios={"x_vs_y": 0.5}, agree={"same": True}
    )


def test_a_run_alone_writes_only_its_benchmarks() -> None:
    assert written([_result()]) == {
        "figures": {"sync_http.orders": 20.0},
        "ratios": {"x_vs_y": 0.5},
        "agree": {"sync_http.same": True},
    }


def test_a_merged_run_replaces_its_benchmark_and_keeps_the_others() -> None:
    earlier = {
        "figures": {"sync_http.orders": 10.0, "sync_http.gone": 1.0, "ingest.orders": 7.0},
        "ratios": {"x_vs_y": 0.9, "ingest_vs_sql": 1.4},
        "agree": {"sync_http.same": False, "ingest.same_orders": True},
    }
    assert written([_result()], earlier) == {
        "figures": {"ingest.orders": 7.0, "sync_http.orders": 20.0},
        "ratios": {"x_vs_y": 0.5, "ingest_vs_sql": 1.4},
        "agree": {"ingest.same_orders": True, "sync_http.same": True},
    }
