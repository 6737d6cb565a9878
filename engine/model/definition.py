"""The rule set as an immutable value.

A rule file is parsed once into these frozen dataclasses (tuples, never lists or dicts) and then
handed to validation, the runtime, the diagram and the simulator. Nothing here knows YAML or
`transitions`: the definition is the neutral form every source and every consumer agrees on.
Each element keeps the place it was declared (`where`), so later checks can point at the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType

from engine.model.conditions import Condition
from engine.model.problems import Location


class FieldType(StrEnum):
    STRING = "string"
    ENUM = "enum"
    BOOL = "bool"
    NUMBER = "number"
    DATETIME = "datetime"


class Actor(StrEnum):
    SELLER = "seller"
    MARKETPLACE = "marketplace"
    CUSTOMER = "customer"
    PAYMENT = "payment"
    TIMER = "timer"


# Lengow's normalised order statuses: the vocabulary every marketplace maps onto.
STAGES: tuple[str, ...] = (
    "new",
    "waiting_acceptance",
    "accepted",
    "waiting_shipment",
    "shipped",
    "closed",
    "canceled",
    "refused",
    "refunding",
    "refunded",
)


class ConnectorSupport(StrEnum):
    OPTION = "option"
    NOT_POSSIBLE = "not_possible"


@dataclass(frozen=True)
class FieldValue:
    """One allowed value of an enum field, with the spellings that mean it."""

    code: str
    label: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderField:
    """An order field the rules use, and where it is read from in the channel's order JSON."""

    name: str
    type: FieldType
    description: str = ""
    values: tuple[FieldValue, ...] = ()
    sources: tuple[str, ...] = ()
    where: Location | None = dataclasses.field(default=None, compare=False)

    @cached_property
    def _spellings(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for value in self.values:
            for spelling in (value.code, value.label, *value.aliases):
                if spelling:
                    table[spelling.casefold()] = value.code
        return table

    def canonical(self, raw: object) -> str | None:
        """The code of an enum value given any of its spellings, or None when it is not one."""
        if raw is None:
            return None
        return self._spellings.get(str(raw).strip().casefold())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(value.code for value in self.values)


@dataclass(frozen=True)
class Status:
    name: str
    stage: str
    description: str = ""
    initial: bool = False
    final: bool = False
    origin: str = ""
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    actor: Actor
    when: Condition | None = None
    description: str = ""
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class ChannelArg:
    """An argument sent to the channel with an action, read from an order or action field."""

    name: str
    field: str
    optional: bool = False


@dataclass(frozen=True)
class Requirement:
    """A field an action needs, only when `when` holds if it is given, within `values` if given."""

    field: str
    when: Condition | None = None
    values: tuple[str, ...] = ()
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Action:
    """A seller command: where it is allowed, the transition it causes, what it sends."""

    name: str
    at: tuple[str, ...]
    transition: str | None
    action_type: str
    args: tuple[ChannelArg, ...] = ()
    requires: tuple[Requirement, ...] = ()
    description: str = ""
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Timer:
    """Fires `fire` when an order has stayed `after_seconds` in `status`."""

    name: str
    status: str
    after_seconds: int
    fire: str
    note: str = ""
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Connector:
    name: str
    support: ConnectorSupport
    note: str = ""


@dataclass(frozen=True)
class ImportPolicy:
    """How orders fulfilled by the marketplace arrive, and which back offices may import them."""

    flag_field: str
    arrives_at: str
    import_by_default: bool = False
    connectors: tuple[Connector, ...] = ()
    where: Location | None = dataclasses.field(default=None, compare=False)

    def connector(self, name: str) -> Connector | None:
        return next((c for c in self.connectors if c.name == name.casefold()), None)


@dataclass(frozen=True)
class FetchSchedule:
    """Incremental fetch every `every_seconds` (with an overlap) plus a periodic sweep."""

    every_seconds: int
    overlap_seconds: int
    sweep_every_seconds: int
    sweep_lookback_seconds: int
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Marketplace:
    code: str
    name: str
    rules_version: str


@dataclass(frozen=True)
class RuleSet:
    format: int
    marketplace: Marketplace
    fields: tuple[OrderField, ...]
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    actions: tuple[Action, ...]
    timers: tuple[Timer, ...]
    import_policy: ImportPolicy | None
    schedule: FetchSchedule
    mapping: tuple[tuple[str, str], ...] = ()
    source: str = dataclasses.field(default="", compare=False)

    def __getstate__(self) -> dict[str, object]:
        """Pickle the fields only: the cached lookups are derived, and proxies do not pickle."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    # Lookups are derived once, read-only (the value stays immutable); the tuples above stay the
    # single source of truth.
    @cached_property
    def status_by_name(self) -> Mapping[str, Status]:
        return MappingProxyType({s.name: s for s in self.statuses})

    @cached_property
    def field_by_name(self) -> Mapping[str, OrderField]:
        return MappingProxyType({f.name: f for f in self.fields})

    @cached_property
    def action_by_name(self) -> Mapping[str, Action]:
        return MappingProxyType({a.name: a for a in self.actions})

    @cached_property
    def timers_by_status(self) -> Mapping[str, tuple[Timer, ...]]:
        table: dict[str, list[Timer]] = {}
        for timer in self.timers:
            table.setdefault(timer.status, []).append(timer)
        return MappingProxyType({k: tuple(v) for k, v in table.items()})

    @cached_property
    def triggers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.trigger for t in self.transitions))

    @cached_property
    def initial_statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.statuses if s.initial)

    @cached_property
    def final_statuses(self) -> frozenset[str]:
        return frozenset(s.name for s in self.statuses if s.final)

    @cached_property
    def code_table(self) -> Mapping[str, str]:
        """Marketplace status code (case-folded) -> status name; every status name is a code."""
        table = {s.name.casefold(): s.name for s in self.statuses}
        for code, status in self.mapping:
            table[code.casefold()] = status
        return MappingProxyType(table)

    def status_for_code(self, code: str) -> str | None:
        return self.code_table.get(code.strip().casefold())

    def stage_of(self, status: str) -> str:
        return self.status_by_name[status].stage
