"""From a rule set back to the file format: exact output and lossless round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rulefile.loader import load_rules, load_rules_text
from engine.rulefile.serialize import duration_text, to_data, to_yaml

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "rules").glob("*.yaml"))

TINY = """\
format: 1
marketplace: {code: m, rules_version: "1.10"}
fields:
  mode:
    type: enum
    sources: [a.b]
    values:
      "1": {label: One, aliases: [uno]}
      "on":
  reason: {type: string}
  fba: {type: bool}
statuses:
  A: {stage: new, initial: true, description: Start.}
  B: {stage: shipped, final: true, origin: api}
transitions:
  - {trigger: go, from: [A], to: B, actor: seller, when: {not: {field: mode, in: ["1"]}}}
  - {trigger: late, from: A, to: B, actor: timer, description: Too slow.}
actions:
  go:
    at: A
    transition: go
    action_type: ship
    args: {why: reason, mode: {field: mode, optional: true}}
    requires: [{field: reason, when: {field: mode, present: true}, values: [x, "2"]}]
timers:
  wait: {status: A, after: 36h, fire: late}
import_policy:
  flag_field: fba
  arrives_at: B
  connectors: {Shop: option}
schedule: {every: 900, overlap: 90s, sweep_every: 1w, sweep_lookback: 5d}
mapping: {X_1: A}
"""


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(900, "15m"), (7200, "2h"), (172800, "2d"), (604800, "7d"), (90, "90s"), (3660, "61m")],
)
def test_durations_are_written_in_the_largest_exact_unit(seconds: int, text: str) -> None:
    assert duration_text(seconds) == text


def test_plain_data_uses_the_shapes_a_person_writes() -> None:
    data = to_data(load_rules_text(TINY, "tiny.yaml"))
    assert data == {
        "format": 1,
        "marketplace": {"code": "m", "name": "m", "rules_version": "1.10"},
        "fields": {
            "mode": {
                "type": "enum",
                "sources": ["a.b"],
                "values": {"1": {"label": "One", "aliases": ["uno"]}, "on": None},
            },
            "reason": {"type": "string"},
            "fba": {"type": "bool"},
        },
        "statuses": {
            "A": {"description": "Start.", "stage": "new", "initial": True},
            "B": {"stage": "shipped", "final": True, "origin": "api"},
        },
        "transitions": [
            {
                "trigger": "go",
                "from": "A",
                "to": "B",
                "actor": "seller",
                "when": {"not": {"field": "mode", "in": ["1"]}},
            },
            {
                "trigger": "late",
                "from": "A",
                "to": "B",
                "actor": "timer",
                "description": "Too slow.",
            },
        ],
        "actions": {
            "go": {
                "at": ["A"],
                "transition": "go",
                "action_type": "ship",
                "args": {"why": "reason", "mode": {"field": "mode", "optional": True}},
                "requires": [
                    {
                        "field": "reason",
                        "when": {"field": "mode", "present": True},
                        "values": ["x", "2"],
                    }
                ],
            }
        },
        "timers": {"wait": {"status": "A", "after": "36h", "fire": "late"}},
        "import_policy": {
            "flag_field": "fba",
            "arrives_at": "B",
            "import_by_default": False,
            "connectors": {"shop": "option"},
        },
        "schedule": {"every": "15m", "overlap": "90s", "sweep_every": "7d", "sweep_lookback": "5d"},
        "mapping": {"X_1": "A"},
    }


def test_yaml_text_quotes_texts_a_reader_would_take_for_numbers_or_booleans() -> None:
    text = to_yaml(load_rules_text(TINY, "tiny.yaml"))
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=./orderflow.schema.json"
    assert "  rules_version: '1.10'" in lines
    assert "      '1':" in lines
    assert "      'on': null" in lines
    assert "    after: 36h" in lines


def test_yaml_text_header_can_be_left_out() -> None:
    text = to_yaml(load_rules_text(TINY, "tiny.yaml"), header="")
    assert text.startswith("format: 1\n")


def test_the_tiny_rule_set_survives_a_round_trip() -> None:
    rules = load_rules_text(TINY, "tiny.yaml")
    again = load_rules_text(to_yaml(rules), "again.yaml")
    assert again == rules
    assert again.mapping == (("X_1", "A"),)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_every_shipped_rule_file_survives_a_round_trip(path: Path) -> None:
    rules = load_rules(path)
    again = load_rules_text(to_yaml(rules), "again.yaml")
    assert again == rules
    assert to_data(again) == to_data(rules)
