"""Conditions as data.

A rule file says *when* a requirement or a transition applies with small trees such as
`{field: delivery_mode, in: [TRK, REG]}`, `{all: [...]}`, `{any: [...]}`, `{not: ...}` or
`{field: carrier, present: true}`. They are parsed into these values and evaluated against an
order record; no string from a file is ever evaluated as Python.

Evaluation has three values (`Truth`): true, false, and unknown (None) when the answer depends on
a value of an enum field that none of the field's codes, labels or aliases lists (a spelling the
rule file does not know, such as `Sivi` for `Suivi`). Such a value is never taken as "not in":
`not`, `all` and `any` combine unknowns as in Kleene's logic (`all` is false as soon as one part
is false, `any` true as soon as one is true, otherwise unknown when a part is). Which fields list
their values, and how each spelling reads, is the `Vocabulary` the caller passes (a rule set's
`vocabulary`); without one every value is taken as written, in two values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

Truth = bool | None
"""A condition's value on a record: True, False, or None when it cannot be known."""

Vocabulary = Mapping[str, Mapping[str, str]]
"""The fields whose values are listed: field -> {spelling: code}, each spelling case-folded (the
codes as written too, the common case, found without folding)."""

NO_VOCABULARY: Vocabulary = MappingProxyType({})


def is_present(value: object) -> bool:
    """Filled in: not None, not a text of spaces only."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class FieldIn:
    """True when the record's field holds one of `values` (compared as canonical strings)."""

    field: str
    values: tuple[str, ...]

    def truth(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> Truth:
        """A listed field's value is read by its code (a label or an alias too); a value none of
        its spellings lists is unknown; an empty or missing value is in no list."""
        value = record.get(self.field)
        if value is None:
            return False
        text = _text(value)
        if text in self.values:
            return True
        spellings = vocabulary.get(self.field)
        if spellings is None:
            return False
        code = spellings.get(text)
        if code is None:
            folded = text.strip().casefold()
            if not folded:
                return False
            code = spellings.get(folded)
            if code is None:
                return None
        return code in self.values

    def holds(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> bool:
        return self.truth(record, vocabulary) is True

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

    def truth(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> Truth:
        """Presence is always known: a value nobody recognises is still filled in."""
        return is_present(record.get(self.field)) == self.present

    def holds(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> bool:
        return is_present(record.get(self.field)) == self.present

    def fields(self) -> frozenset[str]:
        return frozenset((self.field,))

    def to_data(self) -> dict[str, object]:
        return {"field": self.field, "present": self.present}

    def __str__(self) -> str:
        return f"{self.field} {'present' if self.present else 'missing'}"


@dataclass(frozen=True)
class _Group:
    """All or any of `conditions`, in Kleene's logic: one `decisive` truth settles the group,
    an unknown one makes it unknown unless a decisive one follows."""

    conditions: tuple[Condition, ...]
    decisive: ClassVar[bool]
    key: ClassVar[str]
    joiner: ClassVar[str]

    def truth(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> Truth:
        result: Truth = not self.decisive
        for condition in self.conditions:
            truth = condition.truth(record, vocabulary)
            if truth is self.decisive:
                return self.decisive
            if truth is None:
                result = None
        return result

    def holds(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> bool:
        return self.truth(record, vocabulary) is True

    def fields(self) -> frozenset[str]:
        return frozenset().union(*(c.fields() for c in self.conditions))

    def to_data(self) -> dict[str, object]:
        return {self.key: [c.to_data() for c in self.conditions]}

    def __str__(self) -> str:
        return f" {self.joiner} ".join(f"({c})" for c in self.conditions)


@dataclass(frozen=True)
class AllOf(_Group):
    decisive: ClassVar[bool] = False
    key: ClassVar[str] = "all"
    joiner: ClassVar[str] = "and"


@dataclass(frozen=True)
class AnyOf(_Group):
    decisive: ClassVar[bool] = True
    key: ClassVar[str] = "any"
    joiner: ClassVar[str] = "or"


@dataclass(frozen=True)
class Not:
    condition: Condition

    def truth(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> Truth:
        truth = self.condition.truth(record, vocabulary)
        return None if truth is None else not truth

    def holds(self, record: Mapping[str, object], vocabulary: Vocabulary = NO_VOCABULARY) -> bool:
        return self.truth(record, vocabulary) is True

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
