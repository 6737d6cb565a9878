"""Field paths: every syntax, fallbacks, malformed paths, and writing back what is read."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.rulefile.field_paths import (
    Filter,
    Index,
    Key,
    PathSyntaxError,
    PathTree,
    compile_path,
    compile_paths,
)

ORDER = {
    "marketplace_status": "Shipped",
    "currency": {"iso_a3": "EUR"},
    "order_types": [
        {"type": "is_prime", "label": "Prime"},
        {"type": "is_delivered_by_marketplace", "label": "Fulfilled"},
    ],
    "packages": [
        {
            "delivery": {
                "trackings": [
                    {"number": "8V1", "carrier": "LAPOSTE", "is_delivered_by_marketplace": True},
                    {"number": "8V2", "carrier": "UPS", "is_delivered_by_marketplace": False},
                ]
            }
        }
    ],
}


def test_compiles_keys_indices_and_filters() -> None:
    path = compile_path("packages[0].delivery.trackings[carrier=UPS].number")
    assert path.steps == (
        Key("packages"),
        Index(0),
        Key("delivery"),
        Key("trackings"),
        Filter("carrier", "UPS"),
        Key("number"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("marketplace_status", "Shipped"),
        ("currency.iso_a3", "EUR"),
        ("packages[0].delivery.trackings[1].number", "8V2"),
        ("packages[0].delivery.trackings[-1].carrier", "UPS"),
        ("packages[0].delivery.trackings[carrier=UPS].number", "8V2"),
        ("packages[0].delivery.trackings[is_delivered_by_marketplace=true].number", "8V1"),
        ("order_types[type=is_prime].label", "Prime"),
        ("packages[0].delivery.trackings[0].is_delivered_by_marketplace", True),
    ],
)
def test_reads_every_syntax(text: str, expected: object) -> None:
    assert compile_path(text).read(ORDER) == expected


def test_filter_yields_the_item_when_it_exists() -> None:
    item = compile_path("order_types[type=is_delivered_by_marketplace]").read(ORDER)
    assert item == {"type": "is_delivered_by_marketplace", "label": "Fulfilled"}


@pytest.mark.parametrize(
    "text",
    [
        "missing",
        "currency.missing",
        "packages[3].delivery",
        "packages[-2].delivery",
        "order_types[type=is_business]",
        "currency[0]",  # an index on a dict
        "marketplace_status.deeper",  # a key on a text
        "currency[type=x]",  # a filter on a dict
    ],
)
def test_a_path_that_finds_nothing_reads_none(text: str) -> None:
    assert compile_path(text).read(ORDER) is None


def test_the_first_non_null_path_wins() -> None:
    paths = compile_paths(
        ["order_types[type=is_business]", "currency.nothing", "currency.iso_a3", "marketplace"]
    )
    assert PathTree([paths]).read(ORDER) == ["EUR"]
    assert PathTree([compile_paths(["a", "b.c"])]).read(ORDER) == [None]


def test_a_false_value_is_not_null_and_wins() -> None:
    paths = compile_paths(["packages[0].delivery.trackings[1].is_delivered_by_marketplace", "x"])
    assert PathTree([paths]).read(ORDER) == [False]


def test_a_tree_reads_each_group_as_its_first_path_found() -> None:
    """Groups sharing prefixes, a path twice, a filter, a fallback found after its first path."""
    tracking = "packages[0].delivery.trackings[0]"
    groups = [
        compile_paths(["packages[0].delivery.type", "currency.iso_a3"]),
        compile_paths([f"{tracking}.carrier"]),
        compile_paths([f"{tracking}.nothing", f"{tracking}.is_delivered_by_marketplace"]),
        compile_paths(["order_types[type=is_delivered_by_marketplace].label"]),
        compile_paths([f"{tracking}.carrier", "marketplace_status"]),
        compile_paths(["packages[1].delivery", "currency[0]", "marketplace_status.deeper"]),
    ]
    assert PathTree(groups).read(ORDER) == ["EUR", "LAPOSTE", True, "Fulfilled", "LAPOSTE", None]


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("", 1, "the path is empty"),
        ("packages[0", 9, "'[' is never closed"),
        ("packages[x]", 10, "'[x]' is neither an index like [0] nor a filter like [type=value]"),
        ("order_types[=x]", 13, "filter '[=x]' needs the form [key=value]"),
        ("order_types[type=]", 13, "filter '[type=]' needs the form [key=value]"),
        ("currency..iso", 10, "expected a key after '.', found '.'"),
        ("currency.", 10, "expected a key after '.', found the end"),
        ("packages[0]x", 12, "unexpected 'x'"),
        (".currency", 1, "expected a key, found '.'"),
        ("order_types[type=x][0]", 20, "a filter picks an object: only '.key' may follow it"),
    ],
)
def test_a_malformed_path_fails_with_its_column(text: str, column: int, reason: str) -> None:
    with pytest.raises(PathSyntaxError) as caught:
        compile_path(text)
    assert caught.value.column == column
    assert caught.value.reason == reason
    assert str(caught.value).startswith(f"field path '{text}', column {column}: {reason}")


def test_error_message_shows_a_caret_under_the_column() -> None:
    with pytest.raises(PathSyntaxError) as caught:
        compile_path("packages[0")
    assert str(caught.value).splitlines()[1:] == ["  packages[0", "          ^"]


def test_write_builds_what_read_reads() -> None:
    document: dict[str, object] = {}
    compile_path("packages[0].delivery.trackings[0].carrier").write(document, "13")
    compile_path("packages[0].delivery.trackings[0].number").write(document, "X1")
    compile_path("order_types[type=is_delivered_by_marketplace]").write(document, True)
    assert document == {
        "packages": [{"delivery": {"trackings": [{"carrier": "13", "number": "X1"}]}}],
        "order_types": [{"type": "is_delivered_by_marketplace"}],
    }


def test_writing_a_false_flag_removes_the_item() -> None:
    document: dict[str, object] = {"order_types": [{"type": "a"}, {"type": "b"}]}
    compile_path("order_types[type=a]").write(document, False)
    assert document == {"order_types": [{"type": "b"}]}


def test_write_through_a_filter_creates_the_item_once() -> None:
    document: dict[str, object] = {}
    compile_path("lines[kind=main].amount").write(document, 3)
    compile_path("lines[kind=main].quantity").write(document, 2)
    assert document == {"lines": [{"kind": "main", "amount": 3, "quantity": 2}]}


def test_write_at_a_negative_index_counts_from_the_end() -> None:
    # A rule file may read `trackings[-1]` (the last one); the twin writing it into an empty
    # list raised IndexError.
    document: dict[str, object] = {}
    compile_path("packages[-2].number").write(document, "X1")
    assert document == {"packages": [{"number": "X1"}, None]}
    assert compile_path("packages[-2].number").read(document) == "X1"
    compile_path("packages[-1]").write(document, 7)
    assert document == {"packages": [{"number": "X1"}, 7]}


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=8)
steps = st.one_of(
    names.map(Key),
    st.integers(-3, 3).map(Index),
    st.tuples(names, names).map(lambda kv: Filter(*kv)),
)


def spelled(path: list[Key | Index | Filter]) -> str:
    text = ""
    for step in path:
        if isinstance(step, Key):
            text += f".{step.name}" if text else step.name
        elif isinstance(step, Index):
            text += f"[{step.position}]"
        else:
            text += f"[{step.key}={step.value}]"
    return text


@settings(max_examples=60, derandomize=True)
@given(first=names, rest=st.lists(steps, max_size=5), value=st.text(min_size=1, max_size=5))
def test_any_path_compiles_back_to_its_steps_and_reads_what_it_wrote(
    first: str, rest: list[Key | Index | Filter], value: str
) -> None:
    path = [Key(first), *rest]
    # A filter picks an object, so only a key may follow it.
    assume(all(isinstance(b, Key) for a, b in pairwise(path) if isinstance(a, Filter)))
    compiled = compile_path(spelled(path))
    assert compiled.steps == tuple(path)
    document: dict[str, object] = {}
    if isinstance(path[-1], Filter):
        compiled.write(document, True)
        assert compiled.read(document) == {path[-1].key: path[-1].value}
    else:
        compiled.write(document, value)
        assert compiled.read(document) == value
