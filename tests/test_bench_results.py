"""bench/results.json as `python -m bench` writes it, alone or merged into an earlier file."""

from __future__ import annotations

from pathlib import Path

from bench.__main__ import RESULTS, destination, written
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


def test_a_run_of_some_benchmarks_merges_into_the_results_unless_told_not_to() -> None:
    assert destination("full", None, ["ingest_bench"], None) == (RESULTS, True)
    assert destination("full", None, ["ingest_bench"], False) == (RESULTS, False)
    assert destination("full", None, None, None) == (RESULTS, False)


def test_a_tiny_run_writes_nothing_unless_given_a_file() -> None:
    assert destination("tiny", None, None, None) == (None, False)
    assert destination("tiny", Path("results-elsewhere.json"), ["a_bench"], None) == (
        Path("results-elsewhere.json"),
        True,
    )
