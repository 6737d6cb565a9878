"""`orderflow act`: a seller action queued from the command line, checked by the rules first."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from engine.store import OutboxState, Store, open_store
from simulator.twin.server import Twin
from tests.sync.support import RULES, ManualClock, syncer


def filled(twin: Twin, clock: ManualClock, tmp_path: Path) -> tuple[Store, str]:
    url = f"sqlite:///{tmp_path / 'act.db'}"
    store = open_store(url)
    syncer(twin, store, clock).run_once()
    return store, url


def act(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["act", *args, "--db", url, "--rules", str(RULES)])
    return result.exit_code, result.output


def test_an_allowed_action_is_queued_once(twin: Twin, clock: ManualClock, tmp_path: Path) -> None:
    store, url = filled(twin, clock, tmp_path)
    order = store.open_orders(["WaitingForSellerAcceptation"])[0].order_id
    code, output = act(url, order, "accept")
    assert code == 0
    assert output == (
        f"'accept' for order '{order}' queued in the outbox as #1:\n"
        "  accept -> AcceptedBySeller  (sends accept())\n"
    )
    code, output = act(url, order, "accept")
    assert code == 0 and "already waiting in the outbox as #1" in output
    (item,) = store.outbox()
    assert (item.order_id, item.action_type, item.state) == (order, "accept", OutboxState.PENDING)


def test_a_tracked_shipment_without_carrier_is_blocked_and_not_queued(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store, url = filled(twin, clock, tmp_path)
    order = store.open_orders(["WaitingForShipmentAcceptation"])[0].order_id
    code, output = act(url, order, "ship", "--field", "delivery_mode=Suivi")
    assert code == 1
    assert output == (
        f"'ship' is blocked for order '{order}' at 'WaitingForShipmentAcceptation':\n"
        "    - field_required: action 'ship' requires field 'carrier' when delivery_mode in "
        "[TRK, REG, REL, RCO, SO1]\n"
        "    - field_required: action 'ship' requires field 'tracking_number' when delivery_mode "
        "in [TRK, REG, REL, RCO, SO1]\n"
    )
    assert store.outbox() == []
    code, output = act(
        url, order, "ship", "--field", "delivery_mode=Suivi", "--field", "carrier=Colissimo",
        "--field", "tracking_number=8R0001",
    )  # fmt: skip
    assert code == 0 and "(sends ship(carrier=14, tracking_number=8R0001))" in output


def test_unknown_orders_and_actions_are_named(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store, url = filled(twin, clock, tmp_path)
    order = store.open_orders(["WaitingForSellerAcceptation"])[0].order_id
    assert act(url, "NOPE", "accept") == (1, "Error: no order 'NOPE' in the store\n")
    assert act(url, order, "acept") == (
        1, f"Error: 'acept' is not an action of {RULES} (did you mean 'accept'?)\n"
    )  # fmt: skip


def test_a_folder_without_rule_files_is_named_before_the_store_opens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    args = ["act", "1300435653830-A", "accept", "--db", url, "--rules", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (
        1, "Error: no rule file found: pass --rules FILE or DIR\n"
    )  # fmt: skip
    assert not (tmp_path / "never.db").exists()
