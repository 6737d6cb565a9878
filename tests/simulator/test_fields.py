"""Order fields as code columns: drawn from a mix, grouped in cohorts, read back as records."""

from __future__ import annotations

import numpy as np
import pytest

import simulator.world.fields as fields_module
from engine.rulefile.loader import load_rules
from simulator.scenario.values import FieldMix
from simulator.world.fields import GENERATED, FieldTable

from .test_marketplace import RULES


def table(n: int = 6) -> FieldTable:
    return FieldTable(load_rules(RULES), n)


def test_a_mix_draws_its_shares_and_leaves_some_missing() -> None:
    fields = table(100_000)
    rows = np.arange(100_000)
    fields.draw(
        FieldMix("delivery_mode", (("STD", 3.0), ("TRK", 1.0)), 0.1), rows, np.random.default_rng(1)
    )
    column = fields.column("delivery_mode")
    assert np.mean(column == 0) == pytest.approx(0.1, abs=0.005)
    assert np.mean(column == fields.code("delivery_mode", "STD")) == pytest.approx(0.675, abs=0.01)


def test_fix_fills_every_row() -> None:
    fields = table()
    fields.draw(FieldMix("tracking_number", (), 1.0), np.arange(6), np.random.default_rng(1))
    assert fields.column("tracking_number").tolist() == [0] * 6
    fields.draw(
        FieldMix("tracking_number", (), 1.0), np.arange(6), np.random.default_rng(1), fix=True
    )
    assert {fields.record(fields.codes[i])["tracking_number"] for i in range(6)} == {GENERATED}


def test_cohorts_group_equal_rows_and_can_ignore_columns() -> None:
    fields = table()
    fields.set("delivery_mode", "TRK", np.arange(6))
    fields.set("carrier", "14", np.array([0, 1, 2]))
    fields.set("fulfilled_by_marketplace", "true", np.array([5]))
    cohorts, inverse = fields.cohorts(np.arange(6))
    assert len(cohorts) == 3
    assert inverse.tolist()[:3] == [inverse[0]] * 3 and len({*inverse[3:5]}) == 1
    only_mode, which = fields.cohorts(np.arange(6), ("delivery_mode",))
    assert len(only_mode) == 1 and which.tolist() == [0] * 6
    assert fields.record(cohorts[inverse[5]]) == {
        "delivery_mode": "TRK",
        "fulfilled_by_marketplace": True,
    }


def test_keys_number_rows_by_some_columns() -> None:
    fields = table()
    fields.set("delivery_mode", "STD", np.array([0, 1]))
    fields.set("delivery_mode", "MAG", np.array([2]))
    keys, space = fields.keys(np.arange(3), ("delivery_mode", "fulfilled_by_marketplace"))
    assert space == 12 * 3  # 11 modes and missing, false/true and missing
    assert keys[0] == keys[1] != keys[2]


@pytest.mark.parametrize("dense", [True, False])
def test_a_cohort_of_some_columns_reads_the_others_as_missing(
    dense: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not dense:  # more possible rows than a table would hold: a sort of the rows instead
        monkeypatch.setattr(fields_module, "DENSE_KEYS", 1)
    fields = table()
    fields.set("delivery_mode", "TRK", np.arange(4))
    fields.set("carrier", "14", np.array([0, 1]))
    fields.set("delivery_mode", "REG", np.array([3]))
    cohorts, which = fields.cohorts(np.arange(4), ("delivery_mode",))
    assert [fields.record(c) for c in cohorts] == [
        {"delivery_mode": "TRK"},
        {"delivery_mode": "REG"},
    ]
    assert which.tolist() == [0, 0, 0, 1]
