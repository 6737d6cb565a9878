"""Issue 11, done when: against the twin with every fault on, the store ends equal to the truth.

The twin serves 300 orders of Cdiscount and Galeries Lafayette over HTTP with every fault of
`simulator.twin.faults.Faults` on at once (a test keeps it so as faults are added): 429s with
`Retry-After` and 502s (the first request and every Kth), slow answers past the client's timeout,
every page served twice and the pages out of order, a malformed order in every page, a listing
that shifts under two walks, an action answered with a proxy's HTML page, and the order faults:
orders whose cart lines disagree, orders at a status no rule path reaches for their fields,
orders at a code the rule file does not declare. Its tokens are revoked once and expire on the
shared clock (valid one hour, and the runs span a day); orders fulfilled by the marketplace are
among the orders and are imported, as `--import-fulfilled` does. The sync is built as
`orderflow sync` builds it, on a manual clock: a few runs 15 minutes apart, seller actions
queued as `orderflow act` queues them, then a day later the final sweep.

The store is then read with plain SQL and compared with what the twin says it holds
(`TwinService.truth()`), never with the store's own code: every order there with the twin's
status (a code the rule file does not declare kept verbatim), none without a status, one
deviation event on each order at a status its fields cannot reach or at an undeclared code and
on no other. `run_figures` gives the run's figures (`pytest tests/sync/test_all_faults.py -s`
shows them, `python -m tests.sync.test_all_faults [DB_URL]` makes a store to look at).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import Store, open_store
from engine.sync.seller_actions import submit
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from simulator.twin.faults import Faults
from simulator.twin.odd_orders import OrderFault
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from simulator.twin.truth import ReportedOrder
from tests.sync.support import ManualClock

REPO = Path(__file__).resolve().parents[2]
RULE_FILES = (REPO / "rules" / "cdiscount.yaml", REPO / "rules" / "galeries_lafayette.yaml")
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# Updated within the last 20 hours: the sweep's last window holds them all, in 3 pages of 100.
PLAN = Generation(count=300, seed=11, span=timedelta(hours=20))
EVERY_FAULT = Faults(
    rate_limit=1,
    rate_limit_every=7,
    retry_after=2.0,
    server_error=1,
    server_error_every=11,
    error_status=502,
    slow=1,
    slow_every=40,
    delay=60.0,
    duplicate_pages=True,
    reorder_pages=True,
    malformed=1,
    shift_listing=2,
    html_actions=1,
    mixed_lines=12,
    unreachable=10,
    unknown_status=2,
)
# Not faults: a fixed delay on every answer, for benchmarks (under this test's clock, which holds
# every delayed answer until the end, it would stop the sync at its first request).
NOT_FAULTS = {"latency_ms"}
# A slow answer is held past this; a loaded machine may time out more, and is retried as well.
CLIENT_TIMEOUT = 1.0
INCREMENTAL_RUNS = 6
ACCEPTED = 3  # orders the seller accepts after the first run


class TwinClock:
    """The twin's time is the sync's. A slow answer waits until the test ends (`released`), so
    the client's timeout decides, not a race with the wall clock."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.released = threading.Event()
        self.held = 0

    def now(self) -> datetime:
        return self.clock.now()

    def sleep(self, seconds: float) -> None:
        self.held += 1
        self.released.wait()


@dataclass
class Converged:
    """A store the sync filled from the faulty twin, and the twin's truth after the last run."""

    url: str
    truth: list[ReportedOrder]
    reports: list[SyncReport]
    accepted: list[tuple[str, str]]
    queued_at_twin: int
    held_answers: int
    requests: int
    tokens_since_revoked: int


def accept_some(store: Store, rules: RuleSet, clock: ManualClock) -> list[tuple[str, str]]:
    """`accept` queued on the first stored orders waiting for it, as `orderflow act` does."""
    code = rules.marketplace.code
    waiting = sorted(s.order_id for s in store.open_orders(["WaitingForSellerAcceptation"], code))
    runtime = Runtime(rules)
    keys = []
    for order_id in waiting[:ACCEPTED]:
        state = store.get_order(code, order_id)
        assert state is not None and state.status is not None
        queued = submit(
            runtime, store, (code, order_id), state.status, state.fields, "accept", {}, clock.now()
        )
        assert queued.created, queued.decision
        keys.append((code, order_id))
    return keys


