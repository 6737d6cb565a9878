"""The Lengow twin over real HTTP on a free port, read with the real client and mapper."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pytest
from click.testing import CliRunner

from cli.sync_commands import twin as twin_command
from engine.channels.config import LengowSettings, Secret
from engine.channels.errors import ChannelAuthFailed, ChannelUnavailable, ListingShifted
from engine.channels.lengow import LengowClient
from engine.channels.order_mapping import OrderMapper, Quarantined
from engine.channels.retry import RetryPolicy
from engine.channels.session import RawPage
from engine.model.definition import RuleSet
from engine.model.snapshot import OrderSnapshot
from engine.rulefile.loader import load_rules
from simulator.twin.api import Credentials
from simulator.twin.faults import FaultError, Faults, FaultState, RequestFault, parse_fault_options
from simulator.twin.lengow_json import lengow_time
from simulator.twin.orders import GeneratedOrders, Generation
from simulator.twin.server import Twin, build_service
from tests.channels.fakes import FakeClock

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVERYTHING = (NOW - timedelta(days=30), NOW + timedelta(days=1))


class TwinClock:
    """A fixed time for the twin. A slow answer waits until the test releases it, so it is
    slower than any client timeout without the test racing the wall clock; `delays` records
    what each slow answer asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.released = threading.Event()

    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.released.wait()


@pytest.fixture(scope="module")
def cdiscount() -> RuleSet:
    return load_rules(REPO / "rules" / "cdiscount.yaml")


@pytest.fixture(scope="module")
def galeries() -> RuleSet:
    return load_rules(REPO / "rules" / "galeries_lafayette.yaml")


def make_twin(rules: list[RuleSet], count: int = 250, **credentials: object) -> Twin:
    service = build_service(
        rules,
        plan=Generation(count=count, seed=3),
        clock=TwinClock(),
        credentials=Credentials(**credentials),  # type: ignore[arg-type]
    )
    return Twin(service)


@pytest.fixture
def twin(cdiscount: RuleSet) -> Iterator[Twin]:
    with make_twin([cdiscount]) as running:
        yield running


def client_of(twin: Twin, clock: FakeClock | None = None, **options: float) -> LengowClient:
    timeout = options.pop("timeout", 5.0)
    settings = LengowSettings(twin.url, Secret("access"), Secret("secret"), 1)
    return LengowClient(
        settings,
        clock=clock or FakeClock(),
        rng=np.random.default_rng(1),
        policy=RetryPolicy(**options),  # type: ignore[arg-type]
        timeout=timeout,
    )


def fetch(client: LengowClient, mapper: OrderMapper) -> list[list[OrderSnapshot | Quarantined]]:
    return [mapper.map_page(p.results) for p in client.order_pages(*EVERYTHING)]


def ids(pages: list[list[OrderSnapshot | Quarantined]]) -> list[str]:
    return [m.order_id for page in pages for m in page if isinstance(m, OrderSnapshot)]


def set_faults(twin: Twin, **faults: object) -> httpx.Response:
    return httpx.post(f"{twin.url}/_twin/faults", json=faults)


# -- orders ------------------------------------------------------------------------------------


def test_pages_of_a_hundred_to_the_end(twin: Twin, cdiscount: RuleSet) -> None:
    with client_of(twin) as client:
        pages = list(client.order_pages(*EVERYTHING))
    assert [(p.number, len(p.results), p.count) for p in pages] == [
        (1, 100, 250),
        (2, 100, 250),
        (3, 50, 250),
    ]
    mapped = [OrderMapper(cdiscount).map(o) for p in pages for o in p.results]
    assert all(isinstance(m, OrderSnapshot) for m in mapped)
    assert len({m.order_id for m in mapped}) == 250


