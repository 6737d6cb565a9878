"""The `properties:` section: read into values, written back, and every mistake located."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from engine.model.conditions import AllOf, FieldIn, FieldPresent
from engine.model.errors import RuleFileInvalid
from engine.model.properties import Property, PropertyKind, StepPattern
from engine.rulefile.json_schema import rule_file_schema
from engine.rulefile.loader import load_rules, load_rules_text
from engine.rulefile.serialize import to_yaml
from tests.authoring.files import HEAD, PROMISE, RULES_DIR

STATUSES = """statuses:
  Open: {stage: new, initial: true}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: ship, from: Open, to: Done, actor: seller}
actions:
  ship: {at: [Open], transition: ship, action_type: ship}
"""


def test_each_kind_is_read_into_its_values() -> None:
    text = (
        HEAD
        + STATUSES
        + """properties:
  carried:
    description: Shipped orders of mode A have a carrier.
    always:
      enters: Done
      when: {field: mode, in: [A]}
      then: {all: [{field: carrier, present: true}]}
  stays:
    never: {leaves: [Done], by: seller}
  soon:
    eventually: {enters_stage: shipped, within: 2d, after: {action: ship, trigger: ship}}
"""
    )
    rules = load_rules_text(text, "p.yaml")
    assert rules.properties == (
        Property(
            "carried",
            PropertyKind.ALWAYS,
            StepPattern(enters=("Done",), when=FieldIn("mode", ("A",))),
            then=AllOf((FieldPresent("carrier"),)),
            description="Shipped orders of mode A have a carrier.",
        ),
        Property("stays", PropertyKind.NEVER, StepPattern(leaves=("Done",), by=("seller",))),
        Property(
            "soon",
            PropertyKind.EVENTUALLY,
            StepPattern(enters_stage=("shipped",)),
            within_seconds=172_800,
            after=StepPattern(trigger=("ship",), action=("ship",)),
        ),
    )
    assert rules.properties[0].where is not None and rules.properties[0].where.line == 15
    assert load_rules_text(to_yaml(rules), "back.yaml") == rules


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_shipped_files_declare_properties_and_write_them_back(path: Path) -> None:
    rules = load_rules(path)
    assert len(rules.properties) >= 4
    assert load_rules_text(to_yaml(rules), "back.yaml").properties == rules.properties


def test_a_file_without_properties_has_none() -> None:
    assert load_rules_text(HEAD + STATUSES, "p.yaml").properties == ()
    assert [p.name for p in load_rules_text(PROMISE, "p.yaml").properties] == [
        "shipped_with_a_carrier"
    ]


BAD = (
    HEAD
    + STATUSES
    + """properties:
  misspelt:
    never: {leaves: Dne, by: robot, enters_stage: shiped}
  no_then:
    always: {enters: Done}
  empty:
    never: {}
  two_kinds:
    always: {enters: Done, then: {field: carrier, present: true}}
    never: {leaves: Done}
  no_within:
    eventually: {enters: Done, after: {action: shp}}
  bad_condition:
    always: {trigger: shipp, then: {field: carier, present: true}, when: {field: mode, in: [C]}}
  unknown_key:
    never: {enters: Done, within: 2d}
  not_a_mapping: [never]
"""
)


def test_every_bad_entry_is_located_with_a_hint() -> None:
    with pytest.raises(RuleFileInvalid) as invalid:
        load_rules_text(BAD, "bad.yaml")
    assert [str(p) for p in invalid.value.problems] == [
        "bad.yaml:16:21: 'leaves' of 'never' of property 'misspelt' names unknown status 'Dne' "
        "(did you mean 'Done'?)",
        "bad.yaml:16:30: 'by' of 'never' of property 'misspelt' names unknown actor 'robot' "
        "(the actors are seller, marketplace, customer, payment, timer)",
        "bad.yaml:16:51: 'enters_stage' of 'never' of property 'misspelt' names unknown stage "
        "'shiped' (did you mean 'shipped'?)",
        "bad.yaml:18:13: 'always' of property 'no_then' is missing the key 'then' (say what must "
        "hold on those steps, e.g. {field: carrier, present: true})",
        "bad.yaml:20:12: 'never' of property 'empty' picks out every step: it needs one of "
        "'enters', 'leaves', 'enters_stage', 'leaves_stage', 'trigger', 'action', 'by', 'when' "
        "(name the statuses, stages, triggers, actions or actors it is about)",
        "bad.yaml:21:3: property 'two_kinds' must hold one of 'always', 'never' or 'eventually', "
        "found 'always' and 'never' (for example always: {enters: Shipped, then: {field: "
        "carrier, present: true}})",
        "bad.yaml:25:17: 'eventually' of property 'no_within' is missing the key 'within'",
        "bad.yaml:25:48: 'action' of 'after' of 'eventually' of property 'no_within' names "
        "unknown action 'shp' (did you mean 'ship'?)",
        "bad.yaml:27:23: 'trigger' of 'always' of property 'bad_condition' names unknown trigger "
        "'shipp' (did you mean 'ship'?)",
        "bad.yaml:27:44: the condition of 'always' of property 'bad_condition' reads unknown "
        "field 'carier' (did you mean 'carrier'?)",
        "bad.yaml:27:93: the condition of 'always' of property 'bad_condition' names unknown "
        "value 'C' of field 'mode' (expected one of: A, B)",
        "bad.yaml:29:27: unknown key 'within' in 'never' of property 'unknown_key' (did you mean "
        "'when'?)",
        "bad.yaml:30:3: property 'not_a_mapping' must be a mapping, found a list",
    ]


def test_the_schema_takes_each_kind_with_its_own_keys_only() -> None:
    validator = jsonschema.Draft202012Validator(rule_file_schema())
    base = {
        "format": 1,
        "marketplace": {"code": "demo", "rules_version": "1"},
        "statuses": {"Open": {"stage": "new", "initial": True}},
        "transitions": [],
        "schedule": {"every": "15m", "sweep_every": "1d", "sweep_lookback": "5d"},
    }

    def errors(properties: dict[str, object]) -> list[str]:
        found = validator.iter_errors({**base, "properties": properties})
        return sorted(f"{'/'.join(map(str, e.path))}: {e.message}" for e in found)

    good = {
        "a": {"always": {"enters": "Open", "then": {"field": "f", "present": True}}},
        "b": {"never": {"leaves": ["Open"], "by": "seller"}},
        "c": {"eventually": {"enters_stage": "new", "within": "2d", "after": {"action": "x"}}},
    }
    assert errors(good) == []
    assert errors(
        {
            "a": {"never": {"leaves": "Open", "then": {"field": "f", "present": True}}},
            "b": {"eventually": {"enters": "Open", "within": "2d", "after": {"within": "1d"}}},
        }
    ) == [
        "properties/a/never: Unevaluated properties are not allowed ('then' was unexpected)",
        "properties/b/eventually/after: Unevaluated properties are not allowed ('within' was "
        "unexpected)",
    ]
