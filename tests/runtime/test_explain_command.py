"""`orderflow explain`: allowed actions and blockers at a status, clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.runtime.conftest import CDISCOUNT

READY = "WaitingForShipmentAcceptation"


def explain(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["explain", *args])
    return result.exit_code, result.output


def test_a_tracked_order_without_carrier_is_explained() -> None:
    code, output = explain(
        str(CDISCOUNT), "--status", READY, "--field", "delivery_mode=Suivi",
        "--field", "tracking_number=8R0001",
    )  # fmt: skip
    assert code == 0
    lines = output.splitlines()
    assert lines[0] == (
        f"{CDISCOUNT}: status '{READY}' (stage waiting_shipment), "
        "fields: delivery_mode=TRK, tracking_number=8R0001"
    )
    assert lines[1:3] == [
        "allowed:",
        "  refuse_shipment -> ShipmentRefusedBySeller  (sends cancel())",
    ]
    ship = lines.index("  ship")
    assert lines[ship + 1] == (
        "    - field_required: action 'ship' requires field 'carrier' when "
        "delivery_mode in [TRK, REG, REL, RCO, SO1]"
    )


def test_an_unlisted_delivery_mode_is_named_and_blocks_ship() -> None:
    code, output = explain(str(CDISCOUNT), "--status", READY, "--field", "delivery_mode=Sivi")
    assert code == 0
    modes = "'STD', 'TRK', 'REG', 'EXP', 'LV1', 'LV2', 'LV3', 'REL', 'RCO', 'SO1', 'MAG'"
    lines = output.splitlines()
    assert lines[:6] == [
        f"{CDISCOUNT}: status '{READY}' (stage waiting_shipment), fields: delivery_mode=Sivi",
        "not recognised: field 'delivery_mode' has value 'Sivi', which none of its values or "
        f"aliases lists; its values are {modes}; conditions on it are unknown",
        "allowed:",
        "  refuse_shipment -> ShipmentRefusedBySeller  (sends cancel())",
        "blocked:",
        "  accept",
    ]
    ship = lines.index("  ship")
    assert lines[ship + 1 : ship + 3] == [
        "    - value_not_recognised: action 'ship' depends on field 'delivery_mode', whose "
        f"value 'Sivi' is not recognised; the known values are {modes}",
        "  refund",
    ]


def test_an_allowed_ship_shows_what_it_sends() -> None:
    code, output = explain(
        str(CDISCOUNT), "--status", READY, "--field", "delivery_mode=TRK",
        "--field", "carrier=Colissimo", "--field", "tracking_number=8R0001",
    )  # fmt: skip
    assert code == 0
    assert "  ship -> ShippedBySeller  (sends ship(carrier=14, tracking_number=8R0001))" in output


def test_an_unknown_status_is_an_error_with_a_suggestion() -> None:
    code, output = explain(str(CDISCOUNT), "--status", "Shiped")
    assert code == 2
    assert f"status 'Shiped' is not declared in {CDISCOUNT} (did you mean 'Shipped'?)" in output
    assert "Traceback" not in output


def test_an_unknown_field_is_an_error_with_a_suggestion() -> None:
    code, output = explain(str(CDISCOUNT), "--status", "Shipped", "--field", "carier=2")
    assert code == 2
    assert "field 'carier' is not declared" in output and "(did you mean 'carrier'?)" in output


def test_a_field_without_value_is_an_error() -> None:
    code, output = explain(str(CDISCOUNT), "--status", "Shipped", "--field", "carrier")
    assert code == 2 and "'carrier' is not name=value" in output


def test_a_missing_file_is_an_error() -> None:
    code, output = explain("no/such/rules.yaml", "--status", "Shipped")
    assert code == 2 and "does not exist" in output


def test_an_invalid_rule_file_lists_its_problems(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: 1\nstatuses: [\n", encoding="utf-8")
    code, output = explain(str(broken), "--status", "Shipped")
    assert code == 1
    assert output.startswith(f"Error: {broken} is not a valid rule file:\n{broken}:")
    assert "Traceback" not in output
