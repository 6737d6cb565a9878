"""Hypothesis strategies drawn from a rule file: its fields (those `orderflow check` draws, from
authoring.lifecycles), status codes and triggers, and the fields of orders fulfilled by the
marketplace (the import policy's flag set), which a new order's reading depends on."""

from __future__ import annotations

from hypothesis import strategies as st

from authoring.field_values import field_values, fields_of
from engine.model.definition import RuleSet

__all__ = [
    "UNKNOWN_CODE", "arrivals_of", "codes_of", "currents_of", "field_values", "fields_of",
]  # fmt: skip

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


def arrivals_of(rules: RuleSet) -> st.SearchStrategy[dict[str, object]]:
    """The fields of an arriving order: any drawn ones, or half the time (when the rules have an
    import policy) those of an order fulfilled by the marketplace, its flag field true."""
    policy = rules.import_policy
    if policy is None:
        return fields_of(rules)
    flagged = fields_of(rules).map(lambda fields: {**fields, policy.flag_field: True})
    return st.one_of(fields_of(rules), flagged)
