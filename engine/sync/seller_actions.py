"""Queueing a seller action: checked by the rules, then written to the outbox, never sent here.

The app's order desk and `orderflow act` both go through this one function: the order's stored
fields completed by what the seller typed, the runtime's decision on them, and, only when the
action is allowed, an outbox entry with the command the channel will send (the sync sends it and
confirms it from a later fetch). The same action already waiting is not queued twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from engine.model.blockers import Decision
from engine.runtime.runtime import Runtime
from engine.store import NewAction, Store


@dataclass(frozen=True)
class Queued:
    """What became of a submitted action: the runtime's decision and, if allowed, its outbox id
    (`created` False when the same action was already waiting there)."""

    decision: Decision
    outbox_id: int | None = None
    created: bool = False


def submit(
    runtime: Runtime,
    store: Store,
    order: tuple[str, str],
    status: str,
    fields: Mapping[str, object],
    action: str,
    inputs: Mapping[str, object],
    at: datetime,
) -> Queued:
    """Check `action` with the order's fields completed by `inputs`, and queue it if allowed."""
    order_id = order[1]
    given = {k: v for k, v in inputs.items() if v is not None and str(v).strip() != ""}
    merged = {**fields, **given}
    decision = runtime.command(order_id, status, action, merged, at)
    if not decision.allowed or decision.command is None:
        return Queued(decision)
    outbox_id, created = store.enqueue(NewAction.decided(order, decision, at))
    return Queued(decision, outbox_id, created)
