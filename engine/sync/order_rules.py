"""The rules each stored order runs under: the version it is pinned to, not the current file.

An order keeps the rules version it started under (`orders.rules_version`) until `orderflow
migrate` moves it, so an edited file never silently changes what an order in flight may do. The
sync, the timer sweep, the outbox and the order desk all ask here which rule set that is: the
current file's for a new order and for one pinned to its version; else the text the store keeps
under the order's version (`rule_versions`, `engine.sync.pinned_rules`), loaded once per
`OrderRules` with its own table runtime and field reader. A version that cannot be run (the store
keeps no text of it, its text no longer loads, or the order cannot be read under it) is never
dropped silently: the order runs under the current file, is pinned to it, and one
`rules_version_missing` anomaly says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Protocol

from engine.channels.order_mapping import OrderMapper, Quarantined
from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.events import Anomaly, AnomalyKind
from engine.model.outcome import Outcome
from engine.model.snapshot import OrderSnapshot
from engine.rulefile.loader import load_rules_text
from engine.runtime.table import TableRuntime
from engine.store import OrderState, RuleVersion


class KeptVersions(Protocol):
    """A store or one of its transactions: where the texts of rules versions are kept."""

    def rule_version(self, marketplace: str, address: str) -> RuleVersion | None: ...


class KeptListing(KeptVersions, Protocol):
    """A store: every version it keeps of a marketplace's rules."""

    def rule_versions(self, marketplace: str | None = None) -> list[RuleVersion]: ...


class VersionRules:
    """One version of a marketplace's rules, ready to run orders: its runtime and field reader,
    each built the first time it is asked for."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    @cached_property
    def runtime(self) -> TableRuntime:
        # The table runtime answers as the machine does (a property test holds them equal), faster.
        return TableRuntime(self.rules)

    @cached_property
    def mapper(self) -> OrderMapper:
        return OrderMapper(self.rules)

    @property
    def version(self) -> str:
        return self.rules.marketplace.rules_version


@dataclass(frozen=True)
class Pinned:
    """The rules an order runs under; `missing` says why not its own version's, when not."""

    use: VersionRules
    pinned_to: str | None = None  # the order's version, when it is not the one in `use`
    missing: str | None = None

    @property
    def older(self) -> bool:
        """Whether the order runs under another version than the current file's."""
        return self.pinned_to is not None and self.missing is None

    def note(self, order_id: str) -> str:
        """What a person acting on the order should know of its rules; '' for the current ones."""
        market = self.use.rules.marketplace
        if self.missing is not None:
            return (
                f"order {order_id} is pinned to rules version {self.pinned_to} of {market.code}, "
                f"which cannot be run: {self.missing}; it is checked under the current file's "
                f"version {market.rules_version}"
            )
        if self.pinned_to is None:
            return ""
        return (
            f"order {order_id} runs under rules version {self.pinned_to} of {market.code}, the one "
            "it is pinned to, not the file's: `orderflow migrate --db URL --to FILE` moves it"
        )

    def noted(self, outcome: Outcome, state: OrderState, at: datetime) -> Outcome:
        """`outcome`, with the anomaly that says the order fell back to the current file."""
        if self.missing is None:
            return outcome
        market = self.use.rules.marketplace
        anomaly = Anomaly(
            state.order_id,
            state.status,
            str(self.pinned_to),
            AnomalyKind.RULES_VERSION_MISSING,
            f"order {state.order_id} of {market.code} is pinned to rules version "
            f"{self.pinned_to}, which cannot be run: {self.missing}; it ran under the current "
            f"file's version {market.rules_version} and is pinned to it from now on",
            at,
        )
        return replace(outcome, anomalies=(anomaly, *outcome.anomalies))


class OrderRules:
    """The current rule sets, and the earlier versions orders are pinned to, loaded on demand."""

    def __init__(self, rule_sets: Iterable[RuleSet]) -> None:
        self.current = {r.marketplace.code: VersionRules(r) for r in rule_sets}
        self._as_current = {code: Pinned(rules) for code, rules in self.current.items()}
        # (marketplace, version) -> its rules, or why they cannot be run.
        self._kept: dict[tuple[str, str], VersionRules | str] = {}

    def pinned(self, kept: KeptVersions, marketplace: str, version: str | None) -> Pinned:
        """The rules an order of `marketplace` pinned to `version` (None: a new one) runs under."""
        current = self.current[marketplace]
        if version is None or version == current.version:
            return self._as_current[marketplace]
        key = (marketplace, version)
        if key not in self._kept:
            self._kept[key] = _load(kept, marketplace, version)
        found = self._kept[key]
        if isinstance(found, str):
            return Pinned(current, version, found)
        return Pinned(found, version)

    def of_state(self, kept: KeptVersions, state: OrderState) -> Pinned:
        return self.pinned(kept, state.marketplace, state.rules_version)

    def for_snapshot(
        self, kept: KeptVersions, snapshot: OrderSnapshot, state: OrderState | None
    ) -> tuple[OrderSnapshot, Pinned]:
        """The snapshot read under the rules the order runs under (mapped by the current file's
        fields), and those rules."""
        pinned = self.pinned(kept, snapshot.marketplace, state.rules_version if state else None)
        if not pinned.older:
            return snapshot, pinned
        mapped = pinned.use.mapper.map(snapshot.raw)
        if isinstance(mapped, Quarantined):
            why = f"the order cannot be read under it ({mapped.reason})"
            return snapshot, Pinned(self.current[snapshot.marketplace], pinned.pinned_to, why)
        return mapped, pinned

    def every_version(self, kept: KeptListing, marketplace: str) -> list[VersionRules]:
        """The current rules of `marketplace` and every earlier version the store keeps and runs."""
        versions = dict.fromkeys(v.rules_version for v in kept.rule_versions(marketplace))
        found = [self.current[marketplace]]
        for version in versions:
            pinned = self.pinned(kept, marketplace, version)
            if pinned.older:
                found.append(pinned.use)
        return found


def _load(kept: KeptVersions, marketplace: str, version: str) -> VersionRules | str:
    stored = kept.rule_version(marketplace, version)
    if stored is None or stored.rules_version != version:
        return "the store keeps no text of it"
    try:
        rules = load_rules_text(
            stored.text, f"rules {version} of {marketplace} (kept in the store)"
        )
    except RuleFileInvalid as exc:
        first = exc.problems[0] if exc.problems else None
        return f"the text the store keeps of it no longer loads ({first or exc})"
    return VersionRules(rules)
