"""The faults the Lengow twin injects on request, so a sync is tested against a bad day.

Request faults: HTTP 429 with `Retry-After`, HTTP 5xx, slow answers; each for the next N API
requests (`rate_limit=3`) or every Kth one (`rate_limit_every=10`). Page faults: every page
served twice through the `next` links (`duplicate_pages`), pages served out of order
(`reorder_pages`), malformed orders slipped into every page (`malformed=2`). Listing fault:
`shift_listing=N` makes the next N requests for a later page of an order list (page 2 on) each
first update the list's first order past the window's upper bound, as Lengow does when an order
changes while a client walks the pages: `count` drops, the rest shifts up, and an order slides
onto the page already read. Action fault: `html_actions=N` queues each of the next N action
POSTs as usual but answers it HTTP 200 with an HTML page, as a failing proxy in front of the API
does: the action landed, the client cannot tell. Order faults (`simulator.twin.odd_orders`)
serve a few orders truly but oddly, as marketplaces do: `mixed_lines=N` orders whose cart lines
disagree (one line refused and the others accepted, or one refunded and the others shipped),
`unreachable=N` orders at a declared status no rule path leads to for their fields (a Cdiscount
`PickedUp` for a mode other than `MAG`), `unknown_status=N` orders at a code the rule file does
not declare; the orders are drawn once per setting, the same for the same twin seed. The same
`key=value` settings come from the command line (`--fault`) and from the control endpoint
(`POST /_twin/faults` with a JSON object); a wrong key or value is refused with a sentence.
Latency, set the same way though it is no fault: `latency_ms=100` delays every API answer by
that long, as a round trip to the real API over the internet takes, on top of any slow answer.
The server's thread waits outside the twin's lock, so concurrent clients each wait their own
round trip, not one another's: what a benchmark of concurrent syncs measures.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum


class FaultError(ValueError):
    """A fault setting that does not exist or has a wrong value."""


class RequestFault(StrEnum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"


@dataclass(frozen=True)
class Faults:
    rate_limit: int = 0
    rate_limit_every: int = 0
    retry_after: float = 1.0
    server_error: int = 0
    server_error_every: int = 0
    error_status: int = 503
    slow: int = 0
    slow_every: int = 0
    delay: float = 0.5
    duplicate_pages: bool = False
    reorder_pages: bool = False
    malformed: int = 0
    shift_listing: int = 0
    html_actions: int = 0
    mixed_lines: int = 0
    unreachable: int = 0
    unknown_status: int = 0
    latency_ms: float = 0.0

    def changed(self, settings: Mapping[str, object]) -> Faults:
        """These faults with `settings` applied; raises `FaultError` on a wrong key or value."""
        kinds = {f.name: f.type for f in fields(self)}
        values: dict[str, object] = {}
        for key, raw in settings.items():
            if key not in kinds:
                raise FaultError(f"unknown fault '{key}'; known faults: {', '.join(kinds)}")
            values[key] = _coerce(key, str(kinds[key]), raw)
        if int(str(values.get("error_status", self.error_status))) // 100 != 5:
            raise FaultError("error_status must be a 5xx status such as 500 or 503")
        return replace(self, **values)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _coerce(key: str, kind: str, raw: object) -> object:
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().casefold() in ("1", "true", "yes", "on", ""):
            return True
        if str(raw).strip().casefold() in ("0", "false", "no", "off"):
            return False
        raise FaultError(f"fault '{key}' takes true or false, not {raw!r}")
    try:
        number = float(str(raw)) if kind == "float" else int(str(raw))
    except ValueError:
        kind_name = "a number" if kind == "float" else "a whole number"
        raise FaultError(f"fault '{key}' takes {kind_name}, not {raw!r}") from None
    if number < 0:
        raise FaultError(f"fault '{key}' cannot be negative, got {raw!r}")
    return number


def parse_fault_options(options: Sequence[str]) -> dict[str, str]:
    """`["rate_limit=3", "duplicate_pages"]` -> settings for `Faults.changed`."""
    settings: dict[str, str] = {}
    for option in options:
        key, _, value = option.partition("=")
        settings[key.strip()] = value.strip()
    return settings


@dataclass
class FaultState:
    """The faults in force and the request counters they depend on."""

    faults: Faults
    requests: int = 0
    rate_limited_left: int = 0
    errors_left: int = 0
    slow_left: int = 0
    shifts_left: int = 0
    html_actions_left: int = 0

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self.rate_limited_left = faults.rate_limit
        self.errors_left = faults.server_error
        self.slow_left = faults.slow
        self.shifts_left = faults.shift_listing
        self.html_actions_left = faults.html_actions

    def next_html_action(self) -> bool:
        """Whether the action POST that was just queued is answered with an HTML page."""
        if self.html_actions_left <= 0:
            return False
        self.html_actions_left -= 1
        return True

    def next_shift(self) -> bool:
        """Whether the request for a later page that arrives now shifts the listing first."""
        if self.shifts_left <= 0:
            return False
        self.shifts_left -= 1
        return True

    def next_request(self) -> tuple[RequestFault | None, float]:
        """The fault of the request that arrives now, and how long to delay its answer."""
        self.requests += 1
        faults = self.faults
        delay = faults.latency_ms / 1000
        if self.slow_left > 0 or _every(faults.slow_every, self.requests):
            self.slow_left = max(0, self.slow_left - 1)
            delay += faults.delay
        if self.rate_limited_left > 0 or _every(faults.rate_limit_every, self.requests):
            self.rate_limited_left = max(0, self.rate_limited_left - 1)
            return RequestFault.RATE_LIMIT, delay
        if self.errors_left > 0 or _every(faults.server_error_every, self.requests):
            self.errors_left = max(0, self.errors_left - 1)
            return RequestFault.SERVER_ERROR, delay
        return None, delay


def _every(period: int, count: int) -> bool:
    return period > 0 and count % period == 0


def malformed_orders(page: Sequence[Mapping[str, object]], count: int) -> list[object]:
    """`count` orders nobody can read, made from the page's own orders where it has some."""
    made: list[object] = []
    for n in range(count):
        kind = n % 4
        if kind == 0 or not page:
            made.append(f"malformed order {n + 1}: not a JSON object")
            continue
        broken = copy.deepcopy(dict(page[n % len(page)]))
        if kind == 1:
            broken.pop("marketplace_order_id", None)
        elif kind == 2:
            broken["updated_at"] = "not-a-date"
        else:
            broken["marketplace_status"] = None
            broken["marketplace_order_id"] = f"{broken.get('marketplace_order_id')}-BROKEN"
        made.append(broken)
    return made
