"""Conditions as data.

A rule file says *when* a requirement or a transition applies with small trees such as
`{field: delivery_mode, in: [TRK, REG]}`, `{all: [...]}`, `{any: [...]}`, `{not: ...}` or
`{field: carrier, present: true}`. They are parsed into these values and evaluated against an
order record; no string from a file is ever evaluated as Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def _is_present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class FieldIn:
    """True when the record's field holds one of `values` (compared as canonical strings)."""

    field: str
    values: tuple[str, ...]

    def holds(self, record: Mapping[str, object]) -> bool:
        value = record.get(self.field)
        if isinstance(value, bool):
            return ("true" if value else "false") in self.values
        return value is not None and str(value) in self.values

    def fields(self) -> frozenset[str]:
        return frozenset((self.field,))

    def to_data(self) -> dict[str, object]:
        return {"field": self.field, "in": list(self.values)}

    def __str__(self) -> str:
        return f"{self.field} in [{', '.join(self.values)}]"


@dataclass(frozen=True)
class FieldPresent:
    """True when the record's field is (or, with `present: false`, is not) filled in."""

    field: str
    present: bool = True

    def holds(self, record: Mapping[str, object]) -> bool:
        return _is_present(record.get(self.field)) == self.present

    def fields(self) -> frozenset[str]:
        return frozenset((self.field,))

    def to_data(self) -> dict[str, object]:
        return {"field": self.field, "present": self.present}

    def __str__(self) -> str:
        return f"{self.field} {'present' if self.present else 'missing'}"


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def holds(self, record: Mapping[str, object]) -> bool:
        return all(c.holds(record) for c in self.conditions)

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(c.fields() for c in self.conditions))

    def to_data(self) -> dict[str, object]:
        return {"all": [c.to_data() for c in self.conditions]}

    def __str__(self) -> str:
        return " and ".join(f"({c})" for c in self.conditions)


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def holds(self, record: Mapping[str, object]) -> bool:
        return any(c.holds(record) for c in self.conditions)

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(c.fields() for c in self.conditions))

    def to_data(self) -> dict[str, object]:
        return {"any": [c.to_data() for c in self.conditions]}

    def __str__(self) -> str:
        return " or ".join(f"({c})" for c in self.conditions)


@dataclass(frozen=True)
class Not:
    condition: Condition

    def holds(self, record: Mapping[str, object]) -> bool:
        return not self.condition.holds(record)

    def fields(self) -> frozenset[str]:
        return self.condition.fields()

    def to_data(self) -> dict[str, object]:
        return {"not": self.condition.to_data()}

    def __str__(self) -> str:
        return f"not ({self.condition})"


Condition = FieldIn | FieldPresent | AllOf | AnyOf | Not


def exclusive(a: Condition | None, b: Condition | None) -> bool:
    """True when `a` and `b` provably never hold together (a sound, incomplete check)."""
    if a is None or b is None:
        return False
    if (isinstance(a, Not) and a.condition == b) or (isinstance(b, Not) and b.condition == a):
        return True
    if isinstance(a, FieldIn) and isinstance(b, FieldIn) and a.field == b.field:
        return not set(a.values) & set(b.values)
    if isinstance(a, FieldPresent) and isinstance(b, FieldPresent) and a.field == b.field:
        return a.present != b.present
    if isinstance(a, AllOf):
        return any(exclusive(c, b) for c in a.conditions)
    if isinstance(b, AllOf):
        return any(exclusive(a, c) for c in b.conditions)
    return False