def test_what_is_served_reads_back_as_the_twins_orders(twin: Twin, cdiscount: RuleSet) -> None:
    source = twin.service.source
    assert isinstance(source, GeneratedOrders)
    with client_of(twin) as client:
        snapshots = [m for page in fetch(client, OrderMapper(cdiscount)) for m in page]
    for snapshot in snapshots:
        assert isinstance(snapshot, OrderSnapshot)
        truth = source.facts_of("cdiscount", snapshot.order_id)
        assert cdiscount.status_for_code(snapshot.status_code) == truth.status
        expected = {f.name: truth.fields.get(f.name) for f in cdiscount.fields if f.sources}
        expected["fulfilled_by_marketplace"] = bool(expected["fulfilled_by_marketplace"])
        assert snapshot.fields == expected
        assert snapshot.updated_at == truth.updated_at


def test_orders_are_varied_and_fulfilled_ones_arrive_shipped(cdiscount: RuleSet) -> None:
    source = GeneratedOrders([cdiscount], NOW, Generation(count=300, seed=3))
    facts = [source.facts_of("cdiscount", o.order_id) for o in source.orders()]
    statuses = Counter(f.status for f in facts)
    assert len(statuses) >= 10
    assert statuses["WaitingForSellerAcceptation"] >= 30
    fulfilled = [f for f in facts if f.fields["fulfilled_by_marketplace"]]
    assert 15 <= len(fulfilled) <= 45
    assert {f.status for f in fulfilled} == {"Shipped"}
    assert all(f.fields["carrier"] and f.fields["tracking_number"] for f in fulfilled)
    waiting = [f for f in facts if f.status == "WaitingForSellerAcceptation"]
    assert all(f.fields.get("tracking_number") is None for f in waiting)
    assert len({f.fields["delivery_mode"] for f in facts}) == 11


def test_the_same_seed_gives_the_same_orders(cdiscount: RuleSet) -> None:
    first = GeneratedOrders([cdiscount], NOW, Generation(count=40, seed=9)).orders()
    again = GeneratedOrders([cdiscount], NOW, Generation(count=40, seed=9)).orders()
    other = GeneratedOrders([cdiscount], NOW, Generation(count=40, seed=10)).orders()
    assert [o.document for o in first] == [o.document for o in again]
    assert [o.document for o in first] != [o.document for o in other]


def test_filters_on_the_window_and_the_marketplace(cdiscount: RuleSet, galeries: RuleSet) -> None:
    with make_twin([cdiscount, galeries], count=120) as running, client_of(running) as client:
        served = running.service.source.orders()
        start, end = NOW - timedelta(days=2), NOW - timedelta(days=1)
        inside = sorted(o.order_id for o in served if start <= o.updated_at <= end)
        pages = client.order_pages(start, end)
        assert sorted(str(o["marketplace_order_id"]) for p in pages for o in p.results) == inside  # type: ignore[index]
        assert 10 < len(inside) < 100
        pages = list(client.order_pages(*EVERYTHING, marketplace="galeries_lafayette"))
        assert pages[0].count == 60
        assert {o["marketplace"] for p in pages for o in p.results} == {"galeries_lafayette"}  # type: ignore[index]


def test_bad_requests_are_answered_in_lengows_shape(twin: Twin) -> None:
    token = httpx.post(f"{twin.url}/access/get_token", data={"access_token": "a", "secret": "b"})
    headers = {"Authorization": token.json()["token"]}
    orders = f"{twin.url}/v3.0/orders"
    answers = [
        httpx.get(orders, params={"account_id": "1", "updated_from": "x"}, headers=headers),
        httpx.get(orders, params={"account_id": "1", "page_size": "500"}, headers=headers),
        httpx.get(orders, params={"account_id": "1", "page": "9"}, headers=headers),
        httpx.get(orders, params={"account_id": "2"}, headers=headers),
        httpx.get(orders, params={"account_id": "1"}),
    ]
    assert [(a.status_code, a.json()["error"]["message"]) for a in answers] == [
        (400, "updated_from: Enter a valid date/time."),
        (400, "page_size: 500 is out of range"),
        (404, "Invalid page."),
        (403, "account_id 2 is not this token's account"),
        (401, "Unauthorized: the token is missing, unknown or expired"),
    ]


