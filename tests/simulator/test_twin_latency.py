"""The twin's latency (`latency_ms`) and its request log (`RequestLog`), over real HTTP.

The latency is read from what the server asks its clock to wait (a clock that records and
holds the waits), never from the wall clock: two requests in flight are both seen waiting
before either is let go, so concurrent clients wait side by side, not in turn.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from engine.rulefile.loader import load_rules
from simulator.twin.api import TwinRequest, TwinService
from simulator.twin.faults import FaultError, Faults, FaultState, parse_fault_options
from simulator.twin.orders import Generation
from simulator.twin.request_log import RequestLog
from simulator.twin.server import Twin, build_service

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class WaitClock:
    """A fixed time; `sleep` records its seconds and waits until `released` (if `holding`)."""

    def __init__(self, holding: bool = False) -> None:
        self.waits: list[float] = []
        self.released = threading.Event()
        self.holding = holding
        self.lock = threading.Lock()

    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.waits.append(seconds)
        if self.holding:
            assert self.released.wait(timeout=60)


def service(clock: WaitClock, **faults: object) -> TwinService:
    plan = Generation(count=150, seed=3)
    return build_service(
        [load_rules(RULES)], plan=plan, clock=clock, faults=Faults().changed(faults)
    )


@pytest.fixture
def clock() -> WaitClock:
    return WaitClock()


@pytest.fixture
def twin(clock: WaitClock) -> Iterator[Twin]:
    with Twin(service(clock, latency_ms=100)) as running:
        yield running


def token(twin: Twin) -> str:
    form = {"access_token": "a", "secret": "s"}
    found: str = httpx.post(f"{twin.url}/access/get_token", data=form).json()["token"]
    return found


def page(twin: Twin, number: int, auth: str = "") -> httpx.Response:
    query = {
        "account_id": "1",
        "updated_from": (NOW - timedelta(days=30)).isoformat(),
        "updated_to": NOW.isoformat(),
        "page": str(number),
    }
    return httpx.get(f"{twin.url}/v3.0/orders", params=query, headers={"Authorization": auth})


def test_latency_is_a_setting_in_milliseconds_added_to_a_slow_answer() -> None:
    faults = Faults().changed(parse_fault_options(["latency_ms=100", "slow=1", "delay=0.5"]))
    state = FaultState(faults)
    state.set(faults)
    assert [state.next_request() for _ in range(2)] == [(None, 0.6), (None, 0.1)]
    with pytest.raises(FaultError, match="fault 'latency_ms' cannot be negative, got '-5'"):
        Faults().changed({"latency_ms": "-5"})
    assert Faults().latency_ms == 0.0 and FaultState(Faults()).next_request() == (None, 0.0)


def test_every_api_answer_waits_the_latency_and_the_control_endpoint_none(
    twin: Twin, clock: WaitClock
) -> None:
    auth = token(twin)
    assert page(twin, 1, auth).status_code == 200
    assert page(twin, 1).status_code == 401  # a refusal takes the round trip too
    assert httpx.get(f"{twin.url}/_twin/faults").json()["latency_ms"] == 100
    assert clock.waits == [0.1, 0.1, 0.1]
    assert httpx.post(f"{twin.url}/_twin/faults", json={"latency_ms": 0}).status_code == 200
    assert page(twin, 1, auth).status_code == 200
    assert clock.waits == [0.1, 0.1, 0.1]  # no latency: no wait at all


def test_concurrent_requests_wait_side_by_side() -> None:
    clock = WaitClock(holding=True)
    with Twin(service(clock, latency_ms=100)) as twin:
        clock.holding = False
        auth = token(twin)
        clock.holding = True
        answers: list[int] = []
        clients = [
            threading.Thread(target=lambda n=n: answers.append(page(twin, n, auth).status_code))
            for n in (1, 2)
        ]
        for client in clients:
            client.start()
        try:
            for _ in range(600):  # both wait at once: neither holds the twin while it waits
                if len(clock.waits) == 3:
                    break
                threading.Event().wait(0.05)
            assert clock.waits == [0.1, 0.1, 0.1] and answers == []
        finally:
            clock.released.set()
        for client in clients:
            client.join(timeout=60)
    assert sorted(answers) == [200, 200]


def test_the_request_log_counts_the_order_pages_served_again(twin: Twin) -> None:
    log = RequestLog(twin.service)
    auth = token(twin)
    for number in (1, 2, 1, 1):
        assert page(twin, number, auth).status_code == 200
    assert page(twin, 2).status_code == 401  # not served: not counted
    pages = log.pages()
    assert [dict(p)["page"] for p in pages] == ["1", "2", "1", "1"]
    assert log.repeated_pages() == 2
    assert [(s.request.path, s.status) for s in log.served] == [
        ("/access/get_token", 200),
        *[("/v3.0/orders", 200)] * 4,
        ("/v3.0/orders", 401),
    ]
    log.clear()
    assert (log.served, log.repeated_pages()) == ([], 0)


def test_a_listener_is_told_each_api_request_not_the_control_ones(clock: WaitClock) -> None:
    twin_service = service(clock)
    heard: list[tuple[str, int]] = []
    twin_service.listen(lambda request, reply: heard.append((request.path, reply.status)))
    twin_service.handle(TwinRequest("GET", "/_twin/faults"))
    twin_service.handle(TwinRequest("GET", "/v3.0/orders"))
    assert heard == [("/v3.0/orders", 401)]
