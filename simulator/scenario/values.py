"""A scenario: the world around a rule file, as an immutable value.

A scenario file names a rule file and says how orders arrive, what fields they carry, what the
customers, payment and marketplace do at each status, and what the seller does once a fetch has
shown an order. Every status, trigger, action and field it names comes from the rule file and is
checked against it, so a scenario for another marketplace is just another file. This module holds
the values; `simulator.scenario.loader` reads a file into them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from engine.model.definition import RuleSet
from engine.model.errors import FileInvalid
from engine.model.problems import Location
from simulator.scenario.distributions import Distribution


class ScenarioInvalid(FileInvalid):
    """A scenario file has problems."""


@dataclass(frozen=True)
class FieldMix:
    """How a field is filled: the share of each value code, and how often it is left empty.

    `shares` are relative weights over the orders where the field is present. A field with no
    value list (a tracking number) gets a generated value whenever it is present.
    """

    field: str
    shares: tuple[tuple[str, float], ...] = ()
    missing: float = 0.0
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Happening:
    """Something a customer, the payment or the marketplace may do while an order is at `status`.

    `probability` is the chance it happens if the order is still at `status` when `after` has
    passed since it arrived there; the happenings of one status exclude each other.
    """

    status: str
    trigger: str
    probability: float
    after: Distribution
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class SellerMove:
    """What the seller does at `status`: `action`, with `probability`, `after` the fetch showing it.

    `fills` are the fields the seller types in when acting (a carrier, a tracking number), each
    possibly forgotten; a command the engine refuses is fixed and sent again after the seller's
    `retry_after` delay.
    """

    status: str
    action: str
    probability: float
    after: Distribution
    fills: tuple[FieldMix, ...] = ()
    where: Location | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class Arrivals:
    """Orders per day (a Poisson rate) or a fixed count, shaped by hour of day and day of week.

    `hourly` (24 weights, midnight first) and `weekly` (7 weights, Monday first) are relative:
    they are normalised to a mean of one, so `per_day` stays the average day.
    """

    per_day: float | None
    count: int | None
    hourly: tuple[float, ...] = (1.0,) * 24
    weekly: tuple[float, ...] = (1.0,) * 7


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rules: RuleSet
    start: datetime
    days: int
    arrivals: Arrivals
    fields: tuple[FieldMix, ...]
    fulfilled_share: float
    happenings: tuple[Happening, ...]
    seller: tuple[SellerMove, ...]
    retry_after: Distribution | None
    source: str = dataclasses.field(default="", compare=False)

    @cached_property
    def happenings_at(self) -> dict[str, tuple[Happening, ...]]:
        table: dict[str, list[Happening]] = {}
        for happening in self.happenings:
            table.setdefault(happening.status, []).append(happening)
        return {k: tuple(v) for k, v in table.items()}

    @cached_property
    def seller_at(self) -> dict[str, tuple[SellerMove, ...]]:
        table: dict[str, list[SellerMove]] = {}
        for move in self.seller:
            table.setdefault(move.status, []).append(move)
        return {k: tuple(v) for k, v in table.items()}
