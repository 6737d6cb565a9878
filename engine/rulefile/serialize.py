"""A rule set back to the file format: plain data, and YAML text a person can edit.

The rule editor, the generated-rules tests and anyone migrating rules programmatically need the
way back from a `RuleSet` to what a rule author writes. The output uses the shapes a hand-written
file uses (a single source as a name, durations as `15m` or `2d`, defaults left out), and loading
it again gives an equal rule set: `load_rules_text(to_yaml(rules)) == rules`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from engine.model.conditions import AllOf, AnyOf, Condition, FieldIn, Not
from engine.model.definition import (
    Action,
    ChannelArg,
    FetchSchedule,
    FieldType,
    FieldValue,
    ImportPolicy,
    OrderField,
    Requirement,
    RuleSet,
    Status,
    Timer,
    Transition,
)
from engine.model.migrations import Migrations, MoveKind
from engine.model.properties import PATTERN_KEYS, Property, StepPattern

SCHEMA_COMMENT = "# yaml-language-server: $schema=./orderflow.schema.json\n"
_UNITS = (("d", 86400), ("h", 3600), ("m", 60))
# Texts that a YAML reader could take for a number, a boolean or null are written quoted.
_NUMBER_LIKE = re.compile(r"[-+]?\.?[0-9][0-9_:.]*(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|nan)", re.I)
_WORD_LIKE = frozenset(["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"])

Data = dict[str, Any]


def duration_text(seconds: int) -> str:
    """`900` -> `15m`, `172800` -> `2d`; seconds that fit no larger unit stay `90s`."""
    for unit, size in _UNITS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _names(names: tuple[str, ...]) -> str | list[str]:
    return names[0] if len(names) == 1 else list(names)


def _value(value: FieldValue) -> Data | None:
    entry: Data = {}
    if value.label:
        entry["label"] = value.label
    if value.aliases:
        entry["aliases"] = list(value.aliases)
    return entry or None


def _field(item: OrderField) -> Data:
    data: Data = {"type": str(item.type)}
    if item.description:
        data["description"] = item.description
    if item.sources:
        data["sources"] = list(item.sources)
    if item.values:
        data["values"] = {v.code: _value(v) for v in item.values}
    return data


def _status(status: Status) -> Data:
    data: Data = {}
    if status.description:
        data["description"] = status.description
    data["stage"] = status.stage
    for key, flag in (("initial", status.initial), ("final", status.final)):
        if flag:
            data[key] = True
    if status.origin:
        data["origin"] = status.origin
    return data


def _values(values: tuple[str, ...], field: str, bools: frozenset[str]) -> list[str | bool]:
    """Values as a file writes them: a bool field's are `true`/`false`, not texts."""
    return [v == "true" for v in values] if field in bools else list(values)


def _condition(condition: Condition, bools: frozenset[str]) -> Data:
    if isinstance(condition, FieldIn):
        return {"field": condition.field, "in": _values(condition.values, condition.field, bools)}
    if isinstance(condition, Not):
        return {"not": _condition(condition.condition, bools)}
    if isinstance(condition, AllOf):
        return {"all": [_condition(c, bools) for c in condition.conditions]}
    if isinstance(condition, AnyOf):
        return {"any": [_condition(c, bools) for c in condition.conditions]}
    return condition.to_data()


def _transition(transition: Transition, bools: frozenset[str]) -> Data:
    data: Data = {
        "trigger": transition.trigger,
        "from": _names(transition.sources),
        "to": transition.dest,
        "actor": str(transition.actor),
    }
    if transition.when is not None:
        data["when"] = _condition(transition.when, bools)
    if transition.description:
        data["description"] = transition.description
    return data


def _arg(arg: ChannelArg) -> str | Data:
    return {"field": arg.field, "optional": True} if arg.optional else arg.field


def _requirement(requirement: Requirement, bools: frozenset[str]) -> Data:
    data: Data = {"field": requirement.field}
    if requirement.when is not None:
        data["when"] = _condition(requirement.when, bools)
    if requirement.values:
        data["values"] = _values(requirement.values, requirement.field, bools)
    return data


