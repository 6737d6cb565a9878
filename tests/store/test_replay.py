"""Any replay of an order's snapshots, repeated and out of order, never regresses or duplicates.

The sync computes each change from the state it read; here the changes of one order are a fixed
chain (each based on the previous) and hypothesis feeds them to the store in any order, any
number of times, in any batches. Whatever happens, each order must hold a prefix of its chain:
the state of one link of it, exactly that link's events, and a clock that never went back.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.store import OrderChange, Store
from tests.store.changes import moved, new_order

PATH = ("AcceptedBySeller", "WaitingForShipmentAcceptation", "Shipped")


def chain(marketplace: str, order_id: str) -> list[OrderChange]:
    links = [dataclasses.replace(new_order(order_id), marketplace=marketplace)]
    for step, status in enumerate(PATH, start=1):
        links.append(moved(links[-1], status, 10 * step))
    return links


batches = st.lists(
    st.lists(st.tuples(st.integers(0, 1), st.integers(0, len(PATH))), min_size=1, max_size=5),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(feed=batches)
def test_any_replay_leaves_a_prefix_of_the_chain(
    store: Store, feed: list[list[tuple[int, int]]]
) -> None:
    marketplace = f"mp-{uuid.uuid4().hex[:8]}"
    chains = {f"O{n}": chain(marketplace, f"O{n}") for n in range(2)}
    clocks: dict[str, datetime | None] = {order_id: None for order_id in chains}
    for batch in feed:
        store.apply([chains[f"O{n}"][link] for n, link in batch])
        for order_id, links in chains.items():
            state = store.get_order(marketplace, order_id)
            if state is None:
                assert clocks[order_id] is None
                continue
            link = links[state.seq - 1]
            assert (state.status, state.updated_at) == (link.status, link.updated_at)
            expected = [e.to_status for change in links[: state.seq] for e in change.events]
            assert [e.to_status for e in store.events(marketplace, order_id)] == expected
            previous = clocks[order_id]
            assert previous is None or previous <= state.updated_at
            clocks[order_id] = state.updated_at