def test_marketplaces_describe_the_rule_files(twin: Twin) -> None:
    with client_of(twin) as client:
        listing = client.marketplaces()
    orders = listing["cdiscount"]["orders"]  # type: ignore[index]
    assert orders["status"]["waiting_shipment"] == ["WaitingForShipmentAcceptation"]
    assert orders["actions"]["ship"] == {
        "args": ["carrier", "tracking_number"],
        "optional_args": ["tracking_url"],
        "status": ["waiting_shipment"],
    }
    assert orders["actions"]["cancel"]["status"] == ["waiting_shipment"]


# -- tokens and actions ------------------------------------------------------------------------


def test_credentials_are_checked_and_revoked_tokens_renewed(cdiscount: RuleSet) -> None:
    with make_twin([cdiscount], count=5, access_token="access", secret="secret") as running:
        with client_of(running) as client:
            assert len(list(client.order_pages(*EVERYTHING))) == 1
            assert httpx.delete(f"{running.url}/_twin/tokens").json() == {"tokens": 0}
            assert len(list(client.order_pages(*EVERYTHING))) == 1
            assert len(running.service.tokens) == 1
        wrong = LengowSettings(running.url, Secret("access"), Secret("nope"), 1)
        with LengowClient(wrong, clock=FakeClock()) as client, pytest.raises(ChannelAuthFailed):
            list(client.order_pages(*EVERYTHING))


def status_on_the_wire(client: LengowClient, order_id: str) -> str:
    for page in client.order_pages(*EVERYTHING):
        for order in page.results:
            if isinstance(order, dict) and order["marketplace_order_id"] == order_id:
                return str(order["marketplace_status"])
    raise AssertionError(f"order {order_id} was not served")


def pick(twin: Twin, status: str, **fields: tuple[object, ...]) -> str:
    source = twin.service.source
    assert isinstance(source, GeneratedOrders)
    for order in source.orders():
        facts = source.facts_of(order.marketplace, order.order_id)
        if facts.status == status and all(facts.fields.get(k) in v for k, v in fields.items()):
            return order.order_id
    raise AssertionError(f"no order at {status} with {fields}")


def test_an_action_is_queued_once_and_applied_before_the_next_fetch(twin: Twin) -> None:
    order_id = pick(twin, "WaitingForSellerAcceptation")
    with client_of(twin) as client:
        first = client.send_action("cdiscount", order_id, "accept")
        again = client.send_action("cdiscount", order_id, "accept")
        assert (first.sent, again.sent, again.record.id) == (True, False, first.record.id)
        assert status_on_the_wire(client, order_id) == "AcceptedBySeller"
        (record,) = client.list_actions(filters={"marketplace_order_id": order_id})
        assert (record.queued, record.processed, record.errors) == (False, True, "")
        assert client.list_actions(queued=True) == []


def test_a_ship_action_sends_its_tracking_and_a_refused_one_reports_why(twin: Twin) -> None:
    modes = ("TRK", "REG", "REL", "RCO", "SO1")  # the modes that need a tracking number
    tracked = pick(twin, "WaitingForShipmentAcceptation", delivery_mode=modes)
    with client_of(twin) as client:
        client.send_action("cdiscount", tracked, "ship", {"carrier": "Colissimo"})
        status_on_the_wire(client, tracked)
        (refused,) = client.list_actions(filters={"marketplace_order_id": tracked})
        assert refused.processed and "tracking_number" in refused.errors
        args = {"carrier": "Colissimo", "tracking_number": "6A123"}
        assert client.send_action("cdiscount", tracked, "ship", args).sent
        assert status_on_the_wire(client, tracked) == "ShippedBySeller"
    source = twin.service.source
    assert isinstance(source, GeneratedOrders)
    fields = source.facts_of("cdiscount", tracked).fields
    assert (fields["carrier"], fields["tracking_number"]) == ("14", "6A123")


# -- faults ------------------------------------------------------------------------------------


def test_429_with_retry_after_is_waited_out(twin: Twin, cdiscount: RuleSet) -> None:
    assert set_faults(twin, rate_limit=2, retry_after=3).status_code == 200
    clock = FakeClock()
    with client_of(twin, clock) as client:
        assert len(ids(fetch(client, OrderMapper(cdiscount)))) == 250
    assert clock.sleeps == [3.0, 3.0]


