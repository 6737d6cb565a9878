"""Reading JSON text: `json_text.loads` gives what `json.loads` gives, value for value, error for
error, on the inputs orjson reads apart and on generated documents and fragments."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.channels.json_text import loads


def same(a: object, b: object) -> bool:
    """Equal and of the same types all the way down: 1 is not 1.0, -0.0 is not 0.0, NaN is NaN,
    and a dict's keys come in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def stdlib(text: str | bytes) -> tuple[bool, object]:
    try:
        return True, json.loads(text)
    except ValueError as exc:
        return False, type(exc)


def ours(text: str | bytes) -> tuple[bool, object]:
    try:
        return True, loads(text)
    except ValueError as exc:
        return False, type(exc)


def agree(text: str | bytes) -> bool:
    (ok_a, a), (ok_b, b) = stdlib(text), ours(text)
    return ok_a == ok_b and (same(a, b) if ok_a else a is b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Past 64 bits orjson gives floats: the standard library's exact integers stay.
        ("123456789012345678901234", 123456789012345678901234),
        ("18446744073709551616", 18446744073709551616),
        ("-9223372036854775809", -9223372036854775809),
        ('{"id": [99999999999999999999]}', {"id": [99999999999999999999]}),
        # orjson refuses these; the standard library reads them.
        ("1e400", math.inf),
        ("-1e400", -math.inf),
        ('"\\ud800"', "\ud800"),
        ("\ufeff[1]".encode(), [1]),  # bytes with a UTF-8 byte order mark
        ('{"a": 1, "b": 2, "a": 3}', {"a": 3, "b": 2}),
        ('{"n": -0, "z": -0.0}', {"n": 0, "z": -0.0}),
        ('"\u20ac \\u20ac"', "€ €"),
        ('"\\u0000"', "\x00"),
        ("[1, 2.5, true, null]".encode("utf-16"), [1, 2.5, True, None]),
    ],
)
def test_reads_what_the_standard_library_reads(text: str | bytes, expected: object) -> None:
    assert same(loads(text), expected)


def test_nan_is_read_as_the_standard_library_reads_it() -> None:
    assert math.isnan(loads('{"x": NaN}')["x"])  # type: ignore[index]
    assert loads("[Infinity, -Infinity]") == [math.inf, -math.inf]


def test_a_lone_surrogate_in_the_text_itself_goes_to_the_standard_library() -> None:
    assert loads('["\ud83d"]') == ["\ud83d"]


@pytest.mark.parametrize(
    "text", ["", "[1,]", '"\x01"', "\ufeff[1]", "01", "[1] 2", "{'a': 1}", b"\xff[1]", "nan"]
)
def test_refuses_what_the_standard_library_refuses(text: str | bytes) -> None:
    with pytest.raises(ValueError) as ours_error:
        loads(text)
    with pytest.raises(ValueError) as their_error:
        json.loads(text)
    assert type(ours_error.value) is type(their_error.value)


_KEYS = st.sampled_from(["a", "b", "id", "€", "\ud800", "k\u0000", "packages"]) | st.text(
    max_size=4
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.integers(min_value=-(2**63) - 2, max_value=2**64 + 2)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.from_regex(r"[0-9]{15,24}", fullmatch=True)
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=400)
@given(_VALUES, st.booleans(), st.booleans())
def test_documents_read_alike(value: object, ascii_only: bool, as_bytes: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    if as_bytes:
        assert agree(text.encode("utf-8", "surrogatepass"))
    else:
        assert agree(text)


def _members(pairs: list[tuple[str, object]]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}"


@given(st.lists(st.tuples(_KEYS, _SCALARS), max_size=6))
def test_duplicate_keys_read_alike(pairs: list[tuple[str, object]]) -> None:
    assert agree(_members(pairs + pairs[:2]))


# Fragments of JSON syntax and numbers: most are no JSON at all, and both must say so alike.
_PIECES = st.sampled_from(
    [*'{}[],:-+.eE0123456789 "\\tnfu', "true", "null", "NaN", "Infinity", "1e999", "\\ud800"]
)


@settings(max_examples=600)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_fragments_read_or_fail_alike(text: str) -> None:
    assert agree(text)


@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["r", "e", "f"]))
def test_floats_are_rounded_alike(number: float, spelling: str) -> None:
    text = {"r": repr(number), "e": f"{number:.17e}", "f": f"{number:.12f}"}[spelling]
    assert agree(f"[{text}]")
