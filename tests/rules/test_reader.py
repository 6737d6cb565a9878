"""Typed reads from located YAML: a wrong value is a located problem, never an exception."""

from __future__ import annotations

from engine.rulefile.reader import Reader
from engine.rulefile.yaml_source import LocatedDict, load_located


def located(text: str) -> LocatedDict:
    data, problems = load_located(text, "f.yaml")
    assert problems == []
    assert isinstance(data, LocatedDict)
    return data


def test_a_whole_number_past_the_largest_float_is_a_problem() -> None:
    # float() of a 400-digit integer raises OverflowError: `orderflow simulate` showed it raw.
    reader = Reader("f.yaml")
    data = located("per_day: " + "9" * 400 + "\nshare: 2\n")
    assert reader.scalar(data, "per_day", float, "the arrivals", 1.0) == 1.0
    assert reader.scalar(data, "share", float, "the arrivals") == 2.0
    assert [str(p) for p in reader.problems] == [
        f"f.yaml:1:10: 'per_day' of the arrivals is too large a number: {'9' * 40}..."
    ]
