"""Case attributes: the enum and bool fields the rule files declare, as the event log carries them.

A rule file says which order fields matter to its marketplace (a delivery mode, a carrier, a
fulfilment flag...). Every enum and bool field of every rule file read is a case attribute: a
column of the prepared log (`analytics.eventlog.prepare`), a filter of every page and an
attribute of every export. Nothing here names a field: a second rule file's fields come with it.
A field two rule files declare is one column; its choices are the union of theirs, each code
with the first label a file gives it. Enum values are put back to their code (an alias or a
label as the marketplace spelled it becomes the code); a value no file lists stays as it came.
Bool values are True, False or missing. The version of the rules each order runs under
(`rules_version`, the store's) is a case attribute too, so any figure splits by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.model.definition import FieldType, OrderField, RuleSet

KINDS: frozenset[FieldType] = frozenset({FieldType.ENUM, FieldType.BOOL})
BOOL_CHOICES: tuple[tuple[object, str], ...] = ((True, "yes"), (False, "no"))
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
# The store's column of each order's rules version: a case attribute no rule file declares.
RULES_VERSION = "rules_version"


@dataclass(frozen=True)
class CaseField:
    """One case attribute: its `name`, `type` (enum or bool), `description`, its `choices` as
    (code, label) pairs and, for an enum, every `spelling` (case-folded) -> code."""

    name: str
    type: FieldType
    description: str = ""
    choices: tuple[tuple[object, str], ...] = ()
    spellings: tuple[tuple[str, str], ...] = ()

    def label(self, code: object) -> str:
        """`code` with its label, for a filter's choices: "TRK · Tracked", "yes"."""
        labels = dict(self.choices)
        if self.type is FieldType.BOOL:
            return labels.get(code, str(code))
        label = labels.get(code)
        return f"{code} · {label}" if label and label != code else str(code)


def case_fields(rules: Iterable[RuleSet]) -> tuple[CaseField, ...]:
    """The enum and bool fields of `rules`, each once, in the order the files declare them, then
    `rules_version`, the version each order runs under (choices: the versions of `rules`)."""
    rules = tuple(rules)
    found: dict[str, CaseField] = {}
    for rule_set in rules:
        for field in rule_set.fields:
            if field.type not in KINDS:
                continue
            before = found.get(field.name)
            if before is not None and before.type is not field.type:
                continue  # the first file's type wins; a bool and an enum cannot share a column
            found[field.name] = _merged(before, field)
    if rules and RULES_VERSION not in found:
        versions = tuple(dict.fromkeys(r.marketplace.rules_version for r in rules))
        spellings = tuple((v.casefold(), v) for v in versions)
        described = "The version of the rules the order runs under (orderflow migrate moves it)."
        choices = tuple((v, v) for v in versions)
        found[RULES_VERSION] = CaseField(
            RULES_VERSION, FieldType.ENUM, described, choices, spellings
        )
    return tuple(found.values())


def _merged(before: CaseField | None, field: OrderField) -> CaseField:
    if field.type is FieldType.BOOL:
        return before or CaseField(field.name, field.type, field.description, BOOL_CHOICES)
    choices = dict(before.choices) if before else {}
    for value in field.values:
        choices.setdefault(value.code, value.label)
    spellings = dict(before.spellings) if before else {}
    for spelling, code in field.spellings.items():
        spellings.setdefault(spelling, code)
    for code in field.codes:  # a code is its own spelling, whatever its case
        spellings.setdefault(code.casefold(), code)
    description = before.description if before else field.description
    choice_pairs = tuple(choices.items())
    return CaseField(field.name, field.type, description, choice_pairs, tuple(spellings.items()))


def names(rules: Iterable[RuleSet]) -> tuple[str, ...]:
    """The names of the case attributes of `rules`: the order fields the event log carries."""
    return tuple(f.name for f in case_fields(rules))


def canonical(values: pd.Series, field: CaseField | None) -> pd.Series:
    """`values` (one field's column) as codes: enum spellings to their code, bools to True and
    False, missing to None; a categorical, so a million events cost one pass over few values."""
    column = values.astype("category") if values.dtype != "category" else values
    categories = list(column.cat.categories)
    if field is None or not categories:
        return column
    if field.type is FieldType.BOOL:
        mapped = [_truth(v) for v in categories]
    else:
        table = dict(field.spellings)
        mapped = [table.get(str(v).strip().casefold(), v) for v in categories]
    # The canonical values as categories of their own (as pandas orders them), each old code
    # sent to its value's new one: one pass over the codes, none over the million values.
    target = pd.Series(np.array([*mapped, None], dtype=object)).astype("category")
    codes = column.cat.codes.to_numpy()
    renumbered = target.cat.codes.to_numpy()[codes]  # a missing value (-1) takes the None
    found = pd.Categorical.from_codes(renumbered, target.cat.categories, validate=False)
    return pd.Series(found.remove_unused_categories(), index=values.index)


def _truth(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value
