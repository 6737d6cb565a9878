"""Every benchmark runs at its tiny size, so the benchmark code cannot rot.

No timing is asserted (the machine is noisy): only that each benchmark measured what it names,
with positive figures, the ratios `make bench` publishes and agreement between the sides.
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
    "startup_bench": {"cli_help_vs_python", "validate_vs_python"},
}
# The keys a benchmark writes, pinned where a benchmark reports agreement checks.
EXPECTED_KEYS = {
    "startup_bench": {
        "figures": {"python_s", "cli_help_s", "validate_s"},
        "ratios": {"cli_help_vs_python", "validate_vs_python"},
        "agree": {"cli_help_exits_0_with_usage", "validate_exits_0"},
    },
}


def test_every_expected_benchmark_exists() -> None:
    assert set(EXPECTED_RATIOS) <= set(BENCHMARKS)


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_tiny(name: str) -> None:
    result = importlib.import_module(f"bench.{name}").run("tiny")
    assert EXPECTED_RATIOS.get(name, set()) <= set(result.ratios)
    for value in [*result.figures.values(), *result.ratios.values()]:
        assert math.isfinite(value) and value > 0
    assert all(result.agree.values()), result.agree
    if name in EXPECTED_KEYS:
        written = {"figures": result.figures, "ratios": result.ratios, "agree": result.agree}
        assert {part: set(keys) for part, keys in written.items()} == EXPECTED_KEYS[name]
