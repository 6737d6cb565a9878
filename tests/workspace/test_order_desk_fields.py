"""The order desk's form asks for the fields an action requires, failing closed on values the
rule file does not list."""

from pathlib import Path

from engine.rulefile.loader import load_rules
from workspace.order_desk import required_fields

RULES = load_rules(Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml")


def _asked(mode: str) -> list[str]:
    return [f.name for f in required_fields(RULES, "ship", {"delivery_mode": mode})]


def test_a_tracked_delivery_asks_carrier_and_tracking_number() -> None:
    assert _asked("TRK") == ["carrier", "tracking_number"]
    # A label or an alias reads as its code.
    assert _asked("Suivi") == ["carrier", "tracking_number"]


def test_a_standard_delivery_asks_nothing() -> None:
    assert _asked("STD") == []


def test_an_unlisted_delivery_mode_asks_what_a_tracked_one_would() -> None:
    assert _asked("Sivi") == ["carrier", "tracking_number"]
