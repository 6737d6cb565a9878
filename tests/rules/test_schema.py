"""The JSON Schema of the rule format: committed, valid, and agreeing with the loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.rulefile import builder
from engine.rulefile.json_schema import key_paths, rule_file_schema, schema_text
from engine.rulefile.loader import check_text
from engine.rulefile.yaml_source import load_located

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "rules").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(rule_file_schema())


def _data(text: str) -> Any:
    data, problems = load_located(text, "t.yaml")
    assert problems == []
    return data


def _errors(text: str) -> list[str]:
    return sorted(
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in VALIDATOR.iter_errors(_data(text))
    )


MINIMAL = """\
format: 1
marketplace: {code: m, rules_version: "1"}
statuses:
  A: {stage: new, initial: true}
  B: {stage: shipped, final: true}
transitions:
  - {trigger: go, from: A, to: B, actor: seller}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""


def test_the_committed_schema_file_is_the_output_of_the_code() -> None:
    committed = (ROOT / "rules" / "orderflow.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: orderflow schema > rules/orderflow.schema.json"


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = rule_file_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_shipped_rule_file_satisfies_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./orderflow.schema.json"
    assert _errors(text) == []


def test_there_are_three_shipped_rule_files() -> None:
    names = [p.name for p in RULE_FILES]
    assert names == ["cdiscount.yaml", "cdiscount_octopia.yaml", "galeries_lafayette.yaml"]


def test_top_level_keys_are_the_builders() -> None:
    schema = rule_file_schema()
    assert tuple(schema["properties"]) == builder.TOP_KEYS
    assert tuple(schema["required"]) == builder.REQUIRED_TOP
    assert schema["properties"]["format"] == {
        "const": 1,
        "description": "The version of this format.",
    }


def test_a_minimal_file_is_valid() -> None:
    assert _errors(MINIMAL) == []


@pytest.mark.parametrize("schedule", ["overlap: 0, ", "overlap: 0s, ", ""])
def test_the_overlap_is_optional_and_may_be_zero_as_the_loader_reads_it(schedule: str) -> None:
    # The loader reads a missing overlap as none, and 0 as a valid one; the schema flagged both.
    assert _errors(MINIMAL.replace("overlap: 2h, ", schedule)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("stage: shipped", "stage: shiped", "statuses/B/stage: 'shiped' is not one of"),
        ("actor: seller", "actor: robot", "transitions/0/actor: 'robot' is not one of"),
        ("every: 15m", "every: soon", "schedule/every: 'soon' is not valid under any"),
        ("every: 15m", "every: 0", "schedule/every: 0 is not valid under any"),
        ("initial: true", "initial: 1", "statuses/A/initial: 1 is not of type 'boolean'"),
        ("format: 1", "format: 2", "format: 1 was expected"),
        ("to: B,", "to: B, colour: red,", "transitions/0: Additional properties are not"),
        ("marketplace: {code: m, ", "marketplace: {", "marketplace: 'code' is a required"),
    ],
)
def test_wrong_shapes_are_rejected(old: str, new: str, expected: str) -> None:
    assert old in MINIMAL
    errors = _errors(MINIMAL.replace(old, new, 1))
    assert len(errors) == 1
    assert errors[0].startswith(expected)


def test_conditions_are_one_of_the_five_forms() -> None:
    good = MINIMAL.replace(
        "actor: seller}",
        "actor: seller, when: {all: [{field: f, in: [X]}, {not: {field: g, present: true}}]}}",
    )
    assert _errors(good) == []
    bad = MINIMAL.replace("actor: seller}", "actor: seller, when: {field: f, is: X}}")
    assert _errors(bad) == [
        "transitions/0/when: {'field': 'f', 'is': 'X'} is not valid under any of the given schemas"
    ]


def test_key_paths_of_a_small_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "m": {
                "type": "object",
                "propertyNames": {"title": "thing"},
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "c": {"$ref": "#/$defs/d"},
                        "l": {"items": {"$ref": "#/$defs/d"}},
                    },
                },
            },
            "s": {"items": {"anyOf": [{"type": "string"}, {"properties": {"x": {}}}]}},
        },
        "$defs": {"d": {"oneOf": [{"properties": {"e": {}}}, {"properties": {"e": {}, "f": {}}}]}},
    }
    assert key_paths(schema) == (
        "a",
        "a.b",
        "m",
        "m.<thing>.c",
        "<d>.e",
        "<d>.f",
        "m.<thing>.l",
        "s",
        "s[].x",
    )


def test_key_paths_of_the_rule_format_include_nested_keys() -> None:
    paths = key_paths()
    assert len(paths) == 84
    assert "actions.<action>.requires[].when" in paths
    assert "lines.statuses" in paths and "actions.<action>.lines" in paths
    assert "marketplace.action_types" in paths
    assert "fields.<field>.values.<code>.aliases" in paths
    assert "<condition>.present" in paths


def test_a_list_of_one_status_is_one_name_for_the_schema_as_for_the_loader() -> None:
    one = MINIMAL.replace("to: B,", "to: [B],")
    assert one != MINIMAL and _errors(one) == []
    assert check_text(one, "t.yaml")[1] == []
    two = MINIMAL.replace("to: B,", "to: [A, B],")
    assert len(_errors(two)) == 1 and _errors(two)[0].startswith("transitions/0/to: ")
