"""Orders in flight moved to a new rule version: once, in one transaction, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.eventlog import attribute_columns
from authoring.migration import MigrationRefused, migrate
from cli.main import main
from engine.rulefile.loader import load_rules, load_rules_text
from engine.store import Store, open_store
from engine.store.rule_versions import digest
from engine.sync.pinned_rules import pinned_text
from tests.authoring.stores import (
    CDISCOUNT,
    NOW,
    RENAMED,
    RENAMED_BARE,
    copy_orders,
    edited,
    fill_day,
)
from workspace.sources import read_log

OLD = load_rules(CDISCOUNT)
NEW = load_rules_text(RENAMED, "rules/cdiscount.yaml")
BARE = load_rules_text(RENAMED_BARE, "rules/cdiscount.yaml")
WAITING = "WaitingForShipmentAcceptation"
LATER = NOW + timedelta(hours=1)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrate") / "day.db"
    with open_store(f"sqlite:///{path}") as store:
        fill_day(store)
    return path


@pytest.fixture
def store(store_url: str, filled: Path) -> Iterator[Store]:
    with open_store(store_url) as opened, open_store(f"sqlite:///{filled}") as day:
        assert copy_orders(day, opened) == 42
        yield opened


def _pinned(store: Store) -> dict[str, tuple[str | None, str, int]]:
    return {
        s.order_id: (s.status, s.rules_version, s.seq)
        for s in store.in_flight("cdiscount", OLD.final_statuses | NEW.final_statuses)
    }


def test_the_fill_keeps_the_rules_its_orders_run_under(store: Store) -> None:
    (kept,) = store.rule_versions()
    assert (kept.marketplace, kept.rules_version) == ("cdiscount", "2026.11.1")
    assert kept.sha256 == digest(pinned_text(OLD)) and load_rules_text(kept.text) == OLD
    assert store.rule_version("cdiscount", "2026.11.1") == kept
    assert store.rule_version("cdiscount", kept.sha256[:8]) == kept
    assert store.rule_version("cdiscount", "2026.12.1") is None


def test_a_status_with_nowhere_to_go_refuses_naming_its_orders(store: Store) -> None:
    before = _pinned(store)
    waiting = sorted(k for k, (status, _, _) in before.items() if status == WAITING)
    with pytest.raises(MigrationRefused) as refused:
        migrate(store, BARE, LATER, apply=True)
    assert str(refused.value) == (
        "15 orders in flight are at a status version 2026.12.1 neither declares nor moves: "
        f"'{WAITING}' ({', '.join(waiting)}). Nothing was migrated: say where each status goes "
        "under 'migrations' (renamed, merged or removed) in rules/cdiscount.yaml"
    )
    assert _pinned(store) == before
    assert [v.rules_version for v in store.rule_versions()] == ["2026.11.1"]


def test_a_dry_run_says_what_would_move_and_writes_nothing(store: Store) -> None:
    before = _pinned(store)
    plan = migrate(store, NEW, LATER)
    assert (plan.in_flight, len(plan.moves), len(plan.repinned)) == (25, 15, 10)
    assert _pinned(store) == before
    assert len(store.rule_versions()) == 1


def test_migrating_moves_each_order_by_one_event_and_twice_changes_nothing(store: Store) -> None:
    before = _pinned(store)
    plan = migrate(store, NEW, LATER, apply=True)
    assert (plan.changed, len(plan.moves), len(plan.repinned)) == (25, 15, 10)
    after = _pinned(store)
    moved = sorted(k for k, (status, _, _) in before.items() if status == WAITING)
    assert sorted(k for k, (status, _, _) in after.items() if status == "AwaitingShipment") == moved
    assert {version for _, version, _ in after.values()} == {"2026.12.1"}
    for key, (status, _, seq) in before.items():
        assert after[key][2] == seq + (1 if status == WAITING else 0)
    last = store.events("cdiscount", moved[0])[-1]
    assert (last.from_status, last.to_status, last.trigger, last.source, last.at) == (
        WAITING,
        "AwaitingShipment",
        "migrate",
        "migration",
        LATER,
    )
    # A rename keeps the time the order entered the status: its timer runs on.
    entered = store.get_order("cdiscount", moved[0])
    assert entered is not None and entered.entered_at is not None and entered.entered_at < NOW
    assert [v.rules_version for v in store.rule_versions()] == ["2026.11.1", "2026.12.1"]
    again = migrate(store, NEW, LATER + timedelta(hours=1), apply=True)
    assert (again.in_flight, again.changed) == (25, 0)
    assert _pinned(store) == after
    assert len(store.rule_versions()) == 2


def test_the_command_refuses_then_migrates(filled: Path, tmp_path: Path) -> None:
    bare, new = tmp_path / "bare.yaml", tmp_path / "new.yaml"
    bare.write_text(RENAMED_BARE, encoding="utf-8")
    new.write_text(RENAMED, encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(db) as store, open_store(f"sqlite:///{filled}") as day:
        copy_orders(day, store)
    refused = CliRunner().invoke(main, ["migrate", "--db", db, "--to", str(bare), "--apply"])
    assert refused.exit_code == 1
    assert "Error: 15 orders in flight are at a status version 2026.12.1" in refused.output
    done = CliRunner().invoke(main, ["migrate", "--db", db, "--to", str(new), "--apply"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "cdiscount: 25 orders in flight; 25 moved to rules 2026.12.1",
        f"      15  renamed '{WAITING}' -> 'AwaitingShipment'",
        "      10  status kept, pinned to 2026.12.1",
    ]
    again = CliRunner().invoke(main, ["migrate", "--db", db, "--to", str(new), "--apply"])
    assert again.output == "cdiscount: 25 orders in flight; 0 moved to rules 2026.12.1\n"


def test_the_event_log_carries_each_orders_rules_version(store: Store) -> None:
    migrate(store, NEW, LATER, apply=True)
    log = read_log(store, [NEW])
    assert "rules_version" in attribute_columns(log)
    orders = log.groupby("rules_version", observed=True)["case"].nunique()
    # The 25 orders in flight run under the new version; the 17 finished ones stay pinned.
    assert orders.to_dict() == {"2026.11.1": 17, "2026.12.1": 25}
    frame = store.events_frame(fields=("delivery_mode", "rules_version"))
    assert list(frame.columns)[-2:] == ["delivery_mode", "rules_version"]


# Shipping now lands on Shipped at once: ShippedBySeller is gone, its orders shipped.
NO_SHIPPED_BY_SELLER = edited(
    ("  ShippedBySeller:\n    description: The order has been sent by the seller.\n"
     "    stage: shipped\n", ""),
    ("    to: ShippedBySeller\n", "    to: Shipped\n"),
    ("  - trigger: confirm_shipment\n    from: ShippedBySeller\n    to: Shipped\n"
     "    actor: marketplace\n", ""),
    ("    ShippedBySeller: shipped\n", ""),
    tail='\nmigrations:\n  from: "2026.11.1"\n  removed:\n    ShippedBySeller: Shipped\n',
)  # fmt: skip


def test_an_order_moved_out_of_a_removed_status_enters_its_new_one(store: Store) -> None:
    # The file's properties (another section) may name the status too: they follow it.
    text = NO_SHIPPED_BY_SELLER.replace("enters: ShippedBySeller", "enters: Shipped")
    new = load_rules_text(text, "rules/cdiscount.yaml")
    (shipped,) = [k for k, (s, _, _) in _pinned(store).items() if s == "ShippedBySeller"]
    plan = migrate(store, new, LATER, apply=True)
    assert [(m.order_id, str(m.move.kind), m.from_version) for m in plan.moves] == [
        (shipped, "removed", "2026.11.1")
    ]
    assert len(plan.repinned) == 24
    order = store.get_order("cdiscount", shipped)
    assert order is not None
    assert (order.status, order.entered_at, order.rules_version) == ("Shipped", LATER, "2026.12.1")
    # Shipped is final: the order is no longer in flight, and a second run leaves it be.
    assert migrate(store, new, LATER, apply=True).in_flight == 24


def test_a_file_reusing_its_version_for_other_rules_is_said(filled: Path, tmp_path: Path) -> None:
    same = tmp_path / "cdiscount.yaml"
    text = CDISCOUNT.read_text(encoding="utf-8")
    assert text.count("after: 48h") == 1
    same.write_text(text.replace("after: 48h", "after: 24h"), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(db) as store, open_store(f"sqlite:///{filled}") as day:
        copy_orders(day, store)
    run = CliRunner().invoke(main, ["migrate", "--db", db, "--to", str(same)])
    assert run.exit_code == 0, run.output
    assert run.stdout.startswith("cdiscount: 25 orders in flight; 0 would move")
    assert run.stderr == (
        f"warning: {same} keeps rules_version 2026.11.1 but its rules differ from those kept "
        "under 2026.11.1: the orders pinned to 2026.11.1 will run under the new rules from the "
        "next sync on, without a migration; give the new file a rules_version of its own "
        "(marketplace.rules_version) to move them deliberately\n"
    )
    measured = CliRunner().invoke(main, ["impact", str(CDISCOUNT), str(same), "--db", db])
    assert measured.exit_code == 0, measured.output
    assert measured.stderr.startswith(f"warning: {same} keeps rules_version 2026.11.1")
    unchanged = CliRunner().invoke(main, ["migrate", "--db", db, "--to", str(CDISCOUNT)])
    assert unchanged.stderr == ""
