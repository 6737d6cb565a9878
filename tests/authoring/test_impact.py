"""What a rule change does to the orders in flight of a simulated day: each line and its count."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from authoring.impact import Impact, ImpactKind, MarketplaceMismatch, impact
from cli.main import main
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules, load_rules_text
from engine.store import OrderState, Store, open_store
from tests.authoring.stores import CDISCOUNT, NOW, RENAMED, edited, fill_day

OLD = load_rules(CDISCOUNT)
ACCEPTATION = "WaitingForSellerAcceptation"
SHIPPED_BY_SELLER = "ShippedBySeller"
# The refused shipment taken out: its transition, its action, its status and its line code.
NO_REFUSE_SHIPMENT = edited(
    ("  - trigger: refuse_shipment\n    from: WaitingForShipmentAcceptation\n"
     "    to: ShipmentRefusedBySeller\n    actor: seller\n", ""),
    ("  refuse_shipment:\n    description: Refuse the shipment of the order.\n"
     "    at: [WaitingForShipmentAcceptation]\n    transition: refuse_shipment\n"
     "    action_type: cancel\n", ""),
    ("  ShipmentRefusedBySeller:\n    description: The seller has refused the shipment.\n"
     "    stage: canceled\n    final: true\n", ""),
    ("    ShipmentRefusedBySeller: refused\n", ""),
)  # fmt: skip
SIX_HOURS = edited(("after: 48h", "after: 6h"))
# The marketplace confirms only click-and-collect shipments: every other is stranded.
GUARDED_CONFIRMATION = edited(
    ("    to: Shipped\n    actor: marketplace\n",
     "    to: Shipped\n    actor: marketplace\n    when: {field: delivery_mode, in: [MAG]}\n"),
)  # fmt: skip


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("impact") / "store.db"
    with open_store(f"sqlite:///{path}") as store:
        fill_day(store)
    yield path


@pytest.fixture
def store(store_file: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{store_file}") as opened:
        yield opened


def _in_flight(store: Store) -> list[OrderState]:
    return store.in_flight("cdiscount", OLD.final_statuses)


def _measured(store: Store, text: str) -> Impact:
    return impact(OLD, load_rules_text(text, "new.yaml"), _in_flight(store), NOW)


def _table(result: Impact) -> list[tuple[str, str, int]]:
    return [(str(line.kind), line.subject, line.count) for line in result.lines]


def test_the_day_leaves_25_orders_in_flight(store: Store) -> None:
    statuses = [s.status for s in _in_flight(store)]
    assert len(statuses) == 25
    assert statuses.count("WaitingForShipmentAcceptation") == 15
    assert statuses.count(ACCEPTATION) == 8
    assert statuses.count(SHIPPED_BY_SELLER) == 1


def test_the_same_rules_affect_no_order(store: Store) -> None:
    result = impact(OLD, OLD, _in_flight(store), NOW)
    assert (result.in_flight, result.lines, result.affected) == (25, (), ())


def test_a_renamed_status_moves_its_orders_and_leaves_its_code_unmapped(store: Store) -> None:
    result = _measured(store, RENAMED)
    assert (result.old, result.new, result.in_flight) == ("2026.11.1", "2026.12.1", 25)
    assert _table(result) == [
        ("status renamed", "'WaitingForShipmentAcceptation' -> 'AwaitingShipment'", 15),
        (
            "code maps elsewhere",
            "'WaitingForShipmentAcceptation' maps to no status (was "
            "'WaitingForShipmentAcceptation')",
            15,
        ),
    ]
    (renamed,) = result.of(ImpactKind.STATUS_RENAMED)
    waiting = {s.order_id for s in _in_flight(store) if s.status == "WaitingForShipmentAcceptation"}
    assert set(renamed.orders) == waiting


def test_a_rename_without_migration_removes_the_status(store: Store) -> None:
    bare = edited(("WaitingForShipmentAcceptation", "AwaitingShipment"))
    assert _table(_measured(store, bare))[0] == (
        "status removed",
        "'WaitingForShipmentAcceptation'",
        15,
    )


def test_a_removed_transition_loses_its_action_at_the_orders_waiting_for_shipment(
    store: Store,
) -> None:
    # The status' code maps nowhere now, but no order in flight is at it: no line.
    assert _table(_measured(store, NO_REFUSE_SHIPMENT)) == [
        ("action lost", "'refuse_shipment'", 15)
    ]


def test_a_shorter_timer_moves_the_deadlines_and_one_order_is_overdue_at_once(
    store: Store,
) -> None:
    result = _measured(store, SIX_HOURS)
    assert _table(result) == [
        ("deadline moved", f"'seller_acceptance' at '{ACCEPTATION}' by -42h", 8),
        ("overdue at once", f"'seller_acceptance' at '{ACCEPTATION}' (6h after entry)", 1),
    ]
    (overdue,) = result.of(ImpactKind.OVERDUE)
    (order,) = (s for s in _in_flight(store) if s.order_id == overdue.orders[0])
    waiting = [s.entered_at for s in _in_flight(store) if s.status == ACCEPTATION]
    over = [entered for entered in waiting if entered and NOW - entered >= timedelta(hours=6)]
    assert over == [order.entered_at]


def test_a_guard_on_the_only_way_out_strands_the_order_there(store: Store) -> None:
    assert _table(_measured(store, GUARDED_CONFIRMATION)) == [
        ("stranded", f"at '{SHIPPED_BY_SELLER}'", 1)
    ]


def test_rule_files_of_two_marketplaces_are_not_compared(store: Store) -> None:
    other: RuleSet = load_rules(CDISCOUNT.parent / "galeries_lafayette.yaml")
    with pytest.raises(MarketplaceMismatch, match="compare two versions of one marketplace"):
        impact(OLD, other, _in_flight(store), NOW)


def test_the_command_prints_the_table_and_the_orders_behind_it(
    store_file: Path, tmp_path: Path
) -> None:
    new = tmp_path / "cdiscount.yaml"
    new.write_text(SIX_HOURS, encoding="utf-8")
    db = f"sqlite:///{store_file}"
    args = ["impact", str(CDISCOUNT), str(new), "--db", db, "--at", NOW.isoformat()]
    done = CliRunner().invoke(main, [*args, "--orders"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == (
        "cdiscount 2026.11.1 -> 2026.12.1: 25 orders in flight, 8 affected "
        "(as of 2026-03-18T14:25:00+00:00)"
    )
    assert lines[1] == (
        "       8  deadline moved   'seller_acceptance' at 'WaitingForSellerAcceptation' by -42h"
    )
    assert len(lines[2].split(", ")) == 8
    data = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert [(line["kind"], line["count"]) for line in data["lines"]] == [
        ("deadline moved", 8),
        ("overdue at once", 1),
    ]


def test_a_requirement_made_unconditional_adds_its_blocker_and_takes_the_action(
    store: Store,
) -> None:
    always = edited(
        (
            "      - field: carrier\n        when: {field: delivery_mode, in: [TRK, REG, REL, "
            "RCO, SO1]}\n",
            "      - field: carrier\n",
        )
    )
    # Of the 15 orders waiting for their shipment, 12 gain the blocker (the other 3 had it
    # already, or have a carrier); 8 of those 12 could ship before, and cannot now.
    assert _table(_measured(store, always)) == [
        ("action lost", "'ship'", 8),
        ("blocker gained", "'ship' field_required (carrier)", 12),
    ]
