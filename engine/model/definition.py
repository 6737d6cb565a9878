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

from engine.model.conditions import Condition, Vocabulary, is_present
from engine.model.lines import LineState
from engine.model.migrations import Migrations
from engine.model.problems import Location
from engine.model.properties import Property


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


class ChannelActionType(StrEnum):
    """The action types the channel (Lengow's `POST /v3.0/orders/actions/`) takes for every
    marketplace; a rule file declares any other its marketplace takes (`marketplace.action_types`).
    Channel vocabulary, as `STAGES` is, not a marketplace's: tests/test_architecture.py lets
    this class alone name them."""

    ACCEPT = "accept"
    REFUSE = "refuse"
    SHIP = "ship"
    CANCEL = "cancel"
    REFUND = "refund"


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

    def __getstate__(self) -> dict[str, object]:
        """Pickle the fields only: the cached spellings are derived, and proxies do not pickle."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @cached_property
    def spellings(self) -> Mapping[str, str]:
        """Every spelling of the field's values (code, label, aliases), case-folded -> code."""
        table: dict[str, str] = {}
        for value in self.values:
            for spelling in (value.code, value.label, *value.aliases):
                if spelling:
                    table[spelling.casefold()] = value.code
        return MappingProxyType(table)

    def canonical(self, raw: object) -> str | None:
        """The code of an enum value given any of its spellings, or None when it is not one."""
        if raw is None:
            return None
        return self.spellings.get(str(raw).strip().casefold())

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(value.code for value in self.values)


@dataclass(frozen=True)
class UnlistedValue:
    """A value of an enum field that none of the field's codes, labels or aliases lists."""

    field: str
    value: object
    listed: tuple[str, ...]

    def __str__(self) -> str:
        listed = ", ".join(f"'{code}'" for code in self.listed)
        return (
            f"field '{self.field}' has value '{self.value}', which none of its values or "
            f"aliases lists; its values are {listed}"
        )


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
    # The marketplace takes a `line` argument for this action: a command may name cart lines.
    lines: bool = False


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
    # Action types the marketplace takes besides the channel's own (`ChannelActionType`).
    action_types: tuple[str, ...] = ()

    @property
    def sendable_action_types(self) -> tuple[str, ...]:
        """The action types an action may send: the channel's, then the marketplace's own."""
        channel = (t.value for t in ChannelActionType)
        return tuple(dict.fromkeys((*channel, *self.action_types)))


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
    # Cart line codes -> line state (`lines.statuses`); Lengow's `lengow_status` covers the rest.
    line_statuses: tuple[tuple[str, LineState], ...] = ()
    # What becomes of the predecessor version's statuses (`migrations`); None when not said.
    migrations: Migrations | None = None
    # What the file promises about every order (`properties`), checked by `orderflow check`.
    properties: tuple[Property, ...] = ()
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
    def line_state_by_code(self) -> Mapping[str, LineState]:
        return MappingProxyType(dict(self.line_statuses))

    @cached_property
    def action_types(self) -> tuple[str, ...]:
        """The action types an action may send: the channel's, then the marketplace's own."""
        return self.marketplace.sendable_action_types

    @cached_property
    def vocabulary(self) -> Vocabulary:
        """The spellings of every enum field's values, for conditions (`engine.model.conditions`):
        a value none of them lists makes a condition on the field unknown."""
        return MappingProxyType(
            {
                f.name: MappingProxyType({**f.spellings, **{code: code for code in f.codes}})
                for f in self.fields
                if f.type is FieldType.ENUM
            }
        )

    def unlisted(
        self, record: Mapping[str, object], names: frozenset[str] | None = None
    ) -> tuple[UnlistedValue, ...]:
        """The values of `record` that their enum field does not list, in the file's field order
        (only the fields in `names` when given); an empty or missing value is not one."""
        found = []
        for name, spellings in self.vocabulary.items():
            if names is not None and name not in names:
                continue
            value = record.get(name)
            if value is None or (type(value) is str and value in spellings):
                continue  # the common cases: nothing, or a code
            if is_present(value) and str(value).strip().casefold() not in spellings:
                found.append(UnlistedValue(name, value, self.field_by_name[name].codes))
        return tuple(found)

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