def test_5xx_is_retried_then_reported(twin: Twin, cdiscount: RuleSet) -> None:
    set_faults(twin, server_error=2, error_status=502)
    clock = FakeClock()
    with client_of(twin, clock) as client:
        assert len(ids(fetch(client, OrderMapper(cdiscount)))) == 250
        assert len(clock.sleeps) == 2
        set_faults(twin, server_error=10)
        with pytest.raises(ChannelUnavailable) as caught:
            list(client.order_pages(*EVERYTHING))
    assert caught.value.cause == (
        "GET /v3.0/orders failed with HTTP 502: The twin fails on purpose"
    )


def test_a_slow_answer_times_out_and_is_retried(cdiscount: RuleSet) -> None:
    # Few orders, so only the injected delay (not a loaded machine) can pass the timeout; the
    # delayed answers are held until the end (TwinClock), so no timing can make them arrive.
    with make_twin([cdiscount], count=5) as running:
        twin_clock = running.service.clock
        assert isinstance(twin_clock, TwinClock)
        try:
            set_faults(running, slow=1, delay=1.5)
            clock = FakeClock()
            with client_of(running, clock, timeout=0.5) as client:
                assert len(ids(fetch(client, OrderMapper(cdiscount)))) == 5
            assert (len(clock.sleeps), twin_clock.delays) == (1, [1.5])
            set_faults(running, slow=0, slow_every=1)
            with (
                client_of(running, FakeClock(), timeout=0.5, retries=1) as client,
                pytest.raises(ChannelUnavailable, match="timed out"),
            ):
                list(client.order_pages(*EVERYTHING))
            assert twin_clock.delays == [1.5, 1.5, 1.5]  # the second client tried twice
        finally:
            twin_clock.released.set()  # the held answers go to clients that gave up


def clean_ids(twin: Twin, rules: RuleSet) -> list[str]:
    httpx.delete(f"{twin.url}/_twin/faults")
    with client_of(twin) as client:
        return ids(fetch(client, OrderMapper(rules)))


def test_duplicated_pages_lose_nothing(twin: Twin, cdiscount: RuleSet) -> None:
    clean = clean_ids(twin, cdiscount)
    set_faults(twin, duplicate_pages=True)
    with client_of(twin) as client:
        pages = fetch(client, OrderMapper(cdiscount))
    assert [len(p) for p in pages] == [100, 100, 100, 100, 50, 50]
    assert sorted(set(ids(pages))) == sorted(clean)


def test_reordered_pages_lose_nothing(twin: Twin, cdiscount: RuleSet) -> None:
    clean = clean_ids(twin, cdiscount)
    set_faults(twin, reorder_pages=True)
    with client_of(twin) as client:
        pages = fetch(client, OrderMapper(cdiscount))
    assert ids(pages) != clean
    assert sorted(ids(pages)) == sorted(clean)


def order_ids(pages: list[RawPage]) -> list[str]:
    return [str(o["marketplace_order_id"]) for p in pages for o in p.results]  # type: ignore[index]


def test_a_shifting_listing_hides_an_order_from_the_walk_and_the_client_says_so(
    twin: Twin,
) -> None:
    with client_of(twin) as client:
        clean = order_ids(list(client.order_pages(*EVERYTHING)))
    set_faults(twin, shift_listing=1)
    pages: list[RawPage] = []
    with client_of(twin) as client, pytest.raises(ListingShifted) as caught:
        pages.extend(client.order_pages(*EVERYTHING))
    # Before page 2, the first order was updated past the window: the 101st slid onto page 1.
    assert [(p.number, len(p.results), p.count) for p in pages] == [
        (1, 100, 250),
        (2, 100, 249),
        (3, 49, 249),
    ]
    assert set(clean) - set(order_ids(pages)) == {clean[100]}
    assert str(caught.value) == (
        "GET /v3.0/orders changed while it was read: count 250 on page 1, count 249 on page 2"
    )
    # The moved order lies past the window now (one second after its upper bound) and stays
    # so: the next walk holds still and serves every other order.
    with client_of(twin) as client:
        again = order_ids(list(client.order_pages(*EVERYTHING)))
    assert sorted(again) == sorted(set(clean) - {clean[0]})
    (moved,) = [
        o for o in twin.service.moved.served(twin.service.source.orders()) if o.order_id == clean[0]
    ]
    assert moved.document["updated_at"] == lengow_time(EVERYTHING[1] + timedelta(seconds=1))


