"""Leases: one holder at a time per name, given up by dying as well as by letting go.

Several syncs may share a store; a lease is how one of them claims a piece of work (a fetch
window) for a while. Taking one is a compare-and-set in the caller's write transaction: the row
is inserted, or updated only where it lapsed or is already the taker's, in one upsert that reads
the same on SQLite (whose `BEGIN IMMEDIATE` runs one writer at a time) and on PostgreSQL (where
a concurrent taker of the same name waits on the row and then finds the condition false). The
holder renews it while it works; a holder that dies stops renewing, and its lease lapses at
`expires_at` for the next taker. Every time comes from the caller's clock, never the database's,
so a simulated clock moves leases as it moves everything else.

A holder names a process: `host:pid:token`, the token telling apart two holders of one process
and a pid the system gave again.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Select, case, delete, or_, select, update

from engine.store.bulk_insert import dialect_insert
from engine.store.errors import StoreError
from engine.store.tables import leases


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime

    def live(self, at: datetime) -> bool:
        """Whether it still excludes other holders at `at`."""
        return self.expires_at > at


class LeaseHeld(StoreError):
    """Another holder's live lease refused the take; nothing was taken (the leases in the way)."""

    def __init__(self, held: Sequence[Lease]) -> None:
        self.leases = tuple(held)
        names = ", ".join(
            f"{lease.name!r} by {shown_holder(lease.holder)} until {lease.expires_at:%H:%M:%S}"
            for lease in self.leases
        )
        super().__init__(f"the lease is held: {names}; try again once it lapses")


class LeaseLost(StoreError):
    """A lease its holder counted on lapsed and was taken by another (or released)."""


def process_holder() -> str:
    """A holder naming this process: `host:pid:token`, new at every call."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def shown_holder(holder: str) -> str:
    """`host pid N` of a `process_holder`, for a message; any other text as it is."""
    parts = holder.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return f"{parts[0]} pid {parts[1]}"
    return holder


def _current(connection: Connection, names: Sequence[str]) -> list[Lease]:
    query = select(leases).where(leases.c.name.in_(names)).order_by(leases.c.name)
    return [Lease(**row._mapping) for row in connection.execute(query)]


def take(
    connection: Connection, names: Sequence[str], holder: str, at: datetime, until: datetime
) -> list[Lease]:
    """Take (or extend) every lease of `names` for `holder` until `until`; the leases taken.

    Raises `LeaseHeld` when another holder's lease of one of them is live at `at`: the caller's
    transaction must then roll back, so that none of `names` is taken.
    """
    insert = dialect_insert(connection.dialect.name, leases)
    new = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={
            "holder": new.holder,
            # Kept by the holder that renews it; a takeover starts afresh.
            "acquired_at": case(
                (leases.c.holder == new.holder, leases.c.acquired_at), else_=new.acquired_at
            ),
            "expires_at": new.expires_at,
        },
        where=or_(leases.c.holder == new.holder, leases.c.expires_at <= at),
    ).returning(leases.c.name)  # a row when written: the drivers' row counts of upserts differ
    refused = []
    for name in sorted(set(names)):
        row = {"name": name, "holder": holder, "acquired_at": at, "expires_at": until}
        if connection.execute(statement, row).first() is None:
            refused.append(name)
    if refused:
        raise LeaseHeld(_current(connection, refused))
    return _current(connection, names)


def renew(
    connection: Connection, names: Sequence[str], holder: str, at: datetime, until: datetime
) -> None:
    """Extend `holder`'s leases of `names` to `until`; `LeaseLost` when one is no longer its.

    A lease that lapsed but that nobody took is still the holder's: no one else worked under it.
    """
    wanted = set(names)
    renewed = connection.execute(
        update(leases)
        .where(leases.c.name.in_(wanted), leases.c.holder == holder)
        .values(expires_at=until)
    ).rowcount
    if renewed != len(wanted):
        current = {lease.name: lease for lease in _current(connection, names)}
        lost = sorted(n for n in wanted if n not in current or current[n].holder != holder)
        now_held = "; ".join(
            f"{name!r} is held by {shown_holder(current[name].holder)}"
            if name in current
            else f"{name!r} was released"
            for name in lost
        )
        raise LeaseLost(
            f"{shown_holder(holder)} no longer holds its lease: {now_held} (it lapsed before "
            f"{at:%H:%M:%S} and was taken over); the work under it stops here"
        )


def release(connection: Connection, names: Sequence[str], holder: str) -> int:
    """Give up `holder`'s leases of `names` (not another's); how many it held."""
    released = connection.execute(
        delete(leases).where(leases.c.name.in_(names), leases.c.holder == holder)
    )
    return int(released.rowcount)


def list_leases(connection: Connection) -> list[Lease]:
    """Every lease, lapsed ones included (a lapsed lease stays until taken or released)."""
    query = select(leases).order_by(leases.c.name)
    return [Lease(**row._mapping) for row in connection.execute(query)]


def live_holders(at: datetime) -> Select[tuple[str]]:
    """The holders with a live lease at `at`, as a subquery."""
    return select(leases.c.holder).where(leases.c.expires_at > at)
