"""The twin's order pages from its sorted index: their contents and order, pinned by hand on six
orders, and kept consistent when an order changes between two page requests, whether the
source tells the twin what changed or not. A property test checks the index against a plain
filter-and-sort of every order, through changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.twin.api import Credentials, TwinRequest, TwinService
from simulator.twin.faults import Faults
from simulator.twin.order_index import Filters, OrderIndex
from simulator.twin.orders import ActionRequest, ServedOrder, TrackedSource

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def order(marketplace: str, order_id: str, updated: float, ordered: float | None) -> ServedOrder:
    document = {"marketplace": marketplace, "marketplace_order_id": order_id}
    return ServedOrder(
        marketplace, order_id, at(updated), None if ordered is None else at(ordered), document
    )


# Listed by updated_at: F3 C2 F1 F2 C1 C3 (C2 and F1 tie at 2 h: cdiscount first).
# By marketplace_order_date (updated_at without one): F1 C1 C2 C3 F2 F3 (C3 and F2 tie at 3 h).
ORDERS = (
    order("cdiscount", "C1", 5, 1),
    order("cdiscount", "C2", 2, 2),
    order("fnac", "F1", 2, 0),
    order("fnac", "F2", 3, None),
    order("cdiscount", "C3", 7, 3),
    order("fnac", "F3", 1, 4),
)


class HandOrders:
    """Orders set by hand; `change` replaces one (or adds it)."""

    def __init__(self, orders: Sequence[ServedOrder]) -> None:
        self.listed = {(o.marketplace, o.order_id): o for o in orders}
        self.log: list[tuple[str, str]] = []
        self.reads = 0

    def orders(self) -> Sequence[ServedOrder]:
        self.reads += 1
        return list(self.listed.values())

    def apply(self, action: ActionRequest, at: datetime) -> str:
        return "this twin takes no actions"

    def change(self, changed: ServedOrder) -> None:
        key = (changed.marketplace, changed.order_id)
        self.listed[key] = changed
        self.log.append(key)


class TrackedHandOrders(HandOrders):
    """The same, telling the twin which orders changed."""

    def revision(self) -> int:
        return len(self.log)

    def changed_since(self, revision: int) -> Sequence[ServedOrder]:
        return [self.listed[key] for key in dict.fromkeys(self.log[revision:])]


class FixedClock:
    def now(self) -> datetime:
        return at(24)

    def sleep(self, seconds: float) -> None:
        raise AssertionError("no fault is set: nothing may wait")


class Client:
    """`GET /v3.0/orders` on a twin over `source`, without HTTP."""

    def __init__(self, source: HandOrders) -> None:
        self.service = TwinService(source, FixedClock(), Credentials(), Faults())
        form = {"access_token": "a", "secret": "b"}
        token = self.service.handle(TwinRequest("POST", "/access/get_token", form=form))
        self.token = str(token.body["token"])  # type: ignore[index]

    def page(self, **query: str) -> tuple[int, list[str], str | None]:
        """The page's count, its order ids and its `next` link's query."""
        request = TwinRequest(
            "GET", "/v3.0/orders", {"account_id": "1", **query}, authorization=self.token
        )
        reply = self.service.handle(request)
        assert reply.status == 200, reply.body
        body = reply.body
        assert isinstance(body, dict)
        link = body["next"]
        ids = [str(r["marketplace_order_id"]) for r in body["results"]]
        return body["count"], ids, None if link is None else link.split("?", 1)[1]

    def ids(self, **query: str) -> list[str]:
        return self.page(**query)[1]


SOURCES = [HandOrders, TrackedHandOrders]


@pytest.mark.parametrize("source", SOURCES)
def test_pages_follow_the_listing_order(source: type[HandOrders]) -> None:
    client = Client(source(ORDERS))
    assert client.page(page_size="2") == (6, ["F3", "C2"], "account_id=1&page_size=2&page=2")
    assert client.page(page_size="2", page="2") == (
        6,
        ["F1", "F2"],
        "account_id=1&page_size=2&page=3",
    )
    assert client.page(page_size="2", page="3") == (6, ["C1", "C3"], None)
    assert client.ids(ordering="-updated_at") == ["C3", "C1", "F2", "F1", "C2", "F3"]
    assert client.ids(ordering="marketplace_order_date") == ["F1", "C1", "C2", "C3", "F2", "F3"]
    assert client.ids(ordering="-marketplace_order_date", page_size="4", page="2") == ["C1", "F1"]


@pytest.mark.parametrize("source", SOURCES)
def test_every_filter_keeps_what_it_kept(source: type[HandOrders]) -> None:
    client = Client(source(ORDERS))
    window = {"updated_from": at(2).isoformat(), "updated_to": at(5).isoformat()}
    assert client.ids(**window) == ["C2", "F1", "F2", "C1"]
    assert client.ids(**window, ordering="-updated_at") == ["C1", "F2", "F1", "C2"]
    # The other date's order over an updated window: checked order by order.
    assert client.ids(**window, ordering="marketplace_order_date") == ["F1", "C1", "C2", "F2"]
    dated = {
        "marketplace_order_date_from": at(0).isoformat(),
        "marketplace_order_date_to": at(3).isoformat(),
    }
    # F2 has no order date: its updated_at (3 h) sorts it, but no date window holds it.
    assert client.ids(**dated, ordering="marketplace_order_date") == ["F1", "C1", "C2", "C3"]
    assert client.ids(**dated) == ["C2", "F1", "C1", "C3"]
    assert client.ids(marketplace="fnac") == ["F3", "F1", "F2"]
    assert client.ids(marketplace="fnac", **window) == ["F1", "F2"]
    assert client.ids(marketplace="amazon") == []
    assert client.ids(marketplace_order_id="F2") == ["F2"]
    assert client.ids(marketplace_order_id="C2", marketplace="fnac") == []
    assert client.ids(marketplace_order_id="C2", **dated) == ["C2"]
    assert client.ids(updated_from=at(6).isoformat(), updated_to=at(4).isoformat()) == []


@pytest.mark.parametrize("source", SOURCES)
def test_an_order_changing_between_two_pages_moves_in_the_next_one(
    source: type[HandOrders],
) -> None:
    orders = source(ORDERS)
    client = Client(orders)
    assert client.page(page_size="2") == (6, ["F3", "C2"], "account_id=1&page_size=2&page=2")
    orders.change(order("cdiscount", "C2", 8, 2))  # updated past every other order
    # F1 slid onto page 1, already read: what a real listing does when an order changes.
    assert client.page(page_size="2", page="2") == (
        6,
        ["F2", "C1"],
        "account_id=1&page_size=2&page=3",
    )
    orders.change(order("amazon", "A1", 0, 0))  # a new order, first of the listing
    assert client.page(page_size="2", page="3") == (
        7,
        ["C1", "C3"],
        "account_id=1&page_size=2&page=4",
    )
    assert client.page(page_size="2", page="4") == (7, ["C2"], None)
    assert client.ids(marketplace="cdiscount") == ["C1", "C3", "C2"]
    assert client.ids(marketplace_order_id="A1") == ["A1"]
    assert [o.order_id for o in client.service.truth()] == [
        "C1",
        "C2",
        "F1",
        "F2",
        "C3",
        "F3",
        "A1",
    ]


def test_a_tracked_source_is_read_whole_once() -> None:
    orders = TrackedHandOrders(ORDERS)
    assert isinstance(orders, TrackedSource)
    assert not isinstance(HandOrders(ORDERS), TrackedSource)
    client = Client(orders)
    for page in ("1", "2", "3"):
        client.page(page_size="2", page=page)
    orders.change(order("fnac", "F3", 9, 4))
    assert client.ids() == ["C2", "F1", "F2", "C1", "C3", "F3"]
    assert orders.reads == 1


# -- the index against a plain filter and sort -----------------------------------------------

MARKETPLACES = ("cdiscount", "fnac")
hours = st.integers(0, 12)
orders_drawn = st.builds(
    order, st.sampled_from(MARKETPLACES), st.sampled_from(["1", "2", "3", "4", "5", "6"]), hours,
    st.none() | hours,
)  # fmt: skip
windows = st.tuples(st.none() | hours.map(at), st.none() | hours.map(at))
filters_drawn = st.builds(
    Filters,
    updated=windows,
    ordered=windows,
    marketplace=st.none() | st.sampled_from([*MARKETPLACES, "amazon"]),
    order_id=st.none() | st.sampled_from(["1", "2", "9"]),
    ordering=st.sampled_from(["updated_at", "marketplace_order_date"]),
    descending=st.booleans(),
)


def inside(moment: datetime | None, window: tuple[datetime | None, datetime | None]) -> bool:
    low, high = window
    if low is None and high is None:
        return True
    return (
        moment is not None and (low is None or low <= moment) and (high is None or moment <= high)
    )


def plainly(orders: Mapping[tuple[str, str], ServedOrder], f: Filters) -> list[ServedOrder]:
    """What the twin listed before its index: every order filtered, then sorted."""
    kept = [
        o
        for o in orders.values()
        if inside(o.updated_at, f.updated)
        and inside(o.ordered_at, f.ordered)
        and f.marketplace in (None, o.marketplace)
        and f.order_id in (None, o.order_id)
    ]
    if f.ordering == "updated_at":
        kept.sort(key=lambda o: (o.updated_at, o.marketplace, o.order_id))
    else:
        kept.sort(key=lambda o: (o.ordered_at or o.updated_at, o.marketplace, o.order_id))
    return kept[::-1] if f.descending else kept


@settings(max_examples=150, deadline=None)
@given(
    st.lists(orders_drawn, max_size=12),
    st.lists(st.tuples(st.booleans(), st.lists(orders_drawn, max_size=6)), max_size=4),
    st.lists(filters_drawn, min_size=1, max_size=4),
)
def test_the_index_lists_what_a_plain_sort_lists(
    first: list[ServedOrder],
    steps: list[tuple[bool, list[ServedOrder]]],
    asked: list[Filters],
) -> None:
    index = OrderIndex()
    truth: dict[tuple[str, str], ServedOrder] = {}
    for served in first:
        index.put(served)
        truth[(served.marketplace, served.order_id)] = served
    for whole, orders in steps:
        for f in asked:  # the lists these filters read are kept from now on
            assert list(index.select(f)) == plainly(truth, f)
        if whole:  # the source read again: some orders gone, some changed
            truth = {(o.marketplace, o.order_id): o for o in orders}
            index.replace_all(orders)
        for served in [] if whole else orders:
            index.put(served)
            truth[(served.marketplace, served.order_id)] = served
    for f in asked:
        selected = index.select(f)
        assert list(selected) == plainly(truth, f)
        assert len(selected) == len(plainly(truth, f))
        assert selected[1:3] == plainly(truth, f)[1:3]
    assert index.orders() == list(truth.values())
