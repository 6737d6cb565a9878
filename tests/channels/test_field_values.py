"""The value conversions the mapper compiles once per field."""

from __future__ import annotations

import pytest

from engine.channels.field_values import Unreadable, converter, unicode_text
from engine.model.definition import FieldType, FieldValue, OrderField
from engine.model.text import is_storable


@pytest.mark.parametrize(
    ("text", "storable"),
    [("RCO", True), ("Relais Colis €", True), ("A\x00B", False), ("8V\ud83d", False), ("", True)],
)
def test_storable_text_has_no_nul_and_no_lone_surrogate(text: str, storable: bool) -> None:
    assert is_storable(text) is storable


def test_a_lone_surrogate_is_named_before_a_nul() -> None:
    with pytest.raises(Unreadable, match=r"^'\\x00\\ud800' is not valid Unicode text$"):
        unicode_text("\x00\ud800")


def test_each_type_converts_as_the_field_says() -> None:
    mode = OrderField("mode", FieldType.ENUM, values=(FieldValue("RCO", "Relais Colis"),))
    assert converter(mode)(" relais colis ") == "RCO"
    assert converter(mode)(None) is None
    assert converter(OrderField("flag", FieldType.BOOL))(None) is False
    assert converter(OrderField("amount", FieldType.NUMBER))("229.00") == 229.0
    assert converter(OrderField("at", FieldType.DATETIME))("2026-03-02T10:00:00+01:00") == (
        "2026-03-02T09:00:00+00:00"
    )
    assert converter(OrderField("at", FieldType.DATETIME))("  ") is None
    assert converter(OrderField("name", FieldType.STRING))(17) == "17"


def test_an_enum_converter_answers_the_same_from_memory() -> None:
    """The second time a text is seen it comes from the converter's memory: the same code, the
    same unlisted text kept as received, a number or flag converted apart, a NUL refused again."""
    mode = OrderField(
        "mode", FieldType.ENUM, values=(FieldValue("1", "Relais Colis"), FieldValue("TRK", "true"))
    )
    convert = converter(mode)
    for _ in range(2):
        assert convert(" relais colis ") == "1"
        assert convert(" Teleport ") == "Teleport"
        assert convert(1) == "1"
        assert convert(True) == "TRK"
        with pytest.raises(Unreadable, match="NUL"):
            convert("A\x00B")
