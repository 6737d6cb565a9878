"""Every order runs under the rules version it is pinned to, until `orderflow migrate` moves it.

A store synced under Cdiscount's file (2026.11.1), then the file changed to 2026.12.1: the status
AcceptedBySeller renamed SellerAccepted (with its `migrations:`), the seller's answer due in 24 h
instead of 48 h, and `Suivi` no longer an alias of TRK. Orders in flight keep 2026.11.1 (their
statuses, events, fields and timers), new orders get 2026.12.1; a migration moves them; after it
the sync runs them under 2026.12.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from authoring.migration import migrate
from cli.main import main
from engine.channels.errors import ChannelUnavailable
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules, load_rules_text
from engine.store import OrderChange, OutboxState, Store, open_store
from engine.sync.order_rules import OrderRules
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from engine.sync.timer_sweep import fire_due_timers
from tests.sync.support import RULES, ManualClock

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
V1 = load_rules(RULES)
TEXT = RULES.read_text(encoding="utf-8")
V2_TEXT = (
    TEXT.replace('rules_version: "2026.11.1"', 'rules_version: "2026.12.1"')
    .replace("  AcceptedBySeller:\n    description", "  SellerAccepted:\n    description")
    .replace("to: AcceptedBySeller", "to: SellerAccepted")
    .replace("from: AcceptedBySeller", "from: SellerAccepted")
    .replace("[AcceptedBySeller, ValidatedFianet", "[SellerAccepted, ValidatedFianet")
    .replace("    after: 48h\n", "    after: 24h\n")
    .replace("TRK: {label: Tracked, aliases: [Suivi]}", "TRK: {label: Tracked}")
    + "\nmapping:\n  AcceptedBySeller: SellerAccepted\n"
    + '\nmigrations:\n  from: "2026.11.1"\n  renamed:\n    AcceptedBySeller: SellerAccepted\n'
)
V2 = load_rules_text(V2_TEXT, "rules/cdiscount.yaml")
OLD, NEW = "2026.11.1", "2026.12.1"
EARLIER = (
    "; 1 order(s) ran under the rules version they are pinned to, not the file's "
    "(cdiscount 2026.11.1: 1): `orderflow migrate --db URL --to FILE` moves them"
)


@dataclass
class Listing:
    """A marketplace of hand-written orders: its pages list them by `updated_at`; it posts no
    action (each attempt is kept) and answers an order's status code."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[tuple[str, str]] = field(default_factory=list)

    def put(self, order_id: str, code: str, at: datetime, mode: str = "Suivi") -> None:
        self.orders[order_id] = {
            "marketplace": "cdiscount",
            "marketplace_order_id": order_id,
            "marketplace_status": code,
            "updated_at": at.isoformat(),
            "marketplace_order_date": T0.isoformat(),
            "packages": [{"delivery": {"shipping_method": mode}, "cart": []}],
        }

    def order_pages(
        self, updated_from: datetime, updated_to: datetime, *, marketplace: str | None = None
    ) -> Iterator[SimpleNamespace]:
        def inside(order: dict[str, Any]) -> bool:
            return updated_from <= datetime.fromisoformat(order["updated_at"]) <= updated_to

        yield SimpleNamespace(results=[o for o in self.orders.values() if inside(o)])

    def find_action(self, *args: object, **kw: object) -> None:
        return None

    def post_action(self, marketplace: str, order_id: str, *args: object, **kw: object) -> Any:
        self.posts.append((marketplace, order_id))
        raise ChannelUnavailable("this listing posts nothing")

    def order_status(self, marketplace: str, order_id: str) -> str:
        return str(self.orders[order_id]["marketplace_status"])


def _sync(rules: RuleSet, store: Store, listing: Listing, clock: ManualClock) -> SyncReport:
    report = Syncer([rules], store, listing, clock).run_once()  # type: ignore[arg-type]
    assert report.failed is None
    return report


def _orders(store: Store) -> dict[str, tuple[str | None, str, object]]:
    """Each order's status, version and delivery mode."""
    return {
        s.order_id: (s.status, s.rules_version, s.fields.get("delivery_mode"))
        for s in store.in_flight("cdiscount", ())
    }


