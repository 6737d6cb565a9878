"""The vectorised encoders give the codes of the old per-element ones (tests/runtime/per_element).

Hand-written batches pin the codes of the awkward rows (an unknown status, None, an undeclared
trigger, a missing or None record, a mapping that is not a dict, values equal across types such
as True and 1, an unhashable value); a hypothesis test compares both on random batches of every
shipped rule file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.conditions import AllOf, FieldIn, FieldPresent
from engine.model.errors import UnknownName
from engine.runtime.bulk import BulkTable
from engine.runtime.bulk_encoding import ColumnEncoder
from tests.runtime import per_element
from tests.runtime.conftest import CDISCOUNT, RULE_FILES, rules_of, runtime_of
from tests.runtime.strategies import currents_of, fields_of

# In rules/cdiscount.yaml: statuses and triggers by declaration order; guards `not MAG`, `MAG`.
SELLER_ACCEPTATION, SHIPPED = 0, 6
ACCEPT, SHIP = 0, 9
NOT_MAG, MAG = 1, 2
# A delivery mode no spelling lists: both guards unknown, their bits two places higher.
UNKNOWN_MODE = (NOT_MAG | MAG) << 2


def cdiscount_bulk() -> BulkTable:
    return BulkTable(runtime_of(CDISCOUNT))


def test_statuses_unknown_and_none_are_minus_one() -> None:
    bulk = cdiscount_bulk()
    names = ["WaitingForSellerAcceptation", "Gone", None, "Shipped", "shipped", ""]
    codes = bulk.encode_statuses(names)
    assert codes.tolist() == [SELLER_ACCEPTATION, -1, -1, SHIPPED, -1, -1]
    assert codes.tolist() == per_element.statuses(bulk.status_code, names)
    assert codes.dtype.name == "int16"


def test_trigger_matrix_none_is_no_event() -> None:
    bulk = cdiscount_bulk()
    sequences: list[list[str | None]] = [["accept", None, "ship"], [], ["ship"], [None]]
    matrix = bulk.trigger_matrix(sequences)
    expected = [[ACCEPT, -1, SHIP], [-1, -1, -1], [SHIP, -1, -1], [-1, -1, -1]]
    assert matrix.tolist() == expected
    source = str(bulk.runtime.rules.source)
    assert expected == per_element.trigger_matrix(bulk.trigger_code, sequences, source)
    assert bulk.trigger_matrix([]).shape == (0, 1)


def test_undeclared_trigger_names_itself_as_before() -> None:
    bulk = cdiscount_bulk()
    names = ["accept", None, "teleport", "ship"]
    with pytest.raises(UnknownName) as old:
        per_element.triggers(bulk.trigger_code, names, str(bulk.runtime.rules.source))
    with pytest.raises(UnknownName) as new:
        bulk.trigger_matrix([["accept"], [None, "teleport", "ship"]])
    message = f"trigger 'teleport' is not declared in {CDISCOUNT}"
    assert str(new.value) == str(old.value) == message
    with pytest.raises(UnknownName, match="trigger 'teleport' is not declared"):
        bulk.encode_triggers(names)


def test_signatures_of_odd_records() -> None:
    bulk = cdiscount_bulk()
    fields: list[Mapping[str, object] | None] = [
        {"delivery_mode": "MAG"},
        {"delivery_mode": "TRK", "carrier": "X"},
        {},
        None,
        {"delivery_mode": None},
        MappingProxyType({"delivery_mode": "MAG"}),
        {"carrier": "MAG"},
        {"delivery_mode": "Click and collect"},
        {"delivery_mode": "Sivi"},
        {"delivery_mode": "  "},
    ]
    got = bulk.signatures(fields)
    assert got.tolist() == [
        MAG, NOT_MAG, NOT_MAG, NOT_MAG, NOT_MAG, MAG, NOT_MAG, MAG, UNKNOWN_MODE, NOT_MAG,
    ]  # fmt: skip
    old = per_element.signatures(bulk.runtime.paths.signature, ["delivery_mode"], fields)
    assert got.tolist() == old.tolist()
    assert got.dtype.name == "uint32"


def test_an_unhashable_value_gets_its_own_signature() -> None:
    bulk = cdiscount_bulk()
    fields: list[Mapping[str, object] | None] = [
        {"delivery_mode": ["MAG"]},
        {"delivery_mode": "MAG"},
        None,
    ]
    got = bulk.signatures(fields)
    assert got.tolist() == [UNKNOWN_MODE, MAG, NOT_MAG]  # a list is no listed value
    old = per_element.signatures(bulk.runtime.paths.signature, ["delivery_mode"], fields)
    assert got.tolist() == old.tolist()


class Defaulting(dict[str, object]):
    """A dict whose `get` answers for missing fields: a guard reads it through `get`."""

    def get(self, key: str, default: object = None) -> object:
        return super().get(key, "MAG")


# Two guarded fields, and a guard that tells True from 1 (and from 1.0, and "true").
GIFT = FieldIn("gift", ("true",))
WRAPPED = AllOf((FieldIn("gift", ("1",)), FieldPresent("note")))


def two_field_signature(record: Mapping[str, object]) -> int:
    return int(GIFT.holds(record)) | int(WRAPPED.holds(record)) << 1


def test_values_equal_across_types_stay_apart() -> None:
    encoder = ColumnEncoder(("A",), ("go",), (GIFT, WRAPPED), two_field_signature, "test")
    fields: list[Mapping[str, object] | None] = [
        {"gift": True, "note": "x"},
        {"gift": 1, "note": "x"},
        {"gift": 1.0, "note": "x"},
        {"gift": "true"},
        {"gift": 1, "note": " "},
        {"gift": True},
        {"gift": "1", "note": "y"},
        Defaulting(gift=1, note="x"),
        None,
    ]
    got = encoder.signatures(fields)
    assert got.tolist() == [1, 2, 0, 1, 0, 1, 2, 2, 0]
    old = per_element.signatures(two_field_signature, ["gift", "note"], fields)
    assert got.tolist() == old.tolist()


def test_a_dict_subclass_is_read_through_its_get() -> None:
    bulk = cdiscount_bulk()
    fields: list[Mapping[str, object] | None] = [
        Defaulting(carrier="X"),
        Defaulting(delivery_mode="TRK"),
        Defaulting(),
    ]
    assert bulk.signatures(fields).tolist() == [MAG, NOT_MAG, MAG]
    # The machine's guards read an empty Defaulting through its `get` too; the old encoder
    # alone swapped an empty record for {} (`record or {}`), so it is compared on the others.
    assert bulk.runtime.paths.signature(Defaulting()) == MAG
    old = per_element.signatures(bulk.runtime.paths.signature, ["delivery_mode"], fields[:2])
    assert old.tolist() == [MAG, NOT_MAG]


SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_random_batches_encode_as_before(path: Path) -> None:
    rules, runtime = rules_of(path), runtime_of(path)
    bulk = BulkTable(runtime)
    source = str(rules.source)
    trigger = st.one_of(st.sampled_from(runtime.table.triggers), st.none())
    order = st.tuples(currents_of(rules), fields_of(rules), st.lists(trigger, max_size=5))

    @SETTINGS
    @given(st.lists(order, max_size=30))
    def check(orders: list[tuple[str | None, dict[str, object], list[str | None]]]) -> None:
        initial = [status for status, _, _ in orders]
        fields = [f for _, f, _ in orders]
        sequences = [seq for _, _, seq in orders]
        assert bulk.encode_statuses(initial).tolist() == per_element.statuses(
            bulk.status_code, initial
        )
        old = per_element.signatures(runtime.paths.signature, bulk.encoder.guarded, fields)
        assert bulk.signatures(fields).tolist() == old.tolist()
        assert bulk.trigger_matrix(sequences).tolist() == per_element.trigger_matrix(
            bulk.trigger_code, sequences, source
        )

    check()
