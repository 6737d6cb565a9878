"""The store's JSON text (`dump_json`): what orjson writes, and where the standard library's
encoder takes over, pinned as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from engine.store.columns import dump_json


def test_a_document_is_compact_utf8_with_json_escapes_and_its_key_order() -> None:
    value = {"z": 'Évry\n"q"\\', "a": [1, 2.5, True, None], "ctl": "\x01"}
    assert dump_json(value) == '{"z":"Évry\\n\\"q\\"\\\\","a":[1,2.5,true,null],"ctl":"\\u0001"}'


def test_times_decimals_sets_and_mappings_go_through_the_store_s_own_rules() -> None:
    value = {
        "at": datetime(2026, 3, 2, 9, 0, 0, 120000, tzinfo=UTC),
        "day": date(2026, 3, 2),
        "price": Decimal("19.90"),
        "tags": frozenset({"x"}),
    }
    assert dump_json(value) == (
        '{"at":"2026-03-02T09:00:00.120000+00:00","day":"2026-03-02","price":19.9,"tags":["x"]}'
    )


def test_what_orjson_refuses_is_written_by_the_standard_library() -> None:
    assert dump_json({1: "x", None: 2}) == '{"1":"x","null":2}'
    assert dump_json([2**70]) == "[1180591620717411303424]"
    assert dump_json({"t": "a\ud800b"}) == '{"t":"a\\\\ud800b"}'
    assert dump_json({"t": "a\x00b"}) == '{"t":"a\\\\u0000b"}'


def test_a_value_the_store_cannot_keep_is_refused_by_name() -> None:
    @dataclass
    class Parcel:
        weight: int

    with pytest.raises(TypeError, match=r"cannot store a Parcel as JSON: .*Parcel\(weight=1\)"):
        dump_json({"parcel": Parcel(1)})
