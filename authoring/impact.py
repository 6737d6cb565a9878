"""What a rule change does to the orders in flight: OLD and NEW compared on a store's orders.

A rule author changes a file that orders already run under. Before the change is saved (the Rules
editor) or the orders are moved to it (`orderflow migrate`), every order of NEW's marketplace
still at a status OLD does not call final is looked at under both versions: whether its status
still exists (or is renamed, merged, removed by NEW's `migrations:`), whether it is stranded (no
way out any more), which seller actions and blockers it gains or loses, whether its timer
deadline moves and by how much (and whether it is overdue at once), and which marketplace codes
now map elsewhere. The answer is a summary, one line per finding with the orders behind it.
Everything is in the file's own terms: statuses, actions, timers, codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from authoring.order_compare import Compared, OrderView, compare_order
from engine.model.definition import RuleSet
from engine.model.migrations import MoveKind
from engine.runtime.runtime import Runtime
from engine.store import OrderState


class ImpactKind(StrEnum):
    """What a line of the summary says of its orders, in the order the summary lists them."""

    STATUS_REMOVED = "status removed"  # NEW neither declares the status nor moves it
    STATUS_RENAMED = "status renamed"
    STATUS_MERGED = "status merged"
    STATUS_MOVED = "status removed, orders moved"
    STRANDED = "stranded"  # NEW gives no way out of where the order is
    ACTION_GAINED = "action gained"
    ACTION_LOST = "action lost"
    BLOCKER_GAINED = "blocker gained"
    BLOCKER_LOST = "blocker lost"
    DEADLINE_MOVED = "deadline moved"
    TIMER_ADDED = "timer added"
    TIMER_REMOVED = "timer removed"
    OVERDUE = "overdue at once"
    CODE_REMAPPED = "code maps elsewhere"


KIND_ORDER = {kind: number for number, kind in enumerate(ImpactKind)}
MOVED = {
    MoveKind.RENAMED: ImpactKind.STATUS_RENAMED,
    MoveKind.MERGED: ImpactKind.STATUS_MERGED,
    MoveKind.REMOVED: ImpactKind.STATUS_MOVED,
}


@dataclass(frozen=True)
class ImpactLine:
    """One finding and the orders (ids) behind it."""

    kind: ImpactKind
    subject: str
    orders: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.orders)


@dataclass(frozen=True)
class Impact:
    """The change from `old` to `new` (their rules versions) on `in_flight` orders of
    `marketplace`, as summary lines; an order is behind as many lines as apply to it."""

    marketplace: str
    old: str
    new: str
    in_flight: int
    lines: tuple[ImpactLine, ...]
    at: datetime

    @property
    def affected(self) -> tuple[str, ...]:
        """The orders behind at least one line, each once, by id."""
        return tuple(sorted({order for line in self.lines for order in line.orders}))

    def of(self, kind: ImpactKind) -> tuple[ImpactLine, ...]:
        return tuple(line for line in self.lines if line.kind is kind)

    def to_data(self) -> dict[str, object]:
        """The impact as plain data (`orderflow impact --json`)."""
        return {
            "marketplace": self.marketplace,
            "old": self.old,
            "new": self.new,
            "at": self.at.isoformat(),
            "in_flight": self.in_flight,
            "affected": len(self.affected),
            "lines": [
                {
                    "kind": str(line.kind),
                    "subject": line.subject,
                    "count": line.count,
                    "orders": list(line.orders),
                }
                for line in self.lines
            ],
        }


class MarketplaceMismatch(ValueError):
    """OLD and NEW are rule files of two marketplaces."""


def impact(old: RuleSet, new: RuleSet, orders: Iterable[OrderState], now: datetime) -> Impact:
    """The impact of replacing `old` by `new` on `orders` (those of the marketplace in flight
    under `old`: `Store.in_flight(code, old.final_statuses)`), as of `now`."""
    if old.marketplace.code != new.marketplace.code:
        raise MarketplaceMismatch(
            f"{old.source or 'OLD'} is for marketplace '{old.marketplace.code}' and "
            f"{new.source or 'NEW'} for '{new.marketplace.code}': compare two versions of one "
            "marketplace's rule file"
        )
    view = OrderView(Runtime(old), Runtime(new), now)
    found: dict[tuple[ImpactKind, str], list[str]] = {}
    states = [o for o in orders if o.status is not None and o.status not in old.final_statuses]
    for state in states:
        for kind, subject in _findings(compare_order(view, state)):
            found.setdefault((kind, subject), []).append(state.order_id)
    for subject, at_status in _remapped_codes(old, new):
        behind = [s.order_id for s in states if s.status == at_status]
        if behind:
            found.setdefault((ImpactKind.CODE_REMAPPED, subject), []).extend(behind)
    lines = sorted(
        (ImpactLine(kind, subject, tuple(ids)) for (kind, subject), ids in found.items()),
        key=lambda line: (KIND_ORDER[line.kind], line.subject),
    )
    market = new.marketplace
    return Impact(
        market.code, old.marketplace.rules_version, market.rules_version, len(states),
        tuple(lines), now,
    )  # fmt: skip


def _findings(compared: Compared) -> Iterator[tuple[ImpactKind, str]]:
    """The summary lines one order is behind."""
    if compared.move is not None:
        move = compared.move
        yield MOVED[move.kind], f"'{move.old}' -> '{move.new}'"
    if compared.new_status is None:
        yield ImpactKind.STATUS_REMOVED, f"'{compared.old_status}'"
        return
    if compared.stranded:
        yield ImpactKind.STRANDED, f"at '{compared.new_status}'"
    for action in compared.actions_gained:
        yield ImpactKind.ACTION_GAINED, f"'{action}'"
    for action in compared.actions_lost:
        yield ImpactKind.ACTION_LOST, f"'{action}'"
    for blocker in compared.blockers_gained:
        yield ImpactKind.BLOCKER_GAINED, blocker
    for blocker in compared.blockers_lost:
        yield ImpactKind.BLOCKER_LOST, blocker
    for kind, subject in compared.timer_findings:
        yield ImpactKind(kind), subject


def _remapped_codes(old: RuleSet, new: RuleSet) -> Iterator[tuple[str, str]]:
    """Per marketplace code OLD maps and NEW maps elsewhere (or not at all): the line's subject
    and the OLD status whose orders the marketplace reports with it."""
    for code, status in old.code_table.items():
        now = new.code_table.get(code)
        if now == status:
            continue
        written = next((c for c, _ in old.mapping if c.casefold() == code), status)
        where = f"'{now}'" if now is not None else "no status"
        yield f"'{written}' maps to {where} (was '{status}')", status


def summary_rows(result: Impact) -> Sequence[tuple[str, str, int]]:
    """The summary table: (what, subject, orders) per line."""
    return [(str(line.kind), line.subject, line.count) for line in result.lines]
