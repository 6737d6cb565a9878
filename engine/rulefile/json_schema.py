"""The rule file format as a JSON Schema (draft 2020-12), for editors and for the reference.

Rule authors edit YAML in an editor; with `# yaml-language-server: $schema=./orderflow.schema.json`
on the first line, the editor completes keys and flags wrong shapes as they type. The schema is
built here from the same vocabularies the builder uses (stages, actors, field types, connector
supports), and `rules/orderflow.schema.json` is its committed output (a test keeps them equal).
The schema checks shapes only; names, references and the graph are checked by the loader.
`key_paths` lists every key a rule file may hold, for the reference documentation and its test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from engine.model.definition import STAGES, Actor, ConnectorSupport, FieldType
from engine.model.lines import LineState
from engine.rulefile.builder import FORMAT_VERSION

Schema = dict[str, Any]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_DURATION_PATTERN = r"^\s*[0-9]+(\.[0-9]+)?\s*[smhdw]\s*$"


def _name(description: str) -> Schema:
    return {"type": "string", "minLength": 1, "description": description}


def _one_name(description: str) -> Schema:
    # The loader takes a single status name, or a list holding exactly one.
    one = {"type": "string", "minLength": 1}
    return {
        "anyOf": [one, {"type": "array", "items": one, "minItems": 1, "maxItems": 1}],
        "description": description,
    }


def _text(description: str) -> Schema:
    # The loader accepts numbers where it expects texts (`rules_version: 2026`), so does this.
    return {"type": ["string", "number"], "description": description}


def _flag(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def _texts(description: str) -> Schema:
    return {"type": "array", "items": {"type": ["string", "number"]}, "description": description}


def _values(description: str) -> Schema:
    # Values of a field: texts (enum codes) or, for a bool field, true and false.
    item = {"type": ["string", "number", "boolean"]}
    return {"type": "array", "items": item, "minItems": 1, "description": description}


def _names(description: str) -> Schema:
    one = {"type": "string", "minLength": 1}
    return {
        "anyOf": [one, {"type": "array", "items": one, "minItems": 1}],
        "description": description,
    }


def _duration(description: str, minimum: int = 1) -> Schema:
    return {
        "anyOf": [
            {"type": "integer", "minimum": minimum},
            {"type": "string", "pattern": _DURATION_PATTERN},
        ],
        "description": description + " A duration: 90s, 15m, 2h, 5d, 1w or whole seconds.",
    }


def _object(description: str, properties: Schema, required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = list(required)
    schema["additionalProperties"] = False
    return schema


def _map_of(key: str, value: Schema, description: str) -> Schema:
    """A mapping from free names (shown as `<key>` in key paths) to `value`."""
    return {
        "type": "object",
        "description": description,
        "propertyNames": {"title": key, "minLength": 1},
        "additionalProperties": value,
    }


def _combined(key: str, description: str, items: str) -> Schema:
    """`all` or `any`: one key holding a non-empty list of conditions."""
    conditions = {
        "type": "array",
        "items": {"$ref": "#/$defs/condition"},
        "minItems": 1,
        "description": items,
    }
    return _object(description, {key: conditions}, (key,))


def _condition() -> Schema:
    field = _name("The field the condition reads.")
    return {
        "description": "A condition on the order's fields: data, never code.",
        "oneOf": [
            _object(
                "True when the field holds one of the values.",
                {
                    "field": field,
                    "in": _values("The values (enum codes, or true/false for a bool field)."),
                },
                ("field", "in"),
            ),
            _object(
                "True when the field is filled in (or, with false, when it is not).",
                {
                    "field": field,
                    "present": _flag("true: the field must be filled in; false: it must be empty."),
                },
                ("field", "present"),
            ),
            _combined("all", "True when every condition holds.", "Conditions that must all hold."),
            _combined(
                "any",
                "True when at least one condition holds.",
                "Conditions of which one must hold.",
            ),
            _object(
                "True when the condition does not hold.",
                {"not": _when("The condition to negate.")},
                ("not",),
            ),
        ],
    }


def _when(description: str) -> Schema:
    return {"$ref": "#/$defs/condition", "description": description}


def _marketplace() -> Schema:
    return _object(
        "The marketplace these rules are for.",
        {
            "code": _name("The marketplace's code, as the channel (Lengow) names it."),
            "name": _text("A readable name; the code when absent."),
            "rules_version": _text("The version of these rules, recorded with every order."),
            "action_types": _names(
                "Action types the marketplace takes besides the channel's own (accept, refuse, "
                "ship, cancel, refund)."
            ),
        },
        ("code", "rules_version"),
    )


def _fields() -> Schema:
    value = {
        "anyOf": [
            {"type": "null"},
            _object(
                "How the value is shown and spelt.",
                {
                    "label": _text("A readable name; it is also accepted as a spelling."),
                    "aliases": _texts("Other spellings that mean this value."),
                },
            ),
        ],
        "description": "An allowed value, keyed by its code.",
    }
    field = _object(
        "An order field the rules use.",
        {
            "type": {"enum": [str(t) for t in FieldType], "description": "The field's type."},
            "description": _text("What the field means."),
            "values": _map_of("code", value, "The allowed values of an enum field, by code."),
            "sources": _texts("Paths into the channel's order JSON, tried in order."),
        },
        ("type",),
    )
    return _map_of("field", field, "The order fields the rules use, by name.")


def _statuses() -> Schema:
    status = _object(
        "A status of the marketplace's order lifecycle.",
        {
            "description": _text("What the status means."),
            "stage": {"enum": list(STAGES), "description": "The normalised stage of the status."},
            "initial": _flag("New orders start here."),
            "final": _flag("Nothing happens to an order after this status."),
            "origin": _text("Where the status comes from, when not from the main source."),
        },
        ("stage",),
    )
    return _map_of("status", status, "The statuses, by name.")


def _transitions() -> Schema:
    transition = _object(
        "A change of status and who causes it.",
        {
            "trigger": _name("The event's name; seller actions and timers refer to it."),
            "from": _names("The status or statuses the transition leaves."),
            "to": _one_name("The status the transition enters."),
            "actor": {"enum": [str(a) for a in Actor], "description": "Who causes the transition."},
            "when": _when("The transition can fire only when this condition holds."),
            "description": _text("Why or when it happens."),
        },
        ("trigger", "from", "to", "actor"),
    )
    return {"type": "array", "items": transition, "description": "The transitions."}


def _arg() -> Schema:
    return {
        "anyOf": [
            _name("The field whose value is sent."),
            _object(
                "The field whose value is sent, and whether it may be missing.",
                {
                    "field": _name("The field whose value is sent."),
                    "optional": _flag("Send the argument only when the field is filled in."),
                },
                ("field",),
            ),
        ],
        "description": "A channel argument, read from a field.",
    }


def _requirement() -> Schema:
    return _object(
        "A field the action needs.",
        {
            "field": _name("The field that must be filled in."),
            "when": _when("The field is needed only when this condition holds."),
            "values": _values("The values the field may take for this action."),
        },
        ("field",),
    )


def _actions() -> Schema:
    action = _object(
        "A seller command.",
        {
            "description": _text("What the action does."),
            "at": _names("The statuses where the action is allowed."),
            "transition": _name("The trigger of the transition the action causes, if any."),
            "action_type": _name(
                "The channel's action type (accept, refuse, ship, cancel, refund), or one "
                "declared under marketplace.action_types."
            ),
            "args": _map_of("arg", _arg(), "The arguments sent to the channel, by argument name."),
            "requires": {
                "type": "array",
                "items": _requirement(),
                "description": "The fields the action needs.",
            },
            "lines": _flag(
                "Whether the marketplace takes a `line` argument for this action, so a command "
                "may name cart lines."
            ),
        },
        ("at", "action_type"),
    )
    return _map_of("action", action, "The seller's actions, by name.")


def _timers() -> Schema:
    timer = _object(
        "A transition fired when an order stays too long in a status.",
        {
            "status": _one_name("The status being timed."),
            "after": _duration("How long an order may stay in the status."),
            "fire": _name("The trigger fired when the time is up."),
            "note": _text("Where the delay comes from."),
        },
        ("status", "after", "fire"),
    )
    return _map_of("timer", timer, "The timers, by name.")


def _lines() -> Schema:
    state = {
        "enum": [s.value for s in LineState if s is not LineState.UNKNOWN],
        "description": "The state a line at this code is in.",
    }
    return _object(
        "Cart lines: how the marketplace's line codes read.",
        {
            "statuses": _map_of(
                "code",
                state,
                "The marketplace's line status codes, each with its line state; a code not "
                "listed is read from Lengow's lengow_status.",
            )
        },
    )


def _import_policy() -> Schema:
    support = {
        "enum": [str(s) for s in ConnectorSupport],
        "description": "Whether the connector may import these orders.",
    }
    return _object(
        "How orders fulfilled by the marketplace arrive.",
        {
            "flag_field": _name("The bool field that marks a fulfilled order."),
            "arrives_at": _one_name("The status at which a fulfilled order first appears."),
            "import_by_default": _flag("Whether such orders are imported when nobody chose."),
            "connectors": _map_of("connector", support, "Back-office connectors, by name."),
        },
        ("flag_field", "arrives_at"),
    )


def _schedule() -> Schema:
    return _object(
        "How often the channel is polled.",
        {
            "every": _duration("The interval of the incremental fetch."),
            "overlap": _duration(
                "How far each incremental fetch reaches back before the last one; none when "
                "absent.",
                minimum=0,
            ),
            "sweep_every": _duration("The interval of the sweep."),
            "sweep_lookback": _duration("How far back the sweep fetches orders."),
        },
        ("every", "sweep_every", "sweep_lookback"),
    )


def _migrations() -> Schema:
    def moves(description: str) -> Schema:
        target = _name("The status of this file its orders are at now.")
        return _map_of("status", target, description)

    return _object(
        "What becomes of the predecessor version's statuses this file no longer declares: "
        "`orderflow migrate` moves the orders in flight by it.",
        {
            "from": _text("The rules_version of the file this version replaces."),
            "renamed": moves("Statuses renamed: the old name, then the new one."),
            "merged": moves("Statuses merged into another: the old name, then the status."),
            "removed": moves(
                "Statuses removed: the old name, then the status their orders move to."
            ),
        },
        ("from",),
    )


def _step() -> Schema:
    """The steps of an order's timeline a property is about (engine.model.properties); left
    open, as each use adds its own keys and closes it with `unevaluatedProperties`."""
    schema = _object(
        "The steps a property is about: each key given must match.",
        {
            "enters": _names("The step enters one of these statuses."),
            "leaves": _names("The step leaves one of these statuses."),
            "enters_stage": _names("The step enters a status of one of these stages."),
            "leaves_stage": _names("The step leaves a status of one of these stages."),
            "trigger": _names("The step fires one of these triggers."),
            "action": _names("The step is one of these seller actions."),
            "by": _names("The step is caused by one of these actors."),
            "when": _when("The order's fields at the step satisfy this condition."),
        },
    )
    del schema["additionalProperties"]
    return schema


def _kind(description: str, extra: Schema) -> Schema:
    # The step's keys come from the shared definition; `unevaluatedProperties` sees them.
    schema: Schema = {"$ref": "#/$defs/step", "description": description}
    if extra:
        schema["properties"] = extra
    schema["unevaluatedProperties"] = False
    return schema


def _properties() -> Schema:
    kinds = {
        "always": _kind(
            "Every step so picked out has fields where `then` holds.",
            {"then": _when("What must hold on the order's fields at those steps.")},
        ),
        "never": _kind("No step of any order is so picked out.", {}),
        "eventually": _kind(
            "After every step `after` picks out (the order's creation when absent), a step so "
            "picked out comes within `within`, the order left to its timers once nobody acts.",
            {
                "within": _duration("How soon the step must come."),
                "after": _kind("The steps that start the clock.", {}),
            },
        ),
    }
    entry = _object(
        "A promise about every order, checked by `orderflow check`: one of always, never or "
        "eventually.",
        {"description": _text("What the property promises, in words."), **kinds},
    )
    return _map_of("property", entry, "What the rules promise about every order, by name.")


def rule_file_schema() -> Schema:
    """The JSON Schema of a rule file."""
    top = _object(
        "One marketplace's order rules: statuses, transitions, seller actions, field "
        "requirements, timers, import policy, fetch schedule and status codes.",
        {
            "format": {"const": FORMAT_VERSION, "description": "The version of this format."},
            "marketplace": _marketplace(),
            "fields": _fields(),
            "statuses": _statuses(),
            "transitions": _transitions(),
            "actions": _actions(),
            "timers": _timers(),
            "import_policy": _import_policy(),
            "schedule": _schedule(),
            "mapping": _map_of(
                "code",
                _name("The status the code stands for."),
                "The marketplace's status codes that differ from status names.",
            ),
            "lines": _lines(),
            "migrations": _migrations(),
            "properties": _properties(),
        },
        ("format", "marketplace", "statuses", "transitions", "schedule"),
    )
    return {
        "$schema": DRAFT,
        "title": "orderflow rule file",
        **top,
        "$defs": {"condition": _condition(), "step": _step()},
    }


def schema_text() -> str:
    """The schema as the JSON text committed in `rules/orderflow.schema.json`."""
    return json.dumps(rule_file_schema(), indent=2, ensure_ascii=False) + "\n"


def key_paths(schema: Schema | None = None) -> tuple[str, ...]:
    """Every key a rule file may hold, such as `statuses.<status>.stage` or `transitions[].to`.

    A free name is shown as `<status>`, a list item as `[]`; a shared definition (the condition)
    is listed once under its own name, as `<condition>.in`.
    """
    schema = rule_file_schema() if schema is None else schema
    walk = _walk(schema, "", schema.get("$defs", {}), set())
    return tuple(dict.fromkeys(walk))


def _walk(node: Schema, path: str, defs: Schema, seen: set[str]) -> Iterator[str]:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _walk(defs[name], f"<{name}>", defs, seen)
    for key, sub in node.get("properties", {}).items():
        inner = f"{path}.{key}" if path else key
        yield inner
        yield from _walk(sub, inner, defs, seen)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        placeholder = node.get("propertyNames", {}).get("title", "name")
        yield from _walk(extra, f"{path}.<{placeholder}>", defs, seen)
    if isinstance(node.get("items"), dict):
        yield from _walk(node["items"], f"{path}[]", defs, seen)
    for branch in (*node.get("anyOf", ()), *node.get("oneOf", ())):
        yield from _walk(branch, path, defs, seen)
