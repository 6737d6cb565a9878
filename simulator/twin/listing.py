"""Lists as the Lengow API serves them: filtered, ordered, cut in pages with `next` links.

Every Lengow list answers `{"count", "next", "previous", "results"}` and a client follows
`next` until it is null. The twin's page faults live here because they are faults of the paging:
`duplicate_pages` makes `next` serve every page a second time before moving on,
`reorder_pages` serves the pages in a shuffled (but complete) order, `malformed` slips unreadable
orders into each page. None of them loses an order: a client that follows `next` to the end
still sees every one. The shuffle keeps the last page last: it is the only one that may be short,
and a short page before the last is what a listing that changed under the walk looks like.

`shift_listing` does lose one, as a real listing does when an order changes during a walk:
`MovedOrders` updates the listing's first order past the window's upper bound before a later
page is served, and keeps serving it so until its source changes it.

The orders are chosen from an `order_index.OrderIndex`, which keeps them sorted, and only the
page asked for is written: a page costs O(page + log N), a sweep of N orders O(N log N).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import urlencode

import numpy as np

from engine.channels.field_values import Unreadable, parse_datetime
from simulator.twin.faults import Faults, malformed_orders
from simulator.twin.lengow_json import lengow_time
from simulator.twin.order_index import ORDERINGS, Filters, OrderIndex
from simulator.twin.orders import ServedOrder

MAX_PAGE_SIZE = 100
REPLAY = "replay"
_NOT_FILTERS = frozenset({"account_id", "page", "page_size", "ordering", REPLAY})
T = TypeVar("T")


class ListingError(ValueError):
    """A request the API refuses; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Listing:
    count: int
    page: int
    pages: int
    results: Sequence[object]
    duplicate: bool = False
    replay: bool = False

    def body(self, url: str, query: Mapping[str, str]) -> dict[str, object]:
        return {
            "count": self.count,
            "next": self._next(url, query),
            "previous": _link(url, query, self.page - 1) if self.page > 1 else None,
            "results": list(self.results),
        }

    def _next(self, url: str, query: Mapping[str, str]) -> str | None:
        if self.duplicate and not self.replay:
            return _link(url, query, self.page, replay=True)
        return _link(url, query, self.page + 1) if self.page < self.pages else None


def _link(url: str, query: Mapping[str, str], page: int, replay: bool = False) -> str:
    params = {k: v for k, v in query.items() if k not in ("page", REPLAY)}
    params["page"] = str(page)
    if replay:
        params[REPLAY] = "1"
    return f"{url}?{urlencode(params)}"


