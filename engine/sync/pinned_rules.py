"""The rule sets a sync, a fill or a migration runs orders under, kept in the store first.

Orders are pinned to a rules version (`orders.rules_version`), so the version must stay readable
once the file moves on. What is kept is the rule set as `engine.rulefile.serialize.to_yaml`
writes it: what the orders ran under, comments and layout aside, and text that loads back into
an equal rule set. The same rules give the same text, so its hash names them wherever the file
lives and however it is laid out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from engine.model.definition import RuleSet
from engine.rulefile.serialize import to_yaml


class RuleVersionSink(Protocol):
    """A store or one of its transactions: where a rule version is kept."""

    def record_rule_version(
        self, marketplace: str, version: str, text: str, at: datetime
    ) -> bool: ...


def pinned_text(rules: RuleSet) -> str:
    """The text a rules version is kept as (and its hash computed from)."""
    return to_yaml(rules)


def record_rule_sets(sink: RuleVersionSink, rule_sets: Iterable[RuleSet], at: datetime) -> int:
    """Keep each rule set as its marketplace's rules version; how many were new to the store."""
    return sum(
        sink.record_rule_version(
            rules.marketplace.code, rules.marketplace.rules_version, pinned_text(rules), at
        )
        for rules in rule_sets
    )
