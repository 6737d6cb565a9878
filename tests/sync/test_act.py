"""`orderflow act`: a seller action queued from the command line, checked by the rules first."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from engine.model.events import Event, Source
from engine.model.lines import LineState, OrderLine
from engine.store import OrderChange, OutboxState, Store, open_store
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


def partly_refused(tmp_path: Path) -> tuple[Store, str]:
    """A Cdiscount order waiting for acceptance with two cart lines, stored as the sync would."""
    url = f"sqlite:///{tmp_path / 'lines.db'}"
    store = open_store(url)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    waiting = "WaitingForSellerAcceptation"
    event = Event("C1", None, waiting, "create", "marketplace", Source.FETCH, False, at)
    store.apply(
        [
            OrderChange(
                "cdiscount", "C1", waiting, at, at, "2026.11.1", 0, (event,),
                fields={"delivery_mode": "STD"},
                lines=(
                    OrderLine("C1-1", waiting, "waiting_acceptance", LineState.WAITING, 1),
                    OrderLine("C1-2", waiting, "waiting_acceptance", LineState.WAITING, 2),
                ),
            )
        ]
    )  # fmt: skip
    return store, url


def test_an_action_on_named_lines_is_queued_once_per_line_with_its_line(tmp_path: Path) -> None:
    store, url = partly_refused(tmp_path)
    code, output = act(url, "C1", "refuse", "--line", "C1-2", "--line", "C1-1", "--line", "C1-2")
    assert (code, output) == (
        0,
        "'refuse' for line 'C1-2' of order 'C1' queued in the outbox as #1:\n"
        "'refuse' for line 'C1-1' of order 'C1' queued in the outbox as #2:\n"
        "  refuse on lines C1-2, C1-1  (sends refuse() once per line)\n",
    )
    assert [(i.action, i.line, dict(i.args), i.expected_status) for i in store.outbox()] == [
        ("refuse", "C1-2", {"line": "C1-2"}, None),
        ("refuse", "C1-1", {"line": "C1-1"}, None),
    ]
    # The same line again is the entry already waiting; the whole order is an entry of its own.
    assert "already waiting in the outbox as #1" in act(url, "C1", "refuse", "--line", "C1-2")[1]
    assert act(url, "C1", "refuse")[1].startswith(
        "'refuse' for order 'C1' queued in the outbox as #3:\n"
    )


def test_a_line_the_order_lacks_or_an_action_without_lines_is_blocked(tmp_path: Path) -> None:
    store, url = partly_refused(tmp_path)
    assert act(url, "C1", "accept", "--line", "C1-9") == (
        1,
        "'accept' is blocked for order 'C1' at 'WaitingForSellerAcceptation':\n"
        "    - unknown_line: the order has no line 'C1-9'; its lines are 'C1-1', 'C1-2'\n",
    )
    text = RULES.read_text(encoding="utf-8").replace("    lines: true\n", "")
    no_lines = tmp_path / "cdiscount.yaml"
    no_lines.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["act", "C1", "accept", "--line", "C1-1", "--db", url, "--rules", str(no_lines)]
    )
    assert (result.exit_code, result.output) == (
        1,
        "'accept' is blocked for order 'C1' at 'WaitingForSellerAcceptation':\n"
        "    - lines_not_taken: action 'accept' acts on the whole order: the marketplace takes "
        "no line for it (the rule file gives it no 'lines: true')\n",
    )
    assert store.outbox() == []
