"""The orders the twin serves, kept sorted by each listing order, so a page costs O(page + log N).

A client walks `GET /v3.0/orders` page by page; sorting and filtering every order for each page
made a sweep quadratic in the orders. `OrderIndex` holds each order once (as served: after the
order faults and the moved orders), keyed by marketplace and id, and keeps a sorted list per
ordering and marketplace filter, made the first time a listing asks for it, then kept up to date
order by order: a change costs O(log N) per list. `select` answers a listing's filters with a
range of one such list, found by bisection on the ordering's own date window, or with the few
orders of one `marketplace_order_id`; only filters the list is not sorted by (the other date
window) are checked order by order, over the range. Ties never happen: the keys end with the
marketplace and the id.

The lists are `sortedcontainers.SortedKeyList`s rather than `bisect` over Python lists: an insert
or a removal in a list of N orders costs O(log N) there, O(N) moved memory in a plain list, and a
live source changes many orders between two pages; a page is an `islice` of the range, O(log N +
page), as a slice of a plain list would be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast, overload

from sortedcontainers import SortedKeyList

from simulator.twin.orders import ServedOrder

OrderKey = tuple[str, str]
SortKey = tuple[datetime, str, str]
Window = tuple[datetime | None, datetime | None]
UPDATED = "updated_at"
ORDERED = "marketplace_order_date"
ORDERINGS: Mapping[str, Callable[[ServedOrder], SortKey]] = {
    UPDATED: lambda o: (o.updated_at, o.marketplace, o.order_id),
    ORDERED: lambda o: (o.ordered_at or o.updated_at, o.marketplace, o.order_id),
}
_TICK = timedelta(microseconds=1)  # a datetime's resolution: `after` a moment is `>= moment + 1`


def within(moment: datetime | None, window: Window) -> bool:
    """Whether `moment` lies in `window` (bounds included); no moment lies in a bounded one."""
    low, high = window
    if low is None and high is None:
        return True
    if moment is None:
        return False
    return (low is None or low <= moment) and (high is None or moment <= high)


@dataclass(frozen=True)
class Filters:
    """What a `GET /v3.0/orders` keeps, and in which order it lists them."""

    updated: Window = (None, None)
    ordered: Window = (None, None)
    marketplace: str | None = None
    order_id: str | None = None
    ordering: str = UPDATED
    descending: bool = False

    def keep(self, order: ServedOrder) -> bool:
        return (
            within(order.updated_at, self.updated)
            and within(order.ordered_at, self.ordered)
            and (self.marketplace is None or order.marketplace == self.marketplace)
            and (self.order_id is None or order.order_id == self.order_id)
        )


class Span(Sequence[ServedOrder]):
    """Orders `start` to `stop` of a sorted list (in reverse for a descending listing), read only
    where sliced: a page of a million orders costs a page."""

    def __init__(self, orders: SortedKeyList, start: int, stop: int, descending: bool) -> None:
        self._orders, self._start, self._stop = orders, start, max(start, stop)
        self._descending = descending

    def __len__(self) -> int:
        return self._stop - self._start

    def __iter__(self) -> Iterator[ServedOrder]:
        return iter(self[:])

    @overload
    def __getitem__(self, index: int) -> ServedOrder: ...

    @overload
    def __getitem__(self, index: slice) -> list[ServedOrder]: ...

    def __getitem__(self, index: int | slice) -> ServedOrder | list[ServedOrder]:
        if isinstance(index, int):
            picked = self[index : index + 1 or None]
            if not picked:
                raise IndexError(f"order {index} of a listing of {len(self)}")
            return picked[0]
        first, last, step = index.indices(len(self))
        if step != 1:
            raise ValueError("a listing is read in pages: slice it without a step")
        if last <= first:
            return []
        if self._descending:
            start, stop = self._stop - last, self._stop - first
        else:
            start, stop = self._start + first, self._start + last
        return list(self._orders.islice(start, stop, reverse=self._descending))


class OrderIndex:
    """Every order served, by key, in the order its source lists them, and sorted per listing."""

    def __init__(self) -> None:
        self._orders: dict[OrderKey, ServedOrder] = {}
        self._sorted: dict[tuple[str, str | None], SortedKeyList] = {}
        self._undated = 0  # orders without `ordered_at`: a date window must check them
        self._markets: set[str] = set()  # every marketplace served so far

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, key: object) -> bool:
        return key in self._orders

    def orders(self) -> list[ServedOrder]:
        """Every order, in the order its source last listed them."""
        return list(self._orders.values())

    def put(self, order: ServedOrder) -> None:
        """Serve `order` from now on, in place of the one of its key (O(log N) per list)."""
        key = (order.marketplace, order.order_id)
        held = self._orders.get(key)
        if held is order:
            return
        if held is not None:
            self._unlist(held)
        self._orders[key] = order
        self._list(order)

    def replace_all(self, orders: Iterable[ServedOrder]) -> None:
        """Serve exactly `orders`, in their order; only the orders that changed are re-sorted."""
        fresh = {(o.marketplace, o.order_id): o for o in orders}
        for key, held in self._orders.items():
            if fresh.get(key) is not held:
                self._unlist(held)
        for key, order in fresh.items():
            if self._orders.get(key) is not order:
                self._list(order)
        self._orders = fresh

    def _list(self, order: ServedOrder) -> None:
        self._undated += order.ordered_at is None
        self._markets.add(order.marketplace)
        for (_, marketplace), listed in self._sorted.items():
            if marketplace in (None, order.marketplace):
                listed.add(order)

    def _unlist(self, order: ServedOrder) -> None:
        self._undated -= order.ordered_at is None
        for (_, marketplace), listed in self._sorted.items():
            if marketplace in (None, order.marketplace):
                listed.remove(order)

    def _sorted_by(self, ordering: str, marketplace: str | None) -> SortedKeyList:
        """The orders (of `marketplace`, or all) sorted by `ordering`, sorted once and then kept."""
        listed = self._sorted.get((ordering, marketplace))
        if listed is None:
            chosen: Iterable[ServedOrder] = self._orders.values()
            if marketplace is not None:
                chosen = [o for o in chosen if o.marketplace == marketplace]
            listed = SortedKeyList(chosen, key=ORDERINGS[ordering])
            self._sorted[(ordering, marketplace)] = listed
        return listed

    def select(self, filters: Filters) -> Sequence[ServedOrder]:
        """The orders `filters` keep, in their listing's order."""
        key = ORDERINGS[filters.ordering]
        if filters.order_id is not None:
            markets = self._markets if filters.marketplace is None else {filters.marketplace}
            found = (self._orders.get((market, filters.order_id)) for market in markets)
            chosen = [o for o in found if o is not None and filters.keep(o)]
            return sorted(chosen, key=key, reverse=filters.descending)
        if filters.marketplace is not None and filters.marketplace not in self._markets:
            return []  # no list is kept for a name a client made up
        listed = self._sorted_by(filters.ordering, filters.marketplace)
        own, other = (
            (filters.updated, filters.ordered)
            if filters.ordering == UPDATED
            else (filters.ordered, filters.updated)
        )
        start, stop = _bounds(listed, own)
        exact = other == (None, None) and (
            filters.ordering == UPDATED or own == (None, None) or not self._undated
        )
        if exact:
            return Span(listed, start, stop, filters.descending)
        kept = [o for o in listed.islice(start, stop) if filters.keep(o)]
        return kept[::-1] if filters.descending else kept


def _bounds(listed: SortedKeyList, window: Window) -> tuple[int, int]:
    """The range of `listed` whose first key lies in `window` (bounds included)."""
    low, high = window
    start = 0 if low is None else cast(int, listed.bisect_key_left((low,)))
    stop = len(listed)
    if high is not None:
        with suppress(OverflowError):  # the highest datetime: nothing lies after it
            stop = cast(int, listed.bisect_key_left((high + _TICK,)))
    return start, max(start, stop)