def test_a_next_page_is_gone_when_the_listing_shrank_below_it(cdiscount: RuleSet) -> None:
    with make_twin([cdiscount], count=201) as running, client_of(running) as client:
        pages = client.order_pages(*EVERYTHING)
        assert [len(next(pages).results) for _ in range(2)] == [100, 100]
        set_faults(running, shift_listing=1)  # 200 orders left: no page 3 any more
        with pytest.raises(ListingShifted) as caught:
            next(pages)
    assert str(caught.value) == (
        "GET /v3.0/orders changed while it was read: page 3, which page 2 linked to, is gone "
        "(HTTP 404: Invalid page.)"
    )


def test_shift_listing_counts_down_and_starts_again_when_set() -> None:
    state = FaultState(Faults())
    state.set(Faults().changed(parse_fault_options(["shift_listing=2"])))
    assert [state.next_shift() for _ in range(3)] == [True, True, False]
    state.set(state.faults)
    assert state.shifts_left == 2


def test_malformed_orders_are_quarantined_and_the_rest_kept(twin: Twin, cdiscount: RuleSet) -> None:
    clean = clean_ids(twin, cdiscount)
    set_faults(twin, malformed=4)
    with client_of(twin) as client:
        pages = fetch(client, OrderMapper(cdiscount))
    quarantined = [m for page in pages for m in page if isinstance(m, Quarantined)]
    assert [m.reason for m in quarantined[:4]] == [
        "an order must be a JSON object, not str",
        "'marketplace_order_id' is missing",
        "'updated_at': 'not-a-date' is not an ISO 8601 date",
        "'marketplace_status' is missing",
    ]
    assert len(quarantined) == 12
    assert sorted(ids(pages)) == sorted(clean)


def test_the_control_endpoint_refuses_wrong_faults(twin: Twin) -> None:
    wrong = set_faults(twin, slow="often")
    assert (wrong.status_code, wrong.json()["error"]["message"]) == (
        400,
        "fault 'slow' takes a whole number, not 'often'",
    )
    assert set_faults(twin, malformed=1).json()["malformed"] == 1
    assert httpx.get(f"{twin.url}/_twin/faults").json() == {**Faults().as_dict(), "malformed": 1}
    assert httpx.delete(f"{twin.url}/_twin/faults").json() == Faults().as_dict()


def test_fault_settings_and_counters() -> None:
    faults = Faults().changed(parse_fault_options(["rate_limit_every=3", "duplicate_pages"]))
    assert (faults.rate_limit_every, faults.duplicate_pages) == (3, True)
    state = FaultState(faults)
    state.set(faults.changed({"server_error": 1}))
    kinds = [state.next_request()[0] for _ in range(6)]
    assert kinds == [
        RequestFault.SERVER_ERROR,
        None,
        RequestFault.RATE_LIMIT,
        None,
        None,
        RequestFault.RATE_LIMIT,
    ]
    for options, message in [
        (["bogus=1"], "unknown fault 'bogus'"),
        (["error_status=404"], "error_status must be a 5xx status"),
        (["malformed=-1"], "fault 'malformed' cannot be negative"),
        (["reorder_pages=maybe"], "fault 'reorder_pages' takes true or false"),
    ]:
        with pytest.raises(FaultError, match=message):
            Faults().changed(parse_fault_options(options))


def test_the_command_refuses_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(twin_command, ["--fault", "bogus=1"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: unknown fault 'bogus'; known faults: rate_limit,")
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\n", encoding="utf-8")
    result = runner.invoke(twin_command, ["--rules", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml has" in result.output and "Traceback" not in result.output
