"""What a new version of a rule file says becomes of its predecessor's statuses, as a value.

A rule change that renames, merges or removes a status leaves the orders in flight at a status
the new file does not declare. The new file says, as data, where each such status goes
(`migrations:` in the rule file); `orderflow migrate` moves the orders by it, each move an event
of its own (`Source.MIGRATION`), and `orderflow impact` reports a status with a move as renamed,
merged or removed rather than as gone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType

from engine.model.problems import Location

# The trigger and actor of a migration event: orderflow moved the order, no marketplace did.
MIGRATION_TRIGGER = "migrate"
MIGRATION_ACTOR = "orderflow"


class MoveKind(StrEnum):
    """How a predecessor's status ends up in this version (the key it is listed under)."""

    RENAMED = "renamed"  # the same status under a new name
    MERGED = "merged"  # folded into another status, which both versions declare
    REMOVED = "removed"  # gone: its orders are moved to the status given


@dataclass(frozen=True)
class StatusMove:
    """Orders at `old` (a status of the predecessor) are at `new` (a status of this version)."""

    old: str
    new: str
    kind: MoveKind
    where: Location | None = dataclasses.field(default=None, compare=False)

    @property
    def keeps_entry(self) -> bool:
        """A renamed or merged status goes on: its orders keep the time they entered it (and
        their timers); an order moved out of a removed status enters its new one."""
        return self.kind is not MoveKind.REMOVED


@dataclass(frozen=True)
class Migrations:
    """The moves from the predecessor version `predecessor` (its `rules_version`)."""

    predecessor: str
    moves: tuple[StatusMove, ...] = ()
    where: Location | None = dataclasses.field(default=None, compare=False)

    def __getstate__(self) -> dict[str, object]:
        """Pickle the fields only: the lookup is derived, and proxies do not pickle."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @cached_property
    def move_by_old(self) -> Mapping[str, StatusMove]:
        return MappingProxyType({move.old: move for move in self.moves})

    def move_of(self, status: str) -> StatusMove | None:
        """Where the predecessor's `status` goes; None when this version names no move for it."""
        return self.move_by_old.get(status)
