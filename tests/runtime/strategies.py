"""Hypothesis strategies drawn from a rule file: its fields, status codes and triggers."""

from __future__ import annotations

from hypothesis import strategies as st

from engine.model.definition import FieldType, OrderField, RuleSet

UNKNOWN_CODE = "NoSuchStatus"
# Values no enum field of a shipped rule file lists: a misspelt alias, a mark, a number.
UNLISTED = ("Sivi", "??", "42")


def field_values(field: OrderField) -> st.SearchStrategy[object]:
    if field.type is FieldType.ENUM:
        # Other spellings of listed values (labels, aliases, another case), which read as their
        # code; unlisted ones, which make every condition on the field unknown; blanks, none.
        spellings = [s for v in field.values for s in (v.label, *v.aliases) if s]
        spellings += [code.lower() for code in field.codes if code.lower() != code][:2]
        valid = st.sampled_from(field.codes)
        odd = st.sampled_from([*spellings, *UNLISTED, " "])
        return st.one_of(valid, valid, st.none(), odd, st.sampled_from(UNLISTED))
    if field.type is FieldType.BOOL:
        return st.one_of(st.booleans(), st.none())
    if field.type is FieldType.NUMBER:
        return st.one_of(st.none(), st.integers(0, 500))
    if field.type is FieldType.STRING:
        return st.sampled_from([None, "", "   ", "XY123456789FR"])
    return st.none()


def fields_of(rules: RuleSet) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({f.name: field_values(f) for f in rules.fields})


def codes_of(rules: RuleSet) -> st.SearchStrategy[str]:
    """Status codes a marketplace may report: names, mapped codes, another case, unknown."""
    names = [s.name for s in rules.statuses]
    codes = [code for code, _ in rules.mapping]
    return st.sampled_from([*names, *codes, names[0].upper(), UNKNOWN_CODE])


def currents_of(rules: RuleSet) -> st.SearchStrategy[str | None]:
    """An order's stored status: usually declared, sometimes missing or from older rules."""
    return st.one_of(
        st.sampled_from([s.name for s in rules.statuses]), st.sampled_from([None, "Gone"])
    )
