"""One order in flight under two versions of its rules: its place, its actions, its timer.

`authoring.impact` sums these up over a store's orders. The order's status under NEW is its own
when NEW declares it, else where NEW's `migrations:` moves it (a renamed or merged status keeps
the time the order entered it; a removed one is entered at the migration); it has no status under
NEW when neither holds. Its seller actions and blockers are the runtime's (`Runtime.options`, as
the order desk asks), on the order's stored fields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from engine.model.blockers import BlockerCode, Decision
from engine.model.migrations import StatusMove
from engine.rulefile.serialize import duration_text
from engine.runtime.runtime import Runtime
from engine.store import OrderState

# Blockers that only say an action is not offered where the order is: actions gained or lost
# already tell those apart.
_PLACE = frozenset({BlockerCode.NOT_ALLOWED_AT_STATUS, BlockerCode.FINAL_STATUS})

Finding = tuple[str, str]


@dataclass(frozen=True)
class OrderView:
    """The two runtimes an order is looked at with, as of `now`."""

    old: Runtime
    new: Runtime
    now: datetime


@dataclass(frozen=True)
class Compared:
    order_id: str
    old_status: str
    new_status: str | None
    move: StatusMove | None = None
    stranded: bool = False
    actions_gained: tuple[str, ...] = ()
    actions_lost: tuple[str, ...] = ()
    blockers_gained: tuple[str, ...] = ()
    blockers_lost: tuple[str, ...] = ()
    # (ImpactKind value, subject) pairs of the order's timer.
    timer_findings: tuple[Finding, ...] = field(default=())


def new_place(view: OrderView, state: OrderState) -> tuple[str | None, StatusMove | None]:
    """The order's status under NEW, and the move that took it there (None when none did)."""
    status = state.status or ""
    rules = view.new.rules
    if status in rules.status_by_name:
        return status, None
    move = rules.migrations.move_of(status) if rules.migrations is not None else None
    return (move.new, move) if move is not None else (None, None)


def compare_order(view: OrderView, state: OrderState) -> Compared:
    old_status = state.status or ""
    new_status, move = new_place(view, state)
    if new_status is None:
        return Compared(state.order_id, old_status, None)
    before = _options(view.old, old_status, state)
    after = _options(view.new, new_status, state)
    allowed_before = {d.action for d in before.values() if d.allowed}
    allowed_after = {d.action for d in after.values() if d.allowed}
    blocked_before, blocked_after = _blockers(before, after), _blockers(after, before)
    return Compared(
        order_id=state.order_id,
        old_status=old_status,
        new_status=new_status,
        move=move,
        stranded=_stranded(view.new, new_status, state)
        and not _stranded(view.old, old_status, state),
        actions_gained=_ordered(view.new, allowed_after - allowed_before),
        actions_lost=_ordered(view.old, allowed_before - allowed_after),
        blockers_gained=tuple(sorted(blocked_after - blocked_before)),
        blockers_lost=tuple(sorted(blocked_before - blocked_after)),
        timer_findings=tuple(_timers(view, state, new_status, move)),
    )


def _options(runtime: Runtime, status: str, state: OrderState) -> dict[str, Decision]:
    if status not in runtime.rules.status_by_name:
        return {}  # a status these rules do not declare offers no action
    return {d.action: d for d in runtime.options(status, state.fields)}


def _blockers(mine: dict[str, Decision], other: dict[str, Decision]) -> set[str]:
    """The blockers of the actions both versions declare, as `'ship' field_required (carrier)`."""
    found = set()
    for action, decision in mine.items():
        if action not in other:
            continue
        for blocker in decision.blockers:
            if blocker.code in _PLACE:
                continue
            name = blocker.params.get("field")
            found.add(f"'{action}' {blocker.code}" + (f" ({name})" if name else ""))
    return found


def _ordered(runtime: Runtime, actions: set[str]) -> tuple[str, ...]:
    return tuple(a.name for a in runtime.rules.actions if a.name in actions)


def _stranded(runtime: Runtime, status: str, state: OrderState) -> bool:
    """At a status the rules declare and do not call final, with no transition out whose guard
    may hold on the order's fields (a guard of unknown truth may: not stranded)."""
    rules = runtime.rules
    if status not in rules.status_by_name or status in rules.final_statuses:
        return False
    exits = runtime.table.outgoing.get(status, ())
    vocabulary = runtime.table.vocabulary
    return not any(
        step.truth(state.fields, vocabulary) is not False for _, steps in exits for step in steps
    )


def _timers(
    view: OrderView, state: OrderState, new_status: str, move: StatusMove | None
) -> Iterator[Finding]:
    """Deadline moved (by how much), timer added or removed, overdue at once."""
    if state.entered_at is None:
        return
    entered = state.entered_at if move is None or move.keeps_entry else view.now
    old = view.old.deadline(state.status or "", state.entered_at)
    new = view.new.deadline(new_status, entered)
    if new is None:
        if old is not None:
            yield "timer removed", f"'{old[0].name}' at '{state.status}'"
        return
    timer, when = new
    if old is None:
        yield "timer added", f"'{timer.name}' at '{new_status}'"
    elif when != old[1]:
        seconds = int((when - old[1]).total_seconds())
        sign = "+" if seconds > 0 else "-"
        moved = f"{sign}{duration_text(abs(seconds))}"
        yield "deadline moved", f"'{timer.name}' at '{new_status}' by {moved}"
    if when <= view.now and (old is None or old[1] > view.now):
        after = duration_text(timer.after_seconds)
        yield "overdue at once", f"'{timer.name}' at '{new_status}' ({after} after entry)"
