"""Leases on both backends, on a clock the test sets: taken, refused while live, taken over once
lapsed, renewed, released; and fetch runs closed as interrupted only once their holder's lease
lapsed."""

from __future__ import annotations

import os
import threading

import pytest

from engine.store import (
    FetchKind,
    Lease,
    LeaseHeld,
    LeaseLost,
    RunStatus,
    Store,
    open_store,
    process_holder,
    shown_holder,
)
from engine.store.fetch_log import INTERRUPTED
from tests.store.changes import at

A = "hostA:101:aaaa"
B = "hostB:202:bbbb"


def test_a_free_lease_is_taken_and_a_live_one_refused_with_who_holds_it(store: Store) -> None:
    taken = store.take_leases(["fetch:1:cdiscount"], A, at(0), at(2))
    assert taken == [Lease("fetch:1:cdiscount", A, at(0), at(2))]
    with pytest.raises(LeaseHeld) as refused:
        store.take_leases(["fetch:1:cdiscount"], B, at(1), at(3))
    assert refused.value.leases == (Lease("fetch:1:cdiscount", A, at(0), at(2)),)
    assert str(refused.value) == (
        "the lease is held: 'fetch:1:cdiscount' by hostA pid 101 until 09:02:00; "
        "try again once it lapses"
    )
    assert store.leases() == taken


def test_leases_are_taken_all_together_or_none(store: Store) -> None:
    store.take_leases(["b"], A, at(0), at(2))
    with pytest.raises(LeaseHeld) as refused:
        store.take_leases(["a", "b", "c"], B, at(1), at(3))
    assert [lease.name for lease in refused.value.leases] == ["b"]
    # Neither "a" nor "c" was kept: the refusal rolled back the whole take.
    assert [(lease.name, lease.holder) for lease in store.leases()] == [("b", A)]


def test_a_lapsed_lease_is_taken_over_and_starts_afresh(store: Store) -> None:
    store.take_leases(["w"], A, at(0), at(2))
    # At its `expires_at` a lease no longer excludes anyone.
    assert store.take_leases(["w"], B, at(2), at(4)) == [Lease("w", B, at(2), at(4))]
    with pytest.raises(LeaseHeld):
        store.take_leases(["w"], A, at(3), at(5))


def test_its_holder_takes_it_again_and_renews_it_keeping_when_it_was_acquired(
    store: Store,
) -> None:
    store.take_leases(["w"], A, at(0), at(2))
    assert store.take_leases(["w"], A, at(1), at(3)) == [Lease("w", A, at(0), at(3))]
    store.renew_leases(["w"], A, at(2), at(4))
    assert store.leases() == [Lease("w", A, at(0), at(4))]
    # Lapsed but taken by nobody: still the holder's to renew (no one else worked under it).
    store.renew_leases(["w"], A, at(9), at(11))
    assert store.leases() == [Lease("w", A, at(0), at(11))]


def test_a_lease_taken_over_cannot_be_renewed_and_the_message_says_by_whom(store: Store) -> None:
    store.take_leases(["w", "x"], A, at(0), at(2))
    store.take_leases(["w"], B, at(3), at(5))
    store.release_leases(["x"], A)
    with pytest.raises(LeaseLost) as lost:
        store.renew_leases(["w", "x"], A, at(3), at(5))
    assert str(lost.value) == (
        "hostA pid 101 no longer holds its lease: 'w' is held by hostB pid 202; 'x' was "
        "released (it lapsed before 09:03:00 and was taken over); the work under it stops here"
    )
    assert store.leases() == [Lease("w", B, at(3), at(5))]  # the failed renewal wrote nothing


def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(store: Store) -> None:
    store.take_leases(["w"], A, at(0), at(2))
    assert store.release_leases(["w"], B) == 0
    assert store.release_leases(["w"], A) == 1
    assert store.leases() == []
    assert store.take_leases(["w"], B, at(1), at(3)) == [Lease("w", B, at(1), at(3))]


def test_of_many_takers_at_once_exactly_one_gets_the_lease(store_url: str) -> None:
    takers = 8
    start = threading.Barrier(takers)
    outcomes: dict[str, str] = {}

    def take(holder: str) -> None:
        with open_store(store_url) as own:
            start.wait()
            try:
                own.take_leases(["w"], holder, at(0), at(2))
                outcomes[holder] = "taken"
            except LeaseHeld as held:
                outcomes[holder] = f"held by {held.leases[0].holder}"

    threads = [threading.Thread(target=take, args=(f"h:{n}:t",)) for n in range(takers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [holder for holder, outcome in outcomes.items() if outcome == "taken"]
    assert len(winners) == 1 and len(outcomes) == takers
    assert list(outcomes.values()).count(f"held by {winners[0]}") == takers - 1
    with open_store(store_url) as store:
        assert [lease.holder for lease in store.leases()] == winners


def test_a_running_run_is_closed_only_once_its_holders_lease_lapsed(store: Store) -> None:
    store.take_leases(["w"], A, at(0), at(2))
    alive = store.start_run(FetchKind.SWEEP, at(-60), at(0), at(0), holder=A)
    dead = store.start_run(FetchKind.SWEEP, at(-60), at(0), at(0), holder=B)  # no lease at all
    older = store.start_run(FetchKind.SWEEP, at(-60), at(0), at(0))  # before version 6
    assert store.close_interrupted(at(1)) == 2
    runs = {run.id: run for run in store.fetch_runs()}
    assert (runs[alive].status, runs[alive].holder) == (RunStatus.RUNNING, A)
    assert [(runs[n].status, runs[n].error, runs[n].holder) for n in (dead, older)] == [
        (RunStatus.FAILED, INTERRUPTED, B),
        (RunStatus.FAILED, INTERRUPTED, None),
    ]
    store.renew_leases(["w"], A, at(1), at(3))
    assert store.close_interrupted(at(2)) == 0  # renewed: still alive
    assert store.close_interrupted(at(3)) == 1  # its lease lapsed at 09:03 unrenewed
    closed = store.fetch_runs()[0]
    assert (closed.id, closed.status, closed.finished_at) == (alive, RunStatus.FAILED, at(3))


def test_a_holder_names_its_process_and_shows_as_host_and_pid() -> None:
    holder = process_holder()
    host, pid, token = holder.rsplit(":", 2)
    assert (int(pid), len(token)) == (os.getpid(), 8)
    assert shown_holder(holder) == f"{host} pid {pid}"
    assert process_holder() != holder  # a new token every time
    assert shown_holder("someone") == "someone"