def converge(url: str) -> Converged:
    """The runs of the module docstring, against a twin with every fault on."""
    rule_sets = [load_rules(path) for path in RULE_FILES]
    clock = ManualClock(START)
    twin_clock = TwinClock(clock)
    service = build_service(rule_sets, plan=PLAN, faults=EVERY_FAULT, clock=twin_clock)
    reports: list[SyncReport] = []
    with open_store(url) as store, Twin(service) as twin:
        settings = LengowSettings(twin.url, Secret("token"), Secret("secret"), 1)
        policy = RetryPolicy(base_delay=0.5, max_delay=2.0)
        client = LengowClient(settings, clock=clock, policy=policy, timeout=CLIENT_TIMEOUT)
        try:
            with client:
                syncer = Syncer(rule_sets, store, client, clock, import_fulfilled=True)
                accepted: list[tuple[str, str]] = []
                for run in range(INCREMENTAL_RUNS):
                    reports.append(syncer.run_once())
                    if run == 0:
                        accepted = accept_some(store, rule_sets[0], clock)
                    if run == 2:
                        assert httpx.delete(f"{twin.url}/_twin/tokens").json() == {"tokens": 0}
                    clock.sleep(15 * 60)
                clock.sleep(24 * 3600)  # the next daily sweep is due
                reports.append(syncer.run_once())
            truth = service.truth()
        finally:
            twin_clock.released.set()  # the held answers go to clients that gave up
    queued = sum(1 for action in service.actions if action["queued"])
    return Converged(
        url,
        truth,
        reports,
        accepted,
        queued,
        twin_clock.held,
        service.faults.requests,
        len(service.tokens),
    )


@pytest.fixture
def converged(store_url: str) -> Converged:
    return converge(store_url)


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    """Plain SQL on the store (`postgresql://` with psycopg 3, as the store opens it)."""
    address = sa.make_url(url)
    if address.drivername == "postgresql":
        address = address.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(address)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def keyed(found: list[tuple[object, ...]]) -> dict[tuple[str, str], tuple[object, ...]]:
    """Rows of (marketplace, order_id, ...) by order."""
    return {(str(row[0]), str(row[1])): row[2:] for row in found}


def deviating(truth: list[ReportedOrder]) -> set[tuple[str, str]]:
    """The orders the twin reports where no rule path leads: one deviation event each."""
    odd = (OrderFault.UNREACHABLE, OrderFault.UNKNOWN_STATUS)
    return {(t.marketplace, t.order_id) for t in truth if t.fault in odd}


def test_every_fault_of_the_twin_is_on() -> None:
    defaults = Faults()
    off = [
        f.name
        for f in dataclasses.fields(Faults)
        if getattr(EVERY_FAULT, f.name) == getattr(defaults, f.name) and f.name not in NOT_FAULTS
    ]
    assert off == []


def test_with_every_fault_on_the_store_ends_equal_to_the_truth(converged: Converged) -> None:
    url, truth, reports = converged.url, converged.truth, converged.reports
    assert [r.failed for r in reports] == [None] * (INCREMENTAL_RUNS + 1)
    assert {w.kind for w in reports[-1].windows} == {"sweep"}
    # The twin holds 300 orders; each order fault found as many orders as it asked for.
    assert len(truth) == PLAN.count
    assert Counter(t.fault for t in truth if t.fault is not None) == {
        OrderFault.MIXED_LINES: EVERY_FAULT.mixed_lines,
        OrderFault.UNREACHABLE: EVERY_FAULT.unreachable,
        OrderFault.UNKNOWN_STATUS: EVERY_FAULT.unknown_status,
    }
    # Every order it holds is stored at the status it reports, an undeclared code verbatim.
    expected = {(t.marketplace, t.order_id): t.status or t.code for t in truth}
    stored = keyed(rows(url, "SELECT marketplace, order_id, status FROM orders"))
    assert {key: status for key, (status,) in stored.items()} == expected
    assert rows(url, "SELECT count(*) FROM orders WHERE status IS NULL") == [(0,)]
    undeclared = [t.code for t in truth if t.status is None]
    assert undeclared == ["NotInTheRuleFile"] * EVERY_FAULT.unknown_status
    # The seller's accepts, the first answered with a proxy's HTML page, landed once each.
    assert [expected[key] for key in converged.accepted] == ["AcceptedBySeller"] * ACCEPTED
    assert rows(url, "SELECT state, count(*) FROM outbox GROUP BY state") == [
        ("confirmed", ACCEPTED)
    ]
    assert converged.queued_at_twin == 0


def test_the_faults_fired_during_the_runs(converged: Converged) -> None:
    reports = converged.reports
    problems = [p for r in reports for p in r.outbox.problems]
    assert len(problems) == 1 and problems[0].endswith(
        "POST /v3.0/orders/actions/ answered HTTP 200 with a body that is not JSON"
    )
    assert sum(r.walked_again for r in reports) == 1  # both shifts came in the first walk
    # The first request and every 40th were held past the client's timeout.
    assert converged.held_answers == 1 + converged.requests // EVERY_FAULT.slow_every
    # One token after the revocation, one after it expired during the day before the sweep.
    assert converged.tokens_since_revoked == 2
    # A malformed order in every page; the same unreadable input is kept once.
    assert rows(converged.url, "SELECT reason FROM quarantine") == [
        ("an order must be a JSON object, not str",)
    ]
    assert sum(r.pages for r in reports) > 2 * len(reports)  # every page twice


