"""One store, several Lengow accounts: each account's orders, runs, timers and outbox its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime

from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import Store, open_store
from engine.store.database import create_store_engine
from engine.sync.seller_actions import submit
from engine.sync.syncer import Syncer
from simulator.twin.api import Credentials
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync.support import RULES, ManualClock

START = datetime(2026, 11, 20, 9, tzinfo=UTC)


@contextmanager
def account(account_id: int, seed: int, clock: ManualClock, count: int = 30) -> Iterator[Twin]:
    """A twin serving one Lengow account: it refuses any other account id."""
    credentials = Credentials(account_id=account_id)
    plan = Generation(count=count, seed=seed, account_id=account_id)
    service = build_service([load_rules(RULES)], plan=plan, clock=clock, credentials=credentials)
    with Twin(service) as twin:
        yield twin


def syncer(twin: Twin, account_id: int, store: Store, clock: ManualClock) -> Syncer:
    settings = LengowSettings(twin.url, Secret("token"), Secret("secret"), account_id)
    policy = RetryPolicy(retries=1, base_delay=0.01, max_delay=0.02)
    client = LengowClient(settings, clock=clock, policy=policy, timeout=5.0)
    return Syncer([load_rules(RULES)], store, client, clock, account=account_id)


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """What plain SQL reads in the store."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def test_each_account_keeps_its_orders_and_its_own_runs(store_url: str) -> None:
    clock = ManualClock(START)
    with ExitStack() as stack, open_store(store_url) as store:
        first = stack.enter_context(account(1, seed=3, clock=clock))
        second = stack.enter_context(account(2, seed=4, clock=clock))
        one, two = syncer(first, 1, store, clock), syncer(second, 2, store, clock)
        assert one.run_once().failed is None
        # The second account's first run is its own initial sweep, not skipped for the first's.
        report = two.run_once()
        assert report.failed is None and {w.kind for w in report.windows} == {"sweep"}
    assert rows(
        store_url, "SELECT account, substr(order_id, 1, 5), count(*) FROM orders GROUP BY 1, 2 "
        "ORDER BY 1",
    ) == [("1", "TW003", 28), ("2", "TW004", 28)]  # fmt: skip
    # (2 of each account's 30 orders are fulfilled by the marketplace: skipped.)
    # The 5-day lookback in day-long windows, once per account.
    assert rows(
        store_url, "SELECT account, kind, count(*) FROM fetch_runs GROUP BY 1, 2 ORDER BY 1"
    ) == [("1", "sweep", 5), ("2", "sweep", 5)]


def test_an_order_another_account_owns_is_quarantined_not_merged(store_url: str) -> None:
    clock = ManualClock(START)
    with ExitStack() as stack, open_store(store_url) as store:
        owner = stack.enter_context(account(1, seed=3, clock=clock, count=5))
        other = stack.enter_context(account(7, seed=3, clock=clock, count=5))  # the same ids
        syncer(owner, 1, store, clock).run_once()
        before = rows(store_url, "SELECT order_id, status, seq, account FROM orders ORDER BY 1")
        clock.sleep(3600)
        report = syncer(other, 7, store, clock).run_once()
        assert report.quarantined == 4 and report.failed is None  # the 5th: fulfilled, skipped
        quarantined = store.quarantined()
    assert sorted(e.reason for e in quarantined) == [
        f"order {order_id} of cdiscount belongs to Lengow account 1; account 7 reported it "
        "too, and it was not stored for that account"
        for order_id, *_ in before
    ]
    assert rows(store_url, "SELECT order_id, status, seq, account FROM orders ORDER BY 1") == before
    # Quarantined once however often the other account reports it.
    with open_store(store_url) as store, account(7, seed=3, clock=clock, count=5) as again:
        clock.sleep(3600)
        assert syncer(again, 7, store, clock).run_once().quarantined == 0
        assert len(store.quarantined()) == 4


def test_an_accounts_action_goes_to_its_own_account_only(store_url: str) -> None:
    clock = ManualClock(START)
    rules = load_rules(RULES)
    with ExitStack() as stack, open_store(store_url) as store:
        first = stack.enter_context(account(1, seed=3, clock=clock))
        second = stack.enter_context(account(2, seed=4, clock=clock))
        one, two = syncer(first, 1, store, clock), syncer(second, 2, store, clock)
        one.run_once()
        two.run_once()
        waiting = store.open_orders(["WaitingForSellerAcceptation"], account="1")
        assert waiting and {w.order_id[:5] for w in waiting} == {"TW003"}
        order = store.get_order("cdiscount", waiting[0].order_id)
        assert order is not None and order.status is not None
        queued = submit(Runtime(rules), store, order.key, order.status, order.fields, "accept", {},
                        clock.now())  # fmt: skip
        assert queued.decision.allowed
        assert two.run_once().outbox.sent == 0  # the other account's sync leaves it alone
        assert [a["marketplace_order_id"] for a in second.service.actions] == []
        assert one.run_once().outbox.sent == 1
        assert [a["marketplace_order_id"] for a in first.service.actions] == [order.order_id]