def _events(store: Store, order_id: str) -> list[tuple[object, ...]]:
    return [
        (e.seq, e.from_status, e.to_status, e.trigger, e.source, e.inferred, e.at)
        for e in store.events("cdiscount", order_id)
    ]


MODE = {"delivery_mode": "TRK", "fulfilled_by_marketplace": False}


@pytest.fixture
def synced(store_url: str) -> Iterator[tuple[Store, Listing, ManualClock]]:
    """A, B at WaitingForSellerAcceptation synced under 2026.11.1; then, under 2026.12.1, A
    accepted (in flight: stays on 2026.11.1), C new and accepted, D new and waiting."""
    clock, listing = ManualClock(T0), Listing()
    with open_store(store_url) as store:
        listing.put("A", "WaitingForSellerAcceptation", T0 - timedelta(minutes=10))
        listing.put("B", "WaitingForSellerAcceptation", T0 - timedelta(minutes=10))
        assert "pinned to, not the file's" not in _sync(V1, store, listing, clock).summary()
        clock.sleep(15 * 60)
        listing.put("A", "AcceptedBySeller", T0 + timedelta(minutes=5))
        listing.put("C", "AcceptedBySeller", T0 + timedelta(minutes=5))
        listing.put("D", "WaitingForSellerAcceptation", T0 + timedelta(minutes=5), mode="TRK")
        report = _sync(V2, store, listing, clock)
        assert report.older_rules == {"cdiscount 2026.11.1": 1}
        assert EARLIER in report.summary()
        yield store, listing, clock


def test_orders_in_flight_keep_their_version_and_new_ones_get_the_file_s(
    synced: tuple[Store, Listing, ManualClock],
) -> None:
    store, _, _ = synced
    assert _orders(store) == {
        "A": ("AcceptedBySeller", OLD, "TRK"),  # `Suivi` read under 2026.11.1
        "B": ("WaitingForSellerAcceptation", OLD, "TRK"),
        "C": ("SellerAccepted", NEW, "Suivi"),  # listed no more
        "D": ("WaitingForSellerAcceptation", NEW, "TRK"),
    }
    first, at = T0 - timedelta(minutes=10), T0 + timedelta(minutes=5)
    assert _events(store, "A") == [
        (1, None, "WaitingForSellerAcceptation", "create", "fetch", False, first),
        (2, "WaitingForSellerAcceptation", "AcceptedBySeller", "accept", "fetch", False, at),
    ]
    assert _events(store, "C") == [
        # Created at its order date (T0): observed, the marketplace says when.
        (1, None, "WaitingForSellerAcceptation", "create", "fetch", False, T0),
        (2, "WaitingForSellerAcceptation", "SellerAccepted", "accept", "fetch", False, at),
    ]
    assert [(a.order_id, a.kind, a.reported) for a in store.anomalies("cdiscount")] == [
        ("C", "unlisted_value", "delivery_mode=Suivi")
    ]


def test_timers_fire_under_each_order_s_version(
    synced: tuple[Store, Listing, ManualClock],
) -> None:
    store, _, _ = synced
    # 30 hours on: D's 24 h (2026.12.1) are over, B's 48 h (2026.11.1) are not.
    fired = fire_due_timers(store, OrderRules([V2]), T0 + timedelta(hours=30))
    assert fired == 1
    assert _events(store, "D")[-1] == (
        2, "WaitingForSellerAcceptation", "AutomaticCancellation", "auto_cancel", "timer", False,
        T0 + timedelta(hours=24),  # from its order date (T0), not from when it was seen
    )  # fmt: skip
    assert fire_due_timers(store, OrderRules([V2]), T0 + timedelta(hours=48)) == 1
    assert _events(store, "B")[-1][2:4] == ("AutomaticCancellation", "auto_cancel")
    assert store.get_order("cdiscount", "B").rules_version == OLD  # type: ignore[union-attr]


