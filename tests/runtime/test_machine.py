"""The one machine per rule set, and the table read back from it."""

from __future__ import annotations

from engine.model.conditions import FieldIn, Not
from engine.rulefile.loader import load_rules_text
from engine.runtime.machine import RuleMachine, Step, build_machine, compile_table
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT, CDISCOUNT, GUARDED, rules_of

MAG = FieldIn("delivery_mode", ("MAG",))


def test_the_machine_has_no_model_and_no_auto_transitions() -> None:
    machine = build_machine(rules_of(CDISCOUNT))
    assert machine.models == []
    assert not any(name.startswith("to_") for name in machine.events)
    assert next(iter(machine.states)) == "WaitingForSellerAcceptation"


def test_runtime_shares_one_machine_for_every_order(cdiscount: Runtime) -> None:
    machine = cdiscount.machine.machine
    for i in range(3):
        cdiscount.observe(f"o{i}", "WaitingForSellerAcceptation", "AcceptedBySeller", {}, AT)
    assert cdiscount.machine.machine is machine
    assert machine.models == []


def test_table_is_read_back_from_the_machine_in_its_order() -> None:
    table = compile_table(build_machine(rules_of(CDISCOUNT)))
    assert table.steps[("WaitingForShipmentAcceptation", "ship")] == (
        Step("ShippedBySeller", Not(MAG), "seller"),
        Step("AvailableOnStore", MAG, "seller"),
    )
    assert table.steps[("ValidatedFianet", "start_payment")] == (
        Step("PaymentInProgress", None, "payment"),
    )
    assert len(table.steps) == 23
    assert table.conditions == (Not(MAG), MAG)


def test_fire_follows_the_guard_on_the_fields() -> None:
    machine = RuleMachine(rules_of(CDISCOUNT))
    at_store = machine.fire("WaitingForShipmentAcceptation", "ship", {"delivery_mode": "MAG"})
    tracked = machine.fire("WaitingForShipmentAcceptation", "ship", {"delivery_mode": "TRK"})
    assert at_store is not None and at_store.dest == "AvailableOnStore"
    assert tracked is not None and tracked.dest == "ShippedBySeller"


def test_a_refused_trigger_is_returned_not_ignored() -> None:
    machine = RuleMachine(rules_of(CDISCOUNT))
    assert machine.fire("Shipped", "accept", {}) is None
    assert machine.fire("WaitingForSellerAcceptation", "no_such_trigger", {}) is None


def test_a_failing_guard_refuses_in_the_machine() -> None:
    machine = RuleMachine(load_rules_text(GUARDED, "demo.yaml"))
    assert machine.fire("Open", "finish", {"mode": "B"}) is None
    step = machine.fire("Open", "finish", {"mode": "A"})
    assert step == Step("Done", FieldIn("mode", ("A",)), "seller")
