"""Every benchmark runs at its tiny size, so the benchmark code cannot rot.

No timing is asserted (the machine is noisy): only that each benchmark measured what it names,
with positive figures and the ratios `make bench` publishes.
"""

from __future__ import annotations

import importlib
import math

import pytest

from bench.__main__ import BENCHMARKS

EXPECTED_RATIOS = {
    "runtime_bench": {
        "bulk_vs_dict",
        "bulk_with_encoding_vs_dict",
        "bulk_vs_pytransitions",
        "command_vs_pytransitions",
    },
    "ingest_bench": {"ingest_vs_executemany"},
    "simulate_bench": {"simulate_vs_simpy"},
    "overview_bench": {"overview_vs_groupby"},
}


def test_every_expected_benchmark_exists() -> None:
    assert set(EXPECTED_RATIOS) <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_tiny(name: str) -> None:
    result = importlib.import_module(f"bench.{name}").run("tiny")
    assert EXPECTED_RATIOS.get(name, set()) <= set(result.ratios)
    for value in [*result.figures.values(), *result.ratios.values()]:
        assert math.isfinite(value) and value > 0