def test_after_a_migration_the_orders_run_under_the_new_version(
    synced: tuple[Store, Listing, ManualClock],
) -> None:
    store, listing, clock = synced
    moved = clock.now()
    plan = migrate(store, V2, moved, apply=True)
    assert ([m.order_id for m in plan.moves], plan.repinned) == (["A"], ("B",))
    assert {k: v[:2] for k, v in _orders(store).items()} == {
        "A": ("SellerAccepted", NEW),
        "B": ("WaitingForSellerAcceptation", NEW),
        "C": ("SellerAccepted", NEW),
        "D": ("WaitingForSellerAcceptation", NEW),
    }
    clock.sleep(15 * 60)
    listing.put("A", "PaymentInProgress", clock.now() - timedelta(minutes=1))
    report = _sync(V2, store, listing, clock)
    assert (report.older_rules, report.version_missing) == ({}, 0)
    assert "pinned to, not the file's" not in report.summary()
    assert _events(store, "A")[2:] == [
        (3, "AcceptedBySeller", "SellerAccepted", "migrate", "migration", False, moved),
        (4, "SellerAccepted", "PaymentInProgress", "start_payment", "fetch", False,
         clock.now() - timedelta(minutes=1)),
    ]  # fmt: skip
    assert _orders(store)["A"][:2] == ("PaymentInProgress", NEW)


def test_an_order_whose_version_the_store_does_not_keep_says_so_and_runs_under_the_file(
    store_url: str,
) -> None:
    clock, listing = ManualClock(T0), Listing()
    with open_store(store_url) as store:
        created = T0 - timedelta(hours=1)
        store.apply(
            [OrderChange("cdiscount", "E", "WaitingForSellerAcceptation", created, created,
                         "2025.1.1", fields=MODE)]
        )  # fmt: skip
        listing.put("E", "AcceptedBySeller", T0 - timedelta(minutes=5), mode="TRK")
        report = _sync(V2, store, listing, clock)
        (anomaly,) = store.anomalies("cdiscount", "E")
        state = store.get_order("cdiscount", "E")
    assert (report.older_rules, report.version_missing) == ({}, 1)
    assert report.summary().endswith(
        "; 1 order(s) pinned to a rules version the store cannot run ran under the current file "
        "(anomaly rules_version_missing)"
    )
    assert (anomaly.kind, anomaly.reported, anomaly.from_status) == (
        "rules_version_missing", "2025.1.1", "WaitingForSellerAcceptation",
    )  # fmt: skip
    assert anomaly.message == (
        "order E of cdiscount is pinned to rules version 2025.1.1, which cannot be run: the store "
        "keeps no text of it; it ran under the current file's version 2026.12.1 and is pinned to "
        "it from now on"
    )
    assert state is not None and (state.status, state.rules_version) == ("SellerAccepted", NEW)


def test_act_checks_and_the_outbox_reads_an_order_under_its_version(
    synced: tuple[Store, Listing, ManualClock], store_url: str, tmp_path: Path
) -> None:
    store, listing, clock = synced
    v2 = tmp_path / "cdiscount.yaml"
    v2.write_text(V2_TEXT, encoding="utf-8")
    done = CliRunner().invoke(main, ["act", "B", "accept", "--db", store_url, "--rules", str(v2)])
    assert done.exit_code == 0, done.output
    assert done.stderr == (
        "Note: order B runs under rules version 2026.11.1 of cdiscount, the one it is pinned to, "
        "not the file's: `orderflow migrate --db URL --to FILE` moves it.\n"
    )
    (item,) = store.outbox()
    assert (item.order_id, item.action, item.expected_status) == ("B", "accept", "AcceptedBySeller")
    # Its POST may have landed (sending, begun 11 minutes ago); the marketplace shows the order
    # at AcceptedBySeller: under 2026.11.1 that is the action's status, so nothing is sent again.
    assert store.begin_send(item, clock.now()) is not None
    listing.orders["B"]["marketplace_status"] = "AcceptedBySeller"
    clock.sleep(11 * 60)
    report = _sync(V2, store, listing, clock)
    assert (report.outbox.already_done, report.outbox.sent, listing.posts) == (1, 0, [])
    assert [i.state for i in store.outbox()] == [OutboxState.SENT]