def _number(query: Mapping[str, str], key: str, default: int, highest: int) -> int:
    raw = query.get(key, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ListingError(400, f"{key}: A valid integer is required.") from None
    if not 1 <= value <= highest:
        raise ListingError(400 if key == "page_size" else 404, f"{key}: {raw} is out of range")
    return value


def _paged(
    items: Sequence[T],
    query: Mapping[str, str],
    faults: Faults | None,
    shown: Callable[[T], object],
) -> Listing:
    """The page `query` asks for of `items`, each written by `shown`; only that page is read."""
    size = _number(query, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    pages = max(1, math.ceil(len(items) / size))
    try:
        page = _number(query, "page", 1, pages)
    except ListingError:
        raise ListingError(404, "Invalid page.") from None
    at = page
    if faults is not None and faults.reorder_pages and page < pages:
        at = int(np.random.default_rng(pages).permutation(pages - 1)[page - 1]) + 1
    results = [shown(item) for item in items[(at - 1) * size : at * size]]
    if faults is not None and faults.malformed:
        orders = [r for r in results if isinstance(r, Mapping)]
        results += malformed_orders(orders, faults.malformed)
    duplicate = faults is not None and faults.duplicate_pages
    return Listing(len(items), page, pages, results, duplicate, query.get(REPLAY) == "1")


def _time(query: Mapping[str, str], key: str) -> datetime | None:
    raw = query.get(key)
    if raw is None:
        return None
    try:
        return parse_datetime(raw)
    except Unreadable:
        raise ListingError(400, f"{key}: Enter a valid date/time.") from None


def later_page(query: Mapping[str, str]) -> bool:
    """Whether the request is for a page after the first (a replayed page is not a new one)."""
    return query.get("page", "1") != "1" and query.get(REPLAY) != "1"


def chosen_orders(index: OrderIndex, query: Mapping[str, str]) -> Sequence[ServedOrder]:
    """The orders a `GET /v3.0/orders` lists, in its order, before paging."""
    updated = (_time(query, "updated_from"), _time(query, "updated_to"))
    ordered = (
        _time(query, "marketplace_order_date_from"),
        _time(query, "marketplace_order_date_to"),
    )
    ordering = query.get("ordering", "updated_at")
    if ordering.lstrip("-") not in ORDERINGS:
        raise ListingError(400, f"ordering: '{ordering}' is not one of {', '.join(ORDERINGS)}")
    filters = Filters(
        updated,
        ordered,
        marketplace=query.get("marketplace"),
        order_id=query.get("marketplace_order_id"),
        ordering=ordering.lstrip("-"),
        descending=ordering.startswith("-"),
    )
    return index.select(filters)


def order_listing(index: OrderIndex, query: Mapping[str, str], faults: Faults) -> Listing:
    """The page of orders a `GET /v3.0/orders` asks for."""
    return _paged(chosen_orders(index, query), query, faults, _document)


def _document(order: ServedOrder) -> object:
    return order.document


class MovedOrders:
    """The orders `shift_listing` updated, served with their new `updated_at`.

    A moved order is served so while its source serves the document it was moved from; once the
    source changes the order itself (an action, a simulated event), the source's version counts.
    """

    def __init__(self) -> None:
        self._moved: dict[tuple[str, str], tuple[Mapping[str, object], ServedOrder]] = {}

    def __len__(self) -> int:
        return len(self._moved)

    def served(self, orders: Sequence[ServedOrder]) -> list[ServedOrder]:
        """`orders` with the moved ones in their moved state."""
        return [self.one(order) for order in orders]

    def one(self, order: ServedOrder) -> ServedOrder:
        """`order` in its moved state, if it was moved and its source has not changed it since."""
        key = (order.marketplace, order.order_id)
        moved = self._moved.get(key)
        if moved is not None and moved[0] == order.document:
            return moved[1]
        self._moved.pop(key, None)
        return order

    def move_first(
        self, index: OrderIndex, query: Mapping[str, str], now: datetime
    ) -> ServedOrder | None:
        """Update the first order `query` lists past its `updated_to` (past its own `updated_at`
        without one), or to `now` when that is later.

        The moved order leaves the window, the rest of the listing shifts up by one once `index`
        serves it, which its caller does. Returns the moved order, None when the listing is empty.
        """
        listed = chosen_orders(index, query)
        if not listed:
            return None
        first = listed[0]
        upper = _time(query, "updated_to")
        at = max(now, (first.updated_at if upper is None else upper) + timedelta(seconds=1))
        original = next(
            (doc for doc, after in self._moved.values() if after is first), first.document
        )
        document = {**first.document, "updated_at": lengow_time(at)}
        moved = replace(first, updated_at=at, document=document)
        self._moved[(first.marketplace, first.order_id)] = (original, moved)
        return moved


def _flag(value: str) -> bool:
    return value.strip().casefold() in ("1", "true", "yes")


def _matches(record: Mapping[str, object], key: str, wanted: str) -> bool:
    value = record.get(key)
    if isinstance(value, bool):
        return value == _flag(wanted)
    return ("" if value is None else str(value)) == wanted


def record_listing(records: Sequence[Mapping[str, object]], query: Mapping[str, str]) -> Listing:
    """The page of actions a `GET /v3.0/orders/actions/` asks for (every filter must match)."""
    filters = {k: v for k, v in query.items() if k not in _NOT_FILTERS}
    chosen = [r for r in records if all(_matches(r, k, v) for k, v in filters.items())]
    return _paged(chosen, query, None, dict)
