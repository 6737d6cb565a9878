"""One sync at a time per fetch window: the leases of a sync's marketplaces, held while it fetches.

Several `orderflow sync` processes may share a store, on one machine or several (PostgreSQL).
Each (account, marketplace) has a lease in the store (`engine.store.leases`). A sync takes the
leases of all its marketplaces together or none of them: Lengow lists an account's orders in one
listing and a fetch run stands for every marketplace it walked, so a window walked for some of
them would be recorded as done for all. It takes them before it plans its windows, so a sync
that gets them after another let go plans from that one's finished runs and fetches nothing
twice; it renews them in the transaction of every page it commits (and of the window's end), so
a sync that lost them (it stalled past the lease and another took over) commits nothing more;
it releases them once its windows are walked. A killed sync stops renewing: its lease lapses
`duration` after its last page, and the next sync takes over and closes the killed one's run as
interrupted. A sync refused the leases skips the fetch, says who holds them until when, and goes
on with the rest of its work (timers, the outbox).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.model.clock import Clock
from engine.store import LeaseHeld, OrderStore, StoreTransaction, shown_holder

DEFAULT_LEASE = timedelta(minutes=2)
"""How long a window lease lasts unrenewed: a few pages' time, renewed with every page."""


def lease_name(account: int, marketplace: str) -> str:
    """The lease of one account's orders of one marketplace."""
    return f"fetch:{account}:{marketplace}"


@dataclass(frozen=True)
class WindowLease:
    """The window leases one sync holds: its account's marketplaces, all of them or none."""

    account: int
    marketplaces: tuple[str, ...]
    holder: str
    duration: timedelta = DEFAULT_LEASE

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError(f"a window lease must last some time, got {self.duration}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(lease_name(self.account, code) for code in self.marketplaces)

    @contextmanager
    def held(self, store: OrderStore, clock: Clock) -> Iterator[None]:
        """The leases, taken for the block and released after it; `LeaseHeld` if one is held."""
        now = clock.now()
        store.take_leases(self.names, self.holder, now, now + self.duration)
        try:
            yield
        finally:
            store.release_leases(self.names, self.holder)

    def renew(self, tx: StoreTransaction, at: datetime) -> None:
        """Extend the leases with `tx`'s work; `LeaseLost` (roll `tx` back) if one is not ours."""
        tx.renew_leases(self.names, self.holder, at, at + self.duration)

    def refusal(self, held: LeaseHeld) -> str:
        """What a sync refused the leases says, one clause per holder, e.g. `cdiscount: another
        sync (host pid 7) holds the window until 09:02:00; skipped`."""
        code_of = dict(zip(self.names, self.marketplaces, strict=True))
        holders: dict[tuple[str, datetime], list[str]] = {}
        for lease in held.leases:
            holders.setdefault((lease.holder, lease.expires_at), []).append(
                code_of.get(lease.name, lease.name)
            )
        return "; ".join(
            f"{', '.join(codes)}: another sync ({shown_holder(holder)}) holds the window "
            f"until {until:%H:%M:%S}; skipped"
            for (holder, until), codes in holders.items()
        )


def held_until(held: LeaseHeld) -> datetime:
    """When the last of the leases in the way lapses, unless renewed: when to ask again."""
    return max(lease.expires_at for lease in held.leases)
