"""Which fields orders arrive with: the share of each value, and the fulfilled-by-marketplace share.

The fields an order arrives with are the rule file's enum fields that no seller action requires
(a carrier, a tracking number: the seller types those when shipping) and that are not the
import policy's flag; each order counts once, with the value the log spreads over its events
(`analytics.eventlog`). An order without a value counts as missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engine.model.definition import FieldType, RuleSet
from simulator.scenario.values import FieldMix


@dataclass(frozen=True)
class MixFit:
    field: str
    orders: int
    shares: tuple[tuple[str, int], ...]  # value code, orders
    missing: int


def arrival_fields(rules: RuleSet) -> tuple[str, ...]:
    """The enum fields orders arrive with (see the module)."""
    typed = {r.field for a in rules.actions for r in a.requires}
    flag = rules.import_policy.flag_field if rules.import_policy else None
    return tuple(
        f.name
        for f in rules.fields
        if f.type is FieldType.ENUM and f.name not in typed and f.name != flag
    )


def fit_mix(orders: pd.DataFrame, field: str) -> MixFit:
    """`orders`: one row per order with its field columns."""
    values = orders[field] if field in orders else pd.Series([None] * len(orders), dtype=object)
    counts = values.dropna().astype(str).value_counts(sort=True)
    shares = tuple((str(code), int(n)) for code, n in counts.items())
    return MixFit(field, len(orders), shares, int(values.isna().sum()))


def fulfilled(orders: pd.DataFrame, rules: RuleSet) -> tuple[int, int] | None:
    """(fulfilled orders, orders with the flag known), None without an import policy."""
    policy = rules.import_policy
    if policy is None or not policy.flag_field or policy.flag_field not in orders:
        return None
    flags = orders[policy.flag_field].dropna().astype(str).str.casefold() == "true"
    return int(flags.sum()), len(flags)


def seller_fills(
    rules: RuleSet, orders: pd.DataFrame, action: str, base: tuple[FieldMix, ...] | None
) -> tuple[FieldMix, ...]:
    """What the seller types with `action`: the base scenario's fills when it has the move,
    else each field the action requires, with the shares of the values the orders hold (never
    forgotten: a forgotten field shows in the log only as a later retry)."""
    if base is not None:
        return base
    found = []
    for requirement in rules.action_by_name[action].requires:
        field = rules.field_by_name.get(requirement.field)
        mix = fit_mix(orders, requirement.field)
        shares = tuple((code, float(n)) for code, n in mix.shares)
        typed = field is not None and field.type is FieldType.ENUM
        found.append(FieldMix(requirement.field, shares if typed else ()))
    return tuple(dict((m.field, m) for m in found).values())
