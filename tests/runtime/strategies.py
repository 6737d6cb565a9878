"""Hypothesis strategies drawn from a rule file: its fields (those `orderflow check` draws, from
authoring.lifecycles), status codes and triggers."""

from __future__ import annotations

from hypothesis import strategies as st

from authoring.field_values import field_values, fields_of
from engine.model.definition import RuleSet

__all__ = ["UNKNOWN_CODE", "codes_of", "currents_of", "field_values", "fields_of"]

UNKNOWN_CODE = "NoSuchStatus"


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
