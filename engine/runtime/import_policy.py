"""Whether orders fulfilled by the marketplace are imported, for a given back-office connector.

The rule file says how such orders look (a boolean flag field, arriving already at a status)
and, per connector, whether importing them is an option or not possible. The merchant's
settings say which connector they use and whether the option is on. This module turns the two
into one decision with a message a merchant can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.model.definition import ConnectorSupport, RuleSet


@dataclass(frozen=True)
class FulfilmentImport:
    """Import orders fulfilled by the marketplace or not, and why."""

    allowed: bool
    message: str


def fulfilment_import(rules: RuleSet, connector: str | None, option_on: bool) -> FulfilmentImport:
    """The decision for one rule set; `connector` None means orderflow is the back office."""
    policy = rules.import_policy
    market = rules.marketplace.name or rules.marketplace.code
    if policy is None:
        return FulfilmentImport(True, f"{market}: the rule file has no import policy")
    if connector is None:
        wanted = option_on or policy.import_by_default
        state = "imported" if wanted else "skipped (the import option is off)"
        return FulfilmentImport(wanted, f"{market}: orders fulfilled by the marketplace {state}")
    entry = policy.connector(connector)
    known = ", ".join(c.name for c in policy.connectors) or "none"
    if entry is None:
        return FulfilmentImport(
            False,
            f"{market}: connector '{connector}' is not in the rule file's import policy "
            f"(known: {known}); orders fulfilled by the marketplace are skipped",
        )
    if entry.support is ConnectorSupport.NOT_POSSIBLE:
        return FulfilmentImport(
            False,
            f"{market}: with {connector} it is not possible to import the orders shipped by "
            "the marketplace; they are skipped",
        )
    wanted = option_on or policy.import_by_default
    if not wanted:
        return FulfilmentImport(
            False,
            f"{market}: orders fulfilled by the marketplace are skipped; turn on the option to "
            f"import them in {connector}'s import settings",
        )
    return FulfilmentImport(True, f"{market}: orders fulfilled by the marketplace imported")


def is_fulfilled(rules: RuleSet, fields: Mapping[str, object]) -> bool:
    """True when the order carries the rule file's fulfilled-by-marketplace flag."""
    policy = rules.import_policy
    return policy is not None and fields.get(policy.flag_field) is True
