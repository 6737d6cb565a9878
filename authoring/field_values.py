"""The field values an explored order is given: as channels report them and sellers type them.

Valid codes, other spellings of them (labels, aliases, another case), values no spelling of the
field lists, blanks and nothing: the inputs a rule file has to stand. `orderflow check` reads
them from its choices (`pick_value`); tests that draw values with Hypothesis themselves take the
same values as strategies (`field_values`, `fields_of`).
"""

from __future__ import annotations

from hypothesis import strategies as st

from authoring.choices import Choices
from engine.model.definition import FieldType, OrderField, RuleSet

# Values no field of a sensible rule file lists: a word, a mark, a number.
UNLISTED = ("Unlisted", "??", "42")

Pools = tuple[tuple[object, ...], ...]


def value_pools(field: OrderField) -> Pools:
    """Values of a field as channels report them and sellers type them, in pools drawn alike:
    valid codes (twice as likely), nothing, other spellings, unlisted values; the plainest
    first."""
    if field.type is FieldType.ENUM:
        spellings = [s for v in field.values for s in (v.label, *v.aliases) if s]
        spellings += [code.lower() for code in field.codes if code.lower() != code][:2]
        unlisted = tuple(u for u in UNLISTED if field.canonical(u) is None)
        valid = tuple(field.codes)
        return valid, valid, (None,), (*spellings, *unlisted, " "), unlisted
    if field.type is FieldType.BOOL:
        return (False, True), (None,)
    if field.type is FieldType.NUMBER:
        return (0, 1, 42, 500), (None,)
    if field.type is FieldType.STRING:
        return (("XY123456789FR", None, "", "   "),)
    return ((None,),)


def field_values(field: OrderField) -> st.SearchStrategy[object]:
    """`value_pools` as a Hypothesis strategy, for tests that draw field values themselves."""
    return st.one_of(*(st.sampled_from(pool) for pool in value_pools(field)))


def fields_of(rules: RuleSet) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({f.name: field_values(f) for f in rules.fields})


def pick_value(pools: Pools, choices: Choices) -> object:
    return choices.pick(choices.pick(pools))
