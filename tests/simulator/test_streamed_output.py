"""Streaming the tables chunk by chunk writes what writing them whole wrote.

The digests below were taken from the files of these runs (fixed seed) written by the simulator
before its tables were streamed (the truth, commands and orders built whole, then sliced), with
the same chunk sizes: every Parquet file's frame (read back, as CSV text), its row groups, every
CSV file's bytes and the summary. Small chunks (700 engine events a drain, 1,000 rows a chunk)
put several chunk boundaries in every table.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

import simulator.results.summary as summary
import simulator.run.runner as runner
import simulator.world.truth as truth
from simulator.results.columns import Encoder
from simulator.results.output import RunFiles
from simulator.results.summary import summarise
from simulator.run.channel import order_id

from .small_world import shipped, small_run

# (scenario, orders, days) -> file -> (frame digest, row groups) or bytes digest
EXPECTED: dict[tuple[str, int, int, str], dict[str, object]] = {
    ("baseline", 1500, 10, "parquet"): {
        "anomalies.parquet": ("85261d8870ba52b2", [0]),
        "commands.parquet": ("b7f5fc711645c3e6", [1000, 1000, 313]),
        "events.parquet": (
            "dcc6aed2722b9ad6",
            [700, 703, 703, 712, 701, 713, 700, 705, 703, 709, 276],
        ),
        "orders.parquet": ("bb578d28e8390b06", [1000, 500]),
        "summary.json": "2d12813b450d23e3",
        "truth.parquet": ("fba495a923857293", [1000] * 7 + [458]),
    },
    ("baseline", 1500, 10, "csv"): {
        "anomalies.csv": "736f74cd5acccb3d",
        "commands.csv": "9e0a3563b3bc630c",
        "events.csv": "b41cf9445732df5c",
        "orders.csv": "d3dc652ef687987e",
        "summary.json": "2d12813b450d23e3",
        "truth.csv": "de516e8e2a94272b",
    },
    ("galeries_lafayette", 400, 6, "parquet"): {
        "anomalies.parquet": ("85261d8870ba52b2", [0]),
        "commands.parquet": ("3d41a179a2702d39", [610]),
        "events.parquet": ("088c25070878cddb", [700, 700, 711, 10]),
        "orders.parquet": ("3287108881afde47", [400]),
        "summary.json": "154e20c02ce842b5",
        "truth.parquet": ("7763739e1e2dc631", [1000, 1000, 123]),
    },
    ("galeries_lafayette", 400, 6, "csv"): {
        "anomalies.csv": "736f74cd5acccb3d",
        "commands.csv": "be16679a3f3b4191",
        "events.csv": "3cd299b1012da108",
        "orders.csv": "6146c54a001b46ed",
        "summary.json": "154e20c02ce842b5",
        "truth.csv": "d0e4351ee094569e",
    },
}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _read(path: Path) -> object:
    if path.suffix != ".parquet":
        return _digest(path.read_bytes())
    found = pq.ParquetFile(path)
    groups = [found.metadata.row_group(i).num_rows for i in range(found.num_row_groups)]
    return (_digest(found.read().to_pandas().to_csv(index=False).encode()), groups)


@pytest.mark.parametrize("case", list(EXPECTED), ids=lambda c: "-".join(map(str, c)))
def test_streamed_files_are_the_files_written_whole(
    case: tuple[str, int, int, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, orders, days, fmt = case
    monkeypatch.setattr(runner, "CHUNK", 700)
    scenario = shipped(name, orders)
    files = RunFiles(tmp_path, scenario, fmt, chunk_rows=1000)
    run = runner.simulate(scenario, days, 7, sink=files)
    files.finish(run)
    (tmp_path / "summary.json").write_text(json.dumps(summarise(run)))
    assert {p.name: _read(p) for p in sorted(tmp_path.iterdir())} == EXPECTED[case]


def test_walking_the_truth_in_short_spans_changes_no_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The summary's seller delays and the orders' final statuses walk the truth a span at a
    # time; spans of 97 changes (not 2**20) cut the run's 7,458 true changes into 77 spans.
    monkeypatch.setattr(summary, "SPAN", 97)
    monkeypatch.setattr(truth, "SPAN", 97)
    test_streamed_files_are_the_files_written_whole(
        ("baseline", 1500, 10, "parquet"), tmp_path, monkeypatch
    )


def test_order_ids_are_the_channel_s_with_nine_digits_and_more() -> None:
    encoder = Encoder(small_run().truth, [])
    nine = encoder.order_ids(np.asarray([0, 41, 999_999_998]))
    assert nine.to_pylist() == [order_id(0), "SIM000000042", "SIM999999999"]
    longer = encoder.order_ids(np.asarray([41, 999_999_999]))  # the 10-digit one: Arrow's way
    assert longer.to_pylist() == ["SIM000000042", "SIM1000000000"]
    assert order_id(999_999_999) == "SIM1000000000"