def _action(action: Action, bools: frozenset[str]) -> Data:
    data: Data = {}
    if action.description:
        data["description"] = action.description
    data["at"] = list(action.at)
    if action.transition is not None:
        data["transition"] = action.transition
    data["action_type"] = action.action_type
    if action.args:
        data["args"] = {arg.name: _arg(arg) for arg in action.args}
    if action.requires:
        data["requires"] = [_requirement(r, bools) for r in action.requires]
    if action.lines:
        data["lines"] = True
    return data


def _timer(timer: Timer) -> Data:
    data: Data = {
        "status": timer.status,
        "after": duration_text(timer.after_seconds),
        "fire": timer.fire,
    }
    if timer.note:
        data["note"] = timer.note
    return data


def _import_policy(policy: ImportPolicy) -> Data:
    data: Data = {
        "flag_field": policy.flag_field,
        "arrives_at": policy.arrives_at,
        "import_by_default": policy.import_by_default,
    }
    if policy.connectors:
        data["connectors"] = {c.name: str(c.support) for c in policy.connectors}
    return data


def _schedule(schedule: FetchSchedule) -> Data:
    return {
        "every": duration_text(schedule.every_seconds),
        "overlap": duration_text(schedule.overlap_seconds),
        "sweep_every": duration_text(schedule.sweep_every_seconds),
        "sweep_lookback": duration_text(schedule.sweep_lookback_seconds),
    }


def to_data(rules: RuleSet) -> Data:
    """The rule set as the plain dicts and lists a rule file holds, keys in the file's order."""
    market = rules.marketplace
    bools = frozenset(f.name for f in rules.fields if f.type is FieldType.BOOL)
    data: Data = {
        "format": rules.format,
        "marketplace": {
            "code": market.code,
            "name": market.name,
            "rules_version": market.rules_version,
        },
    }
    if market.action_types:
        data["marketplace"]["action_types"] = list(market.action_types)
    if rules.fields:
        data["fields"] = {f.name: _field(f) for f in rules.fields}
    data["statuses"] = {s.name: _status(s) for s in rules.statuses}
    data["transitions"] = [_transition(t, bools) for t in rules.transitions]
    if rules.actions:
        data["actions"] = {a.name: _action(a, bools) for a in rules.actions}
    if rules.timers:
        data["timers"] = {t.name: _timer(t) for t in rules.timers}
    if rules.import_policy is not None:
        data["import_policy"] = _import_policy(rules.import_policy)
    data["schedule"] = _schedule(rules.schedule)
    if rules.mapping:
        data["mapping"] = dict(rules.mapping)
    if rules.line_statuses:
        data["lines"] = {"statuses": {code: str(state) for code, state in rules.line_statuses}}
    if rules.migrations is not None:
        data["migrations"] = _migrations(rules.migrations)
    if rules.properties:
        data["properties"] = {p.name: _property(p, bools) for p in rules.properties}
    return data


def _pattern(pattern: StepPattern, bools: frozenset[str]) -> Data:
    data: Data = {
        key: _names(names) for key in PATTERN_KEYS[:-1] if (names := getattr(pattern, key))
    }
    if pattern.when is not None:
        data["when"] = _condition(pattern.when, bools)
    return data


def _property(item: Property, bools: frozenset[str]) -> Data:
    body = _pattern(item.pattern, bools)
    if item.then is not None:
        body["then"] = _condition(item.then, bools)
    if item.within_seconds is not None:
        body["within"] = duration_text(item.within_seconds)
    if item.after is not None:
        body["after"] = _pattern(item.after, bools)
    data: Data = {"description": item.description} if item.description else {}
    data[str(item.kind)] = body
    return data


def _migrations(migrations: Migrations) -> Data:
    data: Data = {"from": migrations.predecessor}
    for kind in MoveKind:
        moves = {m.old: m.new for m in migrations.moves if m.kind is kind}
        if moves:
            data[kind.value] = moves
    return data


class _Dumper(yaml.SafeDumper):
    """Quotes every text that a strict or a lenient YAML reader might not read back as text."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        ambiguous = _NUMBER_LIKE.fullmatch(data) or data.casefold() in _WORD_LIKE
        return self.represent_scalar(
            "tag:yaml.org,2002:str", data, style="'" if ambiguous else None
        )


_Dumper.add_representer(str, _Dumper.represent_str)


def to_yaml(rules: RuleSet, header: str = SCHEMA_COMMENT) -> str:
    """The rule set as YAML text; `header` (the schema comment by default) opens the file."""
    body = yaml.dump(to_data(rules), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body
