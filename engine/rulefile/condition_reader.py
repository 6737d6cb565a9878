"""Reading conditions (`{field: delivery_mode, in: [TRK, REG]}`, all/any/not) from a rule file.

Conditions are data: this turns their YAML form into `engine.model.conditions` values, checking
every field they read and every value they name against the rule file's fields, and reports a
condition it cannot read instead of guessing (a condition read wrongly would silently change
when a transition or a requirement applies).
"""

from __future__ import annotations

from typing import Any

from engine.model.conditions import AllOf, AnyOf, Condition, FieldIn, FieldPresent, Not
from engine.model.definition import FieldType, OrderField
from engine.model.problems import Location
from engine.rulefile.reader import Reader, describe, suggestion
from engine.rulefile.yaml_source import LocatedDict

FORMS = ("field", "all", "any", "not")
KEYS = ("field", "in", "present", "all", "any", "not")
EXAMPLE = "{field: delivery_mode, in: [TRK, REG]}"


class ConditionReader:
    """Reads the conditions of one rule file, whose fields are already known."""

    def __init__(self, reader: Reader, fields: tuple[OrderField, ...]) -> None:
        self.reader = reader
        self.fields = {f.name: f for f in fields}

    def read(self, data: LocatedDict, key: str, what: str) -> Condition | None:
        """The condition at `key`, or None when absent or unreadable (then a problem is kept)."""
        if key not in data:
            return None
        return self._parse(data[key], data.at(key), f"the condition of {what}")

    def _parse(self, raw: Any, where: Location, what: str) -> Condition | None:
        if not isinstance(raw, LocatedDict):
            self.reader.problem(
                where, f"{what} must be a mapping such as {EXAMPLE}, found {describe(raw)}"
            )
            return None
        forms = [k for k in FORMS if k in raw]
        if len(forms) > 1:
            self.reader.problem(
                where,
                f"{what} has both '{forms[0]}' and '{forms[1]}'",
                "write one condition per mapping and combine them with 'all: [...]'",
            )
            return None
        if not forms:
            before = len(self.reader.problems)
            self.reader.mapping(raw, where, what, KEYS)
            if len(self.reader.problems) == before:
                self.reader.problem(where, f"{what} needs one of 'field', 'all', 'any' or 'not'")
            return None
        if forms[0] == "field":
            return self._field(raw, where, what)
        self.reader.mapping(raw, where, what, forms)
        if forms[0] == "not":
            inner = self._parse(raw["not"], raw.at("not"), what)
            return Not(inner) if inner is not None else None
        return self._combined(raw, forms[0], what)

    def _combined(self, data: LocatedDict, form: str, what: str) -> Condition | None:
        items = self.reader.sequence(data[form], data.at(form), f"'{form}' of {what}")
        if items is None:
            return None
        if not items:
            self.reader.problem(data.at(form), f"'{form}' of {what} lists no condition")
            return None
        parts = [self._parse(item, items.at(i), what) for i, item in enumerate(items)]
        conditions = tuple(p for p in parts if p is not None)
        if len(conditions) != len(parts):
            return None
        return AllOf(conditions) if form == "all" else AnyOf(conditions)

    def _field(self, data: LocatedDict, where: Location, what: str) -> Condition | None:
        before = len(self.reader.problems)
        self.reader.mapping(data, where, what, ("field", "in", "present"))
        name = data["field"]
        if not isinstance(name, str):
            self.reader.problem(
                data.at("field"), f"'field' of {what} must be a name, found {describe(name)}"
            )
            return None
        if not self.reader.reference(
            name,
            data.at("field"),
            self.fields,
            "field",
            f"{what} reads",
            "declare it under 'fields'",
        ):
            return None
        if ("in" in data) == ("present" in data):
            both = "has both 'in' and 'present'" if "in" in data else "needs 'in' or 'present'"
            self.reader.problem(where, f"{what} on '{name}' {both}", f"for example {EXAMPLE}")
            return None
        if "present" in data:
            present = self.reader.scalar(data, "present", bool, what, None)
            return FieldPresent(name, present) if present is not None else None
        values = self._values(data, self.fields[name], what)
        if values is None or len(self.reader.problems) != before:
            return None
        return FieldIn(name, values)

    def _values(self, data: LocatedDict, field: OrderField, what: str) -> tuple[str, ...] | None:
        items = self.reader.sequence(data["in"], data.at("in"), f"'in' of {what}")
        if items is None:
            return None
        if not items:
            self.reader.problem(data.at("in"), f"'in' of {what} lists no value")
            return None
        values = []
        for i in range(len(items)):
            value = field_value(self.reader, items.as_written(i), items.at(i), field, what)
            if value is not None:
                values.append(value)
        return tuple(values) if len(values) == len(items) else None


def field_value(
    reader: Reader, item: object, where: Location, field: OrderField, what: str
) -> str | None:
    """One value of `field` as conditions and requirements compare it: a code, true or false."""
    if field.type is FieldType.BOOL:
        if isinstance(item, bool):
            return "true" if item else "false"
        message = f"{what} must list true or false for field '{field.name}', found {describe(item)}"
        reader.problem(where, message)
        return None
    if isinstance(item, bool) or not isinstance(item, str | int | float):
        reader.problem(where, f"{what} must list values as texts, found {describe(item)}")
        return None
    value = str(item)
    if not field.values or value in field.codes:
        return value
    code = field.canonical(value)
    if code is not None:
        message = (
            f"{what} names '{value}', a spelling of the value '{code}' of field '{field.name}'"
        )
        reader.problem(where, message, f"rules compare codes: write '{code}'")
        return None
    hint = suggestion(value, field.codes) or f"expected one of: {', '.join(field.codes)}"
    reader.problem(where, f"{what} names unknown value '{value}' of field '{field.name}'", hint)
    return None
