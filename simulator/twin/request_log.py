"""The requests a twin served, kept so a test or a benchmark can count what was asked twice.

Several syncs or workers sharing a store share the marketplace's rate limit too: between them,
each order page should be asked for once. `RequestLog(service)` listens to a twin
(`TwinService.listen`) and keeps every API request with its answer's status; `pages` lists the
order pages served (each `GET /v3.0/orders` answered 200, by its query: window, page, filters)
and `repeated_pages` counts those served more than once, the figure a duplicate fetch shows as.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from simulator.twin.api import TwinReply, TwinRequest, TwinService

ORDERS = "/v3.0/orders"


@dataclass(frozen=True)
class Served:
    """One API request the twin answered, and the status it answered with."""

    request: TwinRequest
    status: int

    @property
    def page(self) -> tuple[tuple[str, str], ...] | None:
        """The order page asked for, as its sorted query, or None for any other request."""
        request = self.request
        if request.method != "GET" or request.path.rstrip("/") != ORDERS or self.status != 200:
            return None
        return tuple(sorted(request.query.items()))


class RequestLog:
    """Every API request `service` serves from now on, in the order it served them."""

    def __init__(self, service: TwinService) -> None:
        self._lock = threading.Lock()
        self._served: list[Served] = []
        service.listen(self._record)

    def _record(self, request: TwinRequest, reply: TwinReply) -> None:
        with self._lock:
            self._served.append(Served(request, reply.status))

    @property
    def served(self) -> list[Served]:
        with self._lock:
            return list(self._served)

    def clear(self) -> None:
        with self._lock:
            self._served.clear()

    def pages(self) -> list[tuple[tuple[str, str], ...]]:
        """Each order page served, once per time it was served."""
        return [page for entry in self.served if (page := entry.page) is not None]

    def repeated_pages(self) -> int:
        """How many order pages were served again after their first time."""
        return sum(count - 1 for count in Counter(self.pages()).values())
