"""The Lengow client against a mock transport: tokens, paging, rate limits, retries, actions."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import numpy as np
import pytest

from engine.channels.errors import (
    ChannelAuthFailed,
    ChannelProtocolError,
    ChannelRejected,
    ChannelUnavailable,
    ListingShifted,
)
from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from engine.channels.session import RawPage
from tests.channels.conftest import sample
from tests.channels.fakes import ACCESS, SECRET, FakeClock, FakeLengow, error, page, settings

FROM = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TO = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ORDERS = "/v3.0/orders"
ACTIONS = "/v3.0/orders/actions/"


def client_for(fake: FakeLengow, clock: FakeClock, seed: int = 7, **policy: float) -> LengowClient:
    return LengowClient(
        settings(),
        clock=clock,
        rng=np.random.default_rng(seed),
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        transport=fake.transport(),
    )


def order(order_id: str) -> dict[str, object]:
    return {"marketplace": "galeries_lafayette", "marketplace_order_id": order_id}


def query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


def test_the_token_is_asked_once_and_sent_as_is() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, page([order("A")], None))
    client = client_for(fake, clock)
    for _ in range(3):
        list(client.order_pages(FROM, TO))
        clock.current += timedelta(minutes=10)
    assert fake.tokens_issued == 1
    token_call = fake.calls("/access/get_token")[0]
    assert parse_qs(token_call.content.decode()) == {"access_token": [ACCESS], "secret": [SECRET]}
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert [r.headers["Authorization"] for r in fake.calls(ORDERS)] == ["token-1"] * 3


def test_the_token_is_renewed_after_fifty_minutes() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, page([], None))
    client = client_for(fake, clock)
    list(client.order_pages(FROM, TO))
    clock.current += timedelta(minutes=49, seconds=59)
    list(client.order_pages(FROM, TO))
    clock.current += timedelta(seconds=1)
    list(client.order_pages(FROM, TO))
    assert [r.headers["Authorization"] for r in fake.calls(ORDERS)] == [
        "token-1",
        "token-1",
        "token-2",
    ]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_is_renewed_and_the_call_retried_once(status: int) -> None:
    fake, clock = FakeLengow(), FakeClock()
    client = client_for(fake, clock)
    fake.on("GET", ORDERS, page([], None))
    list(client.order_pages(FROM, TO))
    # The server forgets the token before its hour is up.
    fake.on("GET", ORDERS, lambda r: error(status, "Expired"), page([order("B")], None))
    (result,) = list(client.order_pages(FROM, TO))
    assert result.results == (order("B"),)
    assert fake.tokens_issued == 2
    assert [r.headers["Authorization"] for r in fake.calls(ORDERS)] == [
        "token-1",
        "token-1",
        "token-2",
    ]


def test_refused_even_with_a_new_token_fails_without_the_secret() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: error(403, "Forbidden for this account"))
    client = client_for(fake, clock)
    with pytest.raises(ChannelAuthFailed) as caught:
        list(client.order_pages(FROM, TO))
    message = str(caught.value)
    assert message == (
        "GET /v3.0/orders was refused with HTTP 403 even with a new token: "
        "Forbidden for this account"
    )
    assert fake.tokens_issued == 2
    assert len(fake.calls(ORDERS)) == 2


def test_wrong_credentials_say_which_settings_to_check() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("POST", "/access/get_token", lambda r: error(401, "Invalid credentials"))
    client = client_for(fake, clock)
    with pytest.raises(ChannelAuthFailed) as caught:
        list(client.order_pages(FROM, TO))
    assert str(caught.value) == (
        "the access token and secret were refused (HTTP 401): Invalid credentials; "
        "check LENGOW_ACCESS_TOKEN and LENGOW_SECRET"
    )
    assert ACCESS not in repr(caught.value) and SECRET not in repr(caught.value)


def test_pages_follow_next_to_the_end_one_by_one() -> None:
    fake, clock = FakeLengow(), FakeClock()
    base = "https://lengow.test/v3.0/orders?account_id=155&page_size=100"
    fake.on(
        "GET",
        ORDERS,
        page([order("A"), order("B")], base + "&page=2", count=5),
        page([order("C"), order("D")], base + "&page=3", count=5),
        page([order("E")], None, count=5),
    )
    client = client_for(fake, clock)
    pages = client.order_pages(FROM, TO, marketplace="galeries_lafayette")
    first = next(pages)
    assert len(fake.calls(ORDERS)) == 1  # the next page is asked only when the caller wants it
    rest = list(pages)
    assert [(p.number, len(p.results), p.count) for p in [first, *rest]] == [
        (1, 2, 5),
        (2, 2, 5),
        (3, 1, 5),
    ]
    assert rest[-1].next is None
    calls = fake.calls(ORDERS)
    assert query(calls[0]) == {
        "account_id": "155",
        "updated_from": "2026-03-01T09:00:00+00:00",
        "updated_to": "2026-03-02T09:00:00+00:00",
        "page_size": "100",
        "marketplace": "galeries_lafayette",
    }
    assert [query(c).get("page") for c in calls] == [None, "2", "3"]


def test_next_on_another_host_is_read_from_our_own_api() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        page([order("A")], "http://elsewhere.example/v3.0/orders?page=2"),
        page([order("B")], None),
    )
    list(client_for(fake, clock).order_pages(FROM, TO))
    assert [str(r.url) for r in fake.calls(ORDERS)][1] == "https://lengow.test/v3.0/orders?page=2"


def test_a_next_link_that_loops_is_an_error() -> None:
    fake, clock = FakeLengow(), FakeClock()
    loop = "https://lengow.test/v3.0/orders?page=2"
    fake.on("GET", ORDERS, page([order("A")], loop))
    with pytest.raises(ChannelProtocolError, match="loops back to a read page"):
        list(client_for(fake, clock).order_pages(FROM, TO))
    assert len(fake.calls(ORDERS)) == 2


def walk(client: LengowClient) -> tuple[list[tuple[int, int, int | None]], str | None]:
    """The pages read (number, orders, count) and why the listing is not complete, if it is not."""
    pages: list[RawPage] = []
    try:
        pages.extend(client.order_pages(FROM, TO))
    except ListingShifted as shifted:
        return [(p.number, len(p.results), p.count) for p in pages], str(shifted)
    return [(p.number, len(p.results), p.count) for p in pages], None


LINK = "https://lengow.test/v3.0/orders?account_id=155&page_size=2&page="


def test_a_count_that_moves_during_the_walk_is_reported_after_the_last_page() -> None:
    # C was updated out of the window after page 1: D slid onto page 1 and is never served.
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        page([order("A"), order("B")], LINK + "2", count=5),
        page([order("E"), order("F")], LINK + "3", count=4),
        page([], None, count=4),
    )
    assert walk(client_for(fake, clock)) == (
        [(1, 2, 5), (2, 2, 4), (3, 0, 4)],
        "GET /v3.0/orders changed while it was read: count 5 on page 1, count 4 on page 2",
    )


def test_a_short_page_before_the_last_is_reported_even_with_a_steady_count() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        page([order("A"), order("B")], LINK + "2", count=5),
        page([order("C")], LINK + "3", count=5),
        page([order("E")], None, count=5),
    )
    assert walk(client_for(fake, clock)) == (
        [(1, 2, 5), (2, 1, 5), (3, 1, 5)],
        "GET /v3.0/orders changed while it was read: page 2 came back short (1 of 2) before the "
        "last",
    )


def test_a_next_page_that_is_gone_means_the_listing_got_shorter() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        page([order("A"), order("B")], LINK + "2", count=5),
        page([order("C"), order("D")], LINK + "3", count=5),
        lambda r: error(404, "Invalid page."),
    )
    assert walk(client_for(fake, clock)) == (
        [(1, 2, 5), (2, 2, 5)],
        "GET /v3.0/orders changed while it was read: page 3, which page 2 linked to, is gone "
        "(HTTP 404: Invalid page.)",
    )
    fake.on("GET", ORDERS, lambda r: error(404, "Invalid page."))
    with pytest.raises(ChannelRejected, match="HTTP 404"):  # the first page: not a shift
        walk(client_for(fake, clock))


def test_a_page_served_twice_and_a_short_last_page_are_a_steady_listing() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        page([order("A"), order("B")], LINK + "2", count=3),
        page([order("C")], LINK + "2&replay=1", count=3),
        page([order("C")], None, count=3),
    )
    assert walk(client_for(fake, clock)) == ([(1, 2, 3), (2, 1, 3), (3, 1, 3)], None)


def test_window_bounds_must_carry_an_offset() -> None:
    client = client_for(FakeLengow(), FakeClock())
    with pytest.raises(ValueError, match="timezone-aware"):
        list(client.order_pages(datetime(2026, 3, 1), TO))
    with pytest.raises(ValueError, match="page_size must be between 1 and 100, got 250"):
        list(client.order_pages(FROM, TO, page_size=250))


def test_429_waits_what_retry_after_asks() -> None:
    fake, clock = FakeLengow(), FakeClock()
    limited = error(429, "Request limitation: 500 reached on /v3.0/orders", {"Retry-After": "7"})
    fake.on("GET", ORDERS, lambda r: limited, lambda r: limited, page([order("A")], None))
    (result,) = list(client_for(fake, clock).order_pages(FROM, TO))
    assert result.results == (order("A"),)
    assert clock.sleeps == [7.0, 7.0]


def test_429_as_an_http_date() -> None:
    fake, clock = FakeLengow(), FakeClock()
    limited = error(429, "slow down", {"Retry-After": "Mon, 02 Mar 2026 09:01:30 GMT"})
    fake.on("GET", ORDERS, lambda r: limited, page([], None))
    list(client_for(fake, clock).order_pages(FROM, TO))
    assert clock.sleeps == [90.0]


def test_endless_429_gives_up_with_the_cause() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: error(429, "Request limitation", {"Retry-After": "2"}))
    with pytest.raises(ChannelUnavailable) as caught:
        list(client_for(fake, clock, rate_limit_retries=3).order_pages(FROM, TO))
    assert caught.value.attempts == 4
    assert caught.value.cause == (
        "GET /v3.0/orders was rate limited (HTTP 429): Request limitation"
    )
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_a_retry_after_beyond_the_limit_fails_at_once() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: error(429, "quota", {"Retry-After": "3600"}))
    with pytest.raises(ChannelUnavailable):
        list(client_for(fake, clock).order_pages(FROM, TO))
    assert clock.sleeps == []


def expected_backoff(seed: int, count: int, base: float = 1.0, cap: float = 30.0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [min(cap, base * 2**n) * (0.5 + 0.5 * rng.random()) for n in range(count)]


def test_5xx_is_retried_with_backoff_and_jitter_then_succeeds() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on(
        "GET",
        ORDERS,
        lambda r: error(502, "Bad gateway"),
        lambda r: error(503, "Maintenance"),
        lambda r: error(500, "Oops"),
        page([order("A")], None),
    )
    (result,) = list(client_for(fake, clock, seed=11).order_pages(FROM, TO))
    assert result.results == (order("A"),)
    assert clock.sleeps == pytest.approx(expected_backoff(11, 3))
    assert 0.5 <= clock.sleeps[0] <= 1.0 and 1.0 <= clock.sleeps[1] <= 2.0


def test_5xx_every_time_ends_in_channel_unavailable() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: error(503, "Maintenance"))
    with pytest.raises(ChannelUnavailable) as caught:
        list(client_for(fake, clock, retries=4).order_pages(FROM, TO))
    assert caught.value.attempts == 5
    assert str(caught.value) == (
        "the channel is unavailable after 5 attempts: GET /v3.0/orders failed with HTTP 503: "
        "Maintenance"
    )
    assert len(fake.calls(ORDERS)) == 5
    assert clock.sleeps == pytest.approx(expected_backoff(7, 4))


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        (httpx.ReadTimeout("timed out"), "GET /v3.0/orders timed out (ReadTimeout)"),
        (httpx.ConnectTimeout("timed out"), "GET /v3.0/orders timed out (ConnectTimeout)"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "GET /v3.0/orders failed: ConnectError: [Errno 111] Connection refused",
        ),
        (
            httpx.RemoteProtocolError("peer closed connection"),
            "GET /v3.0/orders failed: RemoteProtocolError: peer closed connection",
        ),
    ],
)
def test_timeouts_and_connection_errors_are_retried_then_reported(
    failure: Exception, cause: str
) -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: failure)
    with pytest.raises(ChannelUnavailable) as caught:
        list(client_for(fake, clock, retries=2).order_pages(FROM, TO))
    assert (caught.value.cause, caught.value.attempts) == (cause, 3)
    assert len(fake.calls(ORDERS)) == 3


def test_a_body_that_fails_to_decompress_is_retried_then_reported() -> None:
    def corrupt(request: httpx.Request) -> httpx.Response:
        garbage = httpx.ByteStream(b"garbage")  # decoded as the client reads it
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=garbage)

    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, corrupt, page([order("A")], None))
    (result,) = list(client_for(fake, clock).order_pages(FROM, TO))
    assert result.results == (order("A"),)
    fake.on("GET", ORDERS, corrupt)
    with pytest.raises(ChannelUnavailable) as caught:
        list(client_for(fake, clock, retries=1).order_pages(FROM, TO))
    assert caught.value.cause == (
        "GET /v3.0/orders failed: DecodingError: Error -3 while decompressing data: "
        "incorrect header check"
    )


def test_a_timeout_then_an_answer_loses_nothing() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: httpx.ReadTimeout("slow"), page([order("A")], None))
    (result,) = list(client_for(fake, clock).order_pages(FROM, TO))
    assert result.results == (order("A"),)
    assert len(clock.sleeps) == 1


def test_a_4xx_is_rejected_with_lengows_message() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: error(400, "updated_from: Enter a valid date/time."))
    with pytest.raises(ChannelRejected) as caught:
        list(client_for(fake, clock).order_pages(FROM, TO))
    assert str(caught.value) == (
        "GET /v3.0/orders was refused with HTTP 400: updated_from: Enter a valid date/time."
    )
    assert clock.sleeps == []


def test_a_body_that_is_not_json_is_a_protocol_error() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(ChannelProtocolError, match="with a body that is not JSON"):
        list(client_for(fake, clock).order_pages(FROM, TO))


# JSON that Python's decoder refuses with ValueError or RecursionError, not JSONDecodeError.
UNREADABLE_JSON = [
    b'{"results": [{"total_order": ' + b"9" * 5000 + b"}]}",
    b"[" * 100_000,
]


@pytest.mark.parametrize("body", UNREADABLE_JSON)
def test_a_body_python_cannot_decode_is_a_protocol_error(body: bytes) -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: httpx.Response(200, content=body))
    with pytest.raises(ChannelProtocolError) as caught:
        list(client_for(fake, clock).order_pages(FROM, TO))
    assert str(caught.value) == "GET /v3.0/orders answered HTTP 200 with a body that is not JSON"


@pytest.mark.parametrize("body", UNREADABLE_JSON)
def test_an_error_body_python_cannot_decode_is_quoted_as_text(body: bytes) -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ORDERS, lambda r: httpx.Response(400, content=body))
    with pytest.raises(ChannelRejected) as caught:
        list(client_for(fake, clock).order_pages(FROM, TO))
    assert caught.value.message == body[:200].decode()


def test_secrets_stay_out_of_reprs() -> None:
    client = client_for(FakeLengow(), FakeClock())
    shown = repr(client) + repr(client.session) + repr(client.session.settings)
    assert ACCESS not in shown and SECRET not in shown
    assert repr(client) == "LengowClient(api_url='https://lengow.test', account_id=155)"


# -- actions ----------------------------------------------------------------------------------


def queued_sample() -> dict[str, object]:
    return sample("send_tracking_queued.json")


def test_list_actions_reads_the_queue() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ACTIONS, page(queued_sample()["results"], None))  # type: ignore[arg-type]
    (record,) = client_for(fake, clock).list_actions(queued=True)
    assert (record.id, record.action_type, record.queued, record.processed) == (
        "1",
        "ship",
        True,
        False,
    )
    assert record.args == {"tracking_number": "tototo", "carrier": "LAPOSTE"}
    assert record.created_at == datetime(2016, 2, 9, 11, 2, 21, 276278, tzinfo=UTC)
    assert query(fake.calls(ACTIONS)[0]) == {"account_id": "155", "queued": "True"}


def test_an_identical_queued_action_is_not_sent_again() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ACTIONS, page(queued_sample()["results"], None))  # type: ignore[arg-type]
    outcome = client_for(fake, clock).send_action(
        "galeries_lafayette",
        "1300435653833-A",
        "ship",
        {"carrier": "LAPOSTE", "tracking_number": "tototo"},
    )
    assert outcome.sent is False
    assert outcome.record.id == "1"
    assert [r.method for r in fake.requests if r.url.path == ACTIONS] == ["GET"]
    assert query(fake.calls(ACTIONS)[0]) == {
        "account_id": "155",
        "marketplace": "galeries_lafayette",
        "marketplace_order_id": "1300435653833-A",
        "action_type": "ship",
        "carrier": "LAPOSTE",
        "tracking_number": "tototo",
        "queued": "True",
    }


def test_a_different_action_is_posted_form_encoded() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ACTIONS, page(queued_sample()["results"], None))  # type: ignore[arg-type]
    posted = sample("send_tracking_post.json")
    fake.on("POST", ACTIONS, lambda r: httpx.Response(201, json=posted))
    outcome = client_for(fake, clock).send_action(
        "galeries_lafayette",
        "1300435653833-A",
        "ship",
        {"carrier": "toto", "tracking_number": "tototo"},
    )
    assert outcome.sent is True
    assert (outcome.record.id, outcome.record.args["carrier"]) == ("1", "toto")
    (post,) = [r for r in fake.calls(ACTIONS) if r.method == "POST"]
    assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(post.content.decode()) == {
        "account_id": ["155"],
        "marketplace": ["galeries_lafayette"],
        "marketplace_order_id": ["1300435653833-A"],
        "action_type": ["ship"],
        "carrier": ["toto"],
        "tracking_number": ["tototo"],
    }


def test_a_post_lost_in_transit_is_looked_up_not_sent_twice() -> None:
    fake, clock = FakeLengow(), FakeClock()
    landed = dict(queued_sample()["results"][0], carrier="toto")  # type: ignore[index]
    fake.on("GET", ACTIONS, page([], None), page([landed], None))
    fake.on("POST", ACTIONS, lambda r: httpx.ReadTimeout("no answer"))
    outcome = client_for(fake, clock).send_action(
        "galeries_lafayette",
        "1300435653833-A",
        "ship",
        {"carrier": "toto", "tracking_number": "tototo"},
    )
    assert outcome.sent is False
    assert [r.method for r in fake.calls(ACTIONS)] == ["GET", "POST", "GET"]
    assert len(clock.sleeps) == 1


def test_a_post_that_keeps_failing_ends_unavailable() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ACTIONS, page([], None))
    fake.on("POST", ACTIONS, lambda r: error(503, "down"))
    with pytest.raises(ChannelUnavailable) as caught:
        client_for(fake, clock, retries=2).send_action("m", "o-1", "accept")
    assert caught.value.attempts == 3
    assert [r.method for r in fake.calls(ACTIONS)] == ["GET", "POST"] * 3


def test_marketplaces_are_read() -> None:
    fake, clock = FakeLengow(), FakeClock()
    body = json.dumps(sample("marketplaces.json")).encode()
    fake.on("GET", "/v3.0/marketplaces", lambda r: httpx.Response(200, content=body))
    listing = client_for(fake, clock).marketplaces()
    gl = listing["galeries_lafayette"]
    assert isinstance(gl, dict)
    assert gl["orders"]["status"]["accepted"] == ["WAITING_DEBIT", "WAITING_DEBIT_PAYMENT"]
    assert sorted(listing) == ["cdiscount", "darty", "galeries_lafayette", "menlook"]
