"""What the Lengow twin answers, independent of the HTTP server that carries it.

`TwinService.handle` takes a parsed request and returns the status, the JSON body and the
headers, in Lengow's shapes: `/access/get_token` (token valid one hour on the twin's clock),
`GET /v3.0/marketplaces` (statuses by stage and actions, from the rule files),
`GET /v3.0/orders` (filters on `updated_*`, `marketplace_order_date_*`, `marketplace`,
`marketplace_order_id`; `page`/`page_size` up to 100; `count`, `next`, `previous`; the
`shift_listing` fault updates an order before a later page, `moved` keeps those updates; the
order faults rewrite a few orders, `odd` keeps which and how),
`/v3.0/orders/actions/` (list with filters; POST queues an action that is applied to its order
before the next order fetch, then shows as processed, with `errors` when refused, as it is on
an order the order faults serve at another status; the `html_actions` fault answers a queued
one with an HTML page instead of its record), and the
control endpoints (`/_twin/faults`: GET, POST settings, DELETE to clear; `DELETE /_twin/tokens`
revokes every token). Errors use Lengow's `{"error": {"code", "message"}}`. One lock
serialises the handling, so concurrent requests see a consistent twin; a listener (`listen`,
such as `request_log.RequestLog`) is told every API request and its reply, in the order served.
The access token and the secret are compared in constant time, both of them always, so the time
of a refusal tells nothing about how much of a guess was right. `truth()` reads back what the
twin serves now, for a test to compare a store with. The orders served are held sorted
(`order_index.OrderIndex`) and brought up to date before each request: from a `TrackedSource`
(the generated orders), only the orders it changed, so a page costs O(page + log N).
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.model.clock import Clock
from engine.model.definition import RuleSet
from simulator.twin.faults import FaultError, Faults, FaultState, RequestFault
from simulator.twin.lengow_json import lengow_time
from simulator.twin.listing import (
    Listing,
    ListingError,
    MovedOrders,
    later_page,
    order_listing,
    record_listing,
)
from simulator.twin.odd_orders import OddOrders
from simulator.twin.order_index import OrderIndex
from simulator.twin.orders import ActionRequest, OrderSource, TrackedSource
from simulator.twin.truth import ReportedOrder, reported_orders

TOKEN_LIFETIME = timedelta(hours=1)
ACTION_KEYS = ("account_id", "marketplace", "marketplace_order_id", "action_type")


@dataclass(frozen=True)
class TwinRequest:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    body: object = None
    authorization: str | None = None
    base_url: str = ""


@dataclass(frozen=True)
class Html:
    """A body that is not JSON: the page a failing proxy in front of the API answers."""

    text: str


PROXY_PAGE = "<html><head><title>Bad Gateway</title></head><body><h1>Proxy error</h1></body></html>"


@dataclass(frozen=True)
class TwinReply:
    status: int
    body: object  # JSON, or an `Html` page
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> TwinReply:
    return TwinReply(status, {"error": {"code": status, "message": message}}, headers or {})


# Told each API request the twin served and its reply, under the twin's lock: it must be quick.
Listener = Callable[[TwinRequest, TwinReply], None]


@dataclass(frozen=True)
class Credentials:
    """What the twin accepts at `/access/get_token`; empty texts accept any pair."""

    access_token: str = ""
    secret: str = ""
    account_id: int = 1


class TwinService:
    def __init__(
        self,
        source: OrderSource,
        clock: Clock,
        credentials: Credentials,
        faults: Faults,
        marketplaces: Mapping[str, object] | None = None,
        rule_sets: Sequence[RuleSet] = (),
    ) -> None:
        self.source = source
        self.rules = {r.marketplace.code: r for r in rule_sets}
        self.marketplaces = dict(marketplaces or {})
        self.clock = clock
        self.credentials = credentials
        self.faults = FaultState(faults)
        self.faults.set(faults)
        self.tokens: dict[str, datetime] = {}
        self.actions: list[dict[str, object]] = []
        self._queued: list[dict[str, object]] = []  # the records of `actions` not applied yet
        self.fetches = 0
        self.moved = MovedOrders()
        self.odd = OddOrders(rule_sets)
        self._index = OrderIndex()
        self._revision: int | None = None  # a tracked source's revision the index holds
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def listen(self, listener: Listener) -> None:
        """Tell `listener` every API request served from now on, with its reply."""
        with self._lock:
            self._listeners.append(listener)

    def handle(self, request: TwinRequest) -> TwinReply:
        with self._lock:
            if request.path.startswith("/_twin/"):
                return self._control(request)
            fault, delay = self.faults.next_request()
            reply = self._faulty(fault) if fault else self._route(request)
            reply = TwinReply(reply.status, reply.body, reply.headers, delay)
            for listener in self._listeners:
                listener(request, reply)
            return reply

    def _faulty(self, fault: RequestFault) -> TwinReply:
        faults = self.faults.faults
        if fault is RequestFault.RATE_LIMIT:
            wait = f"{faults.retry_after:g}"
            return error(429, "Request limitation: twin limit reached", {"Retry-After": wait})
        return error(faults.error_status, "The twin fails on purpose")

    def _route(self, request: TwinRequest) -> TwinReply:
        path = request.path.rstrip("/")
        if (request.method, path) == ("POST", "/access/get_token"):
            return self._token(request.form)
        if not path.startswith("/v3.0/"):
            return error(404, f"no route {request.method} {request.path}")
        refused = self._refuse(request)
        if refused is not None:
            return refused
        routes = {
            ("GET", "/v3.0/orders"): self._orders,
            ("GET", "/v3.0/orders/actions"): self._list_actions,
            ("POST", "/v3.0/orders/actions"): self._post_action,
            ("GET", "/v3.0/marketplaces"): self._marketplaces,
        }
        handler = routes.get((request.method, path))
        if handler is None:
            return error(404, f"no route {request.method} {request.path}")
        try:
            return handler(request)
        except ListingError as exc:
            return error(exc.status, str(exc))

    def _marketplaces(self, request: TwinRequest) -> TwinReply:
        return TwinReply(200, self.marketplaces)

    def _token(self, form: Mapping[str, str]) -> TwinReply:
        given = (form.get("access_token", ""), form.get("secret", ""))
        expected = (self.credentials.access_token, self.credentials.secret)
        if not all(given) or (any(expected) and not _same_pair(given, expected)):
            return error(401, "Invalid access_token or secret")
        token = secrets.token_hex(16)
        self.tokens[token] = self.clock.now() + TOKEN_LIFETIME
        return TwinReply(200, {"token": token, "account_id": self.credentials.account_id})

    def _refuse(self, request: TwinRequest) -> TwinReply | None:
        until = self.tokens.get(request.authorization or "")
        if until is None or until <= self.clock.now():
            return error(401, "Unauthorized: the token is missing, unknown or expired")
        params = request.form if request.method == "POST" else request.query
        account = params.get("account_id")
        if not account:
            return error(400, "account_id: This field is required.")
        if account != str(self.credentials.account_id):
            return error(403, f"account_id {account} is not this token's account")
        return None

    def _orders(self, request: TwinRequest) -> TwinReply:
        self._process_actions()
        self.fetches += 1
        self._refresh()
        if later_page(request.query) and self.faults.next_shift():
            moved = self.moved.move_first(self._index, request.query, self.clock.now())
            if moved is not None:
                self._index.put(moved)
        listing = order_listing(self._index, request.query, self.faults.faults)
        return self._page(listing, request)

    def _refresh(self) -> None:
        """Bring the index to every order as the twin serves it now: the odd ones rewritten, the
        moved ones moved. From a tracked source, only the orders changed since the last time are
        read; from any other, or when the odd orders are drawn again, every order."""
        faults = self.faults.faults
        tracked = self.source if isinstance(self.source, TrackedSource) else None
        if tracked is not None and self._revision is not None and not self.odd.redraws(faults):
            revision = tracked.revision()
            if revision != self._revision:
                for order in tracked.changed_since(self._revision):
                    self._index.put(self.moved.one(self.odd.one(order)))
                self._revision = revision
            return
        self._revision = None if tracked is None else tracked.revision()
        served = self.odd.served(self.source.orders(), faults)
        self._index.replace_all(self.moved.served(served))

    def truth(self) -> list[ReportedOrder]:
        """Every order as the twin serves it now, read back; actions still queued not applied."""
        with self._lock:
            self._refresh()
            served = self._index.orders()
            faults = {key: oddity.fault for key, oddity in self.odd.chosen.items()}
            return reported_orders(served, self.rules, faults)

    def _page(self, listing: Listing, request: TwinRequest) -> TwinReply:
        body = listing.body(request.base_url + request.path, request.query)
        return TwinReply(200, body)

    def _list_actions(self, request: TwinRequest) -> TwinReply:
        return self._page(record_listing(self.actions, request.query), request)

    def _post_action(self, request: TwinRequest) -> TwinReply:
        form = request.form
        missing = [key for key in ACTION_KEYS if not form.get(key)]
        if missing:
            return error(400, f"{missing[0]}: This field is required.")
        self._refresh()
        if (form["marketplace"], form["marketplace_order_id"]) not in self._index:
            return error(400, f"marketplace_order_id: no order '{form['marketplace_order_id']}'")
        now = lengow_time(self.clock.now())
        record: dict[str, object] = {
            "id": len(self.actions) + 1,
            "account_id": self.credentials.account_id,
            **{k: v for k, v in form.items() if k != "account_id"},
            "processed": False,
            "queued": True,
            "errors": "",
            "created_at": now,
            "updated_at": now,
        }
        self.actions.append(record)
        self._queued.append(record)
        if self.faults.next_html_action():
            return TwinReply(200, Html(PROXY_PAGE))  # queued, but the client cannot tell
        return TwinReply(201, dict(record))

    def _process_actions(self) -> None:
        at = self.clock.now()
        for record in self._queued:
            if not record["queued"]:  # applied by a call that failed after it
                continue
            args = {k: str(v) for k, v in record.items() if k not in _RECORD_KEYS}
            request = ActionRequest(
                str(record["marketplace"]),
                str(record["marketplace_order_id"]),
                str(record["action_type"]),
                args,
            )
            refused = self.odd.refusal(request.marketplace, request.order_id, request.action_type)
            record.update(
                errors=refused or self.source.apply(request, at),
                queued=False,
                processed=True,
                updated_at=lengow_time(at),
            )
        self._queued.clear()

    def _control(self, request: TwinRequest) -> TwinReply:
        path = request.path.rstrip("/")
        if (request.method, path) == ("DELETE", "/_twin/tokens"):
            self.tokens.clear()  # every client must ask for a new token: tests 401 renewal
            return TwinReply(200, {"tokens": 0})
        if path != "/_twin/faults":
            return error(404, f"no route {request.method} {request.path}")
        if request.method == "POST":
            if not isinstance(request.body, dict):
                return error(400, "POST /_twin/faults takes a JSON object of fault settings")
            try:
                self.faults.set(self.faults.faults.changed(request.body))
            except FaultError as exc:
                return error(400, str(exc))
        elif request.method == "DELETE":
            self.faults.set(Faults())
        elif request.method != "GET":
            return error(405, f"{request.method} is not allowed on /_twin/faults")
        return TwinReply(200, self.faults.faults.as_dict())


def _same_pair(given: tuple[str, str], expected: tuple[str, str]) -> bool:
    """Both texts equal, compared in constant time (and both compared, whatever the first)."""
    token = hmac.compare_digest(given[0].encode("utf-8"), expected[0].encode("utf-8"))
    secret = hmac.compare_digest(given[1].encode("utf-8"), expected[1].encode("utf-8"))
    return token & secret


_RECORD_KEYS = frozenset(
    {"id", "account_id", "marketplace", "marketplace_order_id", "action_type"}
    | {"processed", "queued", "errors", "created_at", "updated_at"}
)
