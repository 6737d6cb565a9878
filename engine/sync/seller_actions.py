"""Queueing a seller action: checked by the rules, then written to the outbox, never sent here.

The app's order desk and `orderflow act` both go through this one function: the order's stored
fields completed by what the seller typed, the runtime's decision on them, and, only when the
action is allowed, an outbox entry with the command the channel will send (the sync sends it and
confirms it from a later fetch). The same action already waiting is not queued twice. A
command may name cart lines (where the rule file's action takes `lines`): one entry per line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.model.blockers import Decision
from engine.runtime.runtime import Runtime
from engine.store import NewAction, Store


@dataclass(frozen=True)
class Queued:
    """What became of a submitted action: the runtime's decision and, if allowed, its outbox
    entries as (id, created): one for the whole order or one per cart line named (`created`
    False when the same action was already waiting there)."""

    decision: Decision
    entries: tuple[tuple[int, bool], ...] = ()

    @property
    def outbox_id(self) -> int | None:
        return self.entries[0][0] if self.entries else None

    @property
    def created(self) -> bool:
        return any(created for _, created in self.entries)


def submit(
    runtime: Runtime,
    store: Store,
    order: tuple[str, str],
    status: str,
    fields: Mapping[str, object],
    action: str,
    inputs: Mapping[str, object],
    at: datetime,
    lines: Sequence[str] = (),
) -> Queued:
    """Check `action` with the order's fields completed by `inputs`, and queue it if allowed.

    `lines` names the cart lines it acts on; they are checked against the order's stored lines.
    """
    order_id = order[1]
    given = {k: v for k, v in inputs.items() if v is not None and str(v).strip() != ""}
    merged = {**fields, **given}
    known = [line.line_id for line in store.lines(*order)] if lines else []
    decision = runtime.command(order_id, status, action, merged, at, lines, known)
    if not decision.allowed or decision.command is None:
        return Queued(decision)
    entries = tuple(store.enqueue(entry) for entry in NewAction.decided(order, decision, at))
    return Queued(decision, entries)