def test_orders_no_rule_path_reaches_carry_one_deviation_event_each(converged: Converged) -> None:
    url, truth = converged.url, converged.truth
    odd = deviating(truth)
    assert len(odd) == EVERY_FAULT.unreachable + EVERY_FAULT.unknown_status
    events = rows(url, "SELECT marketplace, order_id FROM events WHERE deviation")
    assert sorted((str(m), str(o)) for m, o in events) == sorted(odd)
    faults = {(t.marketplace, t.order_id): t.fault for t in truth}
    kinds = rows(url, "SELECT marketplace, order_id, kind FROM anomalies")
    assert Counter((faults[(str(m), str(o))], str(k)) for m, o, k in kinds) == {
        (OrderFault.UNREACHABLE, "no_legal_path"): EVERY_FAULT.unreachable,
        (OrderFault.UNKNOWN_STATUS, "unknown_status"): EVERY_FAULT.unknown_status,
    }
    # `orderflow conformance`: every order but those deviates, per marketplace.
    figures = run_figures(url)
    markets = Counter(t.marketplace for t in truth)
    odd_markets = Counter(marketplace for marketplace, _ in odd)
    assert figures.conforming == {m: (n, n - odd_markets[m]) for m, n in markets.items()}
    assert (figures.orders, figures.deviation_events) == (PLAN.count, len(odd))
    print(figures.text)


def test_the_lines_table_holds_each_orders_lines_as_the_twin_serves_them(
    converged: Converged,
) -> None:
    url, truth = converged.url, converged.truth
    stored: dict[tuple[str, str], list[tuple[object, ...]]] = {}
    query = (
        "SELECT marketplace, order_id, line_id, marketplace_status, lengow_status, quantity, "
        "amount FROM lines ORDER BY marketplace, order_id, position"
    )
    for m, o, *line in rows(url, query):
        stored.setdefault((str(m), str(o)), []).append(tuple(line))
    expected = {
        (t.marketplace, t.order_id): [
            (x.line_id, x.marketplace_status, x.lengow_status, x.quantity, x.amount)
            for x in t.lines
        ]
        for t in truth
    }
    mixed = {(t.marketplace, t.order_id) for t in truth if t.fault is OrderFault.MIXED_LINES}
    assert len(mixed) == EVERY_FAULT.mixed_lines
    assert {key: stored.get(key) for key in mixed} == {key: expected[key] for key in mixed}
    assert stored == expected
    states = rows(
        url,
        "SELECT marketplace, order_id, count(DISTINCT state) FROM lines "
        "GROUP BY marketplace, order_id",
    )
    assert {(str(m), str(o)) for m, o, n in states if int(str(n)) > 1} == mixed


@dataclass(frozen=True)
class Figures:
    orders: int
    deviation_events: int
    conforming: dict[str, tuple[int, int]]  # marketplace -> (orders, conforming)
    text: str


def _conforming(output: str) -> dict[str, tuple[int, int]]:
    """(orders, conforming) per marketplace from `orderflow conformance`'s tables."""
    found: dict[str, tuple[int, int]] = {}
    marketplace = ""
    for line in output.splitlines():
        if line and not line.startswith(" ") and ":" in line and not line.startswith("Counted"):
            marketplace = line.split(":", 1)[0]
        numbers = re.fullmatch(r"\s+([\d,]+)\s+([\d,]+)\s+[\d.]+", line)
        if numbers is not None:
            found[marketplace] = (
                int(numbers[1].replace(",", "")),
                int(numbers[2].replace(",", "")),
            )
    return found


def run_figures(url: str) -> Figures:
    """The run's figures: orders, deviation events, and `orderflow conformance --db URL`."""
    ((orders,),) = rows(url, "SELECT count(*) FROM orders")
    ((events,),) = rows(url, "SELECT count(*) FROM events WHERE deviation")
    result = CliRunner().invoke(main, ["conformance", "--db", url])
    assert result.exit_code == 0, result.output
    text = f"{orders} orders, {events} deviation events\n$ orderflow conformance --db {url}\n"
    return Figures(
        int(str(orders)), int(str(events)), _conforming(result.output), text + result.output
    )


if __name__ == "__main__":
    # python -m tests.sync.test_all_faults [DB_URL]: one converged run, its figures printed.
    done = converge(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///all_faults.db")
    for report in done.reports:
        print(report.summary())
    print(f"twin: {done.requests} requests, {done.held_answers} answers held")
    print(run_figures(done.url).text)
