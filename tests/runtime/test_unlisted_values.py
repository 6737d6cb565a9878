"""Fail closed on values: a value no spelling of its enum field lists decides nothing.

`delivery_mode: Sivi` (a misspelt `Suivi`) used to read as "not in [TRK, REG, ...]": `ship` was
allowed without carrier or tracking number, and went down the transition of the other modes.
Now conditions have three values; a command or a trigger that depends on an unknown one is
refused, a path the marketplace reported still goes through it, and the machine and the bulk
path agree on every case.
"""

from __future__ import annotations

import pytest

from engine.model.blockers import Blocker, BlockerCode, ChannelCommand
from engine.model.conditions import AllOf, AnyOf, FieldIn, FieldPresent, Not
from engine.model.errors import CommandRefused
from engine.model.events import AnomalyKind
from engine.rulefile.loader import load_rules_text
from engine.runtime.bulk import BulkTable
from engine.runtime.runtime import Runtime
from engine.runtime.table import TableRuntime
from tests.runtime.conftest import AT

READY = "WaitingForShipmentAcceptation"
SIVI = {"delivery_mode": "Sivi"}
MODES = ("STD", "TRK", "REG", "EXP", "LV1", "LV2", "LV3", "REL", "RCO", "SO1", "MAG")
SIVI_BLOCKER = Blocker(
    BlockerCode.VALUE_NOT_RECOGNISED,
    "action 'ship' depends on field 'delivery_mode', whose value 'Sivi' is not recognised; "
    "the known values are 'STD', 'TRK', 'REG', 'EXP', 'LV1', 'LV2', 'LV3', 'REL', 'RCO', "
    "'SO1', 'MAG'",
    {"action": "ship", "field": "delivery_mode", "value": "Sivi", "known": MODES},
)


# -- three-valued conditions -------------------------------------------------------------------

VOCABULARY = {"mode": {"a": "A", "alpha": "A", "b": "B"}}
IS_A, IS_B = FieldIn("mode", ("A",)), FieldIn("mode", ("B",))
KNOWN_FALSE = FieldPresent("note")  # no note in the records below


@pytest.mark.parametrize(
    ("value", "truth"),
    [("A", True), ("Alpha", True), (" alpha ", True), ("B", False), (None, False),
     ("  ", False), ("Z", None), (True, None)],
)  # fmt: skip
def test_a_value_is_read_by_its_spellings_and_unknown_when_none_lists_it(
    value: object, truth: bool | None
) -> None:
    assert IS_A.truth({"mode": value}, VOCABULARY) is truth
    assert IS_A.holds({"mode": value}, VOCABULARY) is (truth is True)


def test_not_all_and_any_combine_unknowns_as_kleene() -> None:
    unknown = {"mode": "Z"}
    assert Not(IS_A).truth(unknown, VOCABULARY) is None
    assert AllOf((IS_A, KNOWN_FALSE)).truth(unknown, VOCABULARY) is False
    assert AllOf((Not(KNOWN_FALSE), IS_A)).truth(unknown, VOCABULARY) is None
    assert AnyOf((IS_A, Not(KNOWN_FALSE))).truth(unknown, VOCABULARY) is True
    assert AnyOf((IS_A, IS_B)).truth(unknown, VOCABULARY) is None
    assert FieldPresent("mode").truth(unknown, VOCABULARY) is True  # filled in all the same


def test_without_a_vocabulary_values_are_taken_as_written() -> None:
    assert Not(IS_A).truth({"mode": "Z"}) is True
    assert IS_A.truth({"mode": "alpha"}) is False


# -- commands on rules/cdiscount.yaml ----------------------------------------------------------


def test_ship_with_an_unlisted_delivery_mode_and_no_carrier_is_refused(cdiscount: Runtime) -> None:
    decision = cdiscount.command("U1", READY, "ship", SIVI, AT)
    assert (decision.allowed, decision.command, decision.expected_status) == (False, None, None)
    assert decision.blockers == (SIVI_BLOCKER,)  # once, though the guard and both requirements
    with pytest.raises(CommandRefused) as refused:
        cdiscount.apply_command("U1", READY, "ship", SIVI, AT)
    assert refused.value.blockers == (SIVI_BLOCKER,)


def test_a_carrier_and_tracking_number_do_not_make_an_unlisted_mode_shippable(
    cdiscount: Runtime,
) -> None:
    fields = {**SIVI, "carrier": "14", "tracking_number": "8R01"}
    assert cdiscount.command("U2", READY, "ship", fields, AT).blockers == (SIVI_BLOCKER,)


def test_listed_modes_behave_as_before(cdiscount: Runtime) -> None:
    standard = cdiscount.command("U3", READY, "ship", {"delivery_mode": "STD"}, AT)
    assert (standard.allowed, standard.expected_status) == (True, "ShippedBySeller")
    tracked = cdiscount.command("U3", READY, "ship", {"delivery_mode": "TRK"}, AT)
    assert [(b.code, b.params["field"]) for b in tracked.blockers] == [
        (BlockerCode.FIELD_REQUIRED, "carrier"),
        (BlockerCode.FIELD_REQUIRED, "tracking_number"),
    ]
    store = cdiscount.command("U3", READY, "ship", {"delivery_mode": "MAG"}, AT)
    assert store.expected_status == "AvailableOnStore"


def test_a_label_or_alias_in_the_fields_reads_as_its_code(cdiscount: Runtime) -> None:
    """An alias written into the fields (by a person, say) is the mode it spells."""
    decision = cdiscount.command("U4", READY, "ship", {"delivery_mode": "suivi"}, AT)
    assert [b.params["field"] for b in decision.blockers] == ["carrier", "tracking_number"]
    store = cdiscount.command("U4", READY, "ship", {"delivery_mode": "Click and collect"}, AT)
    assert store.expected_status == "AvailableOnStore"


def test_an_action_not_reading_the_field_is_not_blocked_by_it(cdiscount: Runtime) -> None:
    decision = cdiscount.command("U5", READY, "refuse_shipment", SIVI, AT)
    assert decision.allowed and decision.command == ChannelCommand("cancel", {})


# -- triggers and observations -----------------------------------------------------------------


def test_a_trigger_whose_guard_is_unknown_is_refused_not_sent_down_a_branch(
    cdiscount: Runtime,
) -> None:
    outcome = cdiscount.trigger("U6", READY, "ship", SIVI, AT)
    assert (outcome.status, outcome.events) == (READY, ())
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.reported) == (AnomalyKind.REFUSED_TRIGGER, "ship")


@pytest.mark.parametrize("reported", ["ShippedBySeller", "AvailableOnStore", "PickedUp"])
def test_the_marketplace_reports_which_way_an_unknown_guard_went(
    cdiscount: Runtime, reported: str
) -> None:
    outcome = cdiscount.observe("U7", READY, reported, SIVI, AT)
    assert outcome.status == reported
    assert outcome.events[0].trigger == "ship"
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.UNLISTED_VALUE]
    table = TableRuntime(cdiscount.rules, cdiscount.machine)
    assert table.observe("U7", READY, reported, SIVI, AT) == outcome


# Two transitions on one trigger, the second guarded by the `not` of the first: on an unknown
# value neither holds, and neither may be taken by default.
FALLTHROUGH = """
format: 1
marketplace: {code: demo, rules_version: "1"}
fields:
  mode: {type: enum, values: {A: {label: alpha}, B: {label: beta}}}
statuses:
  Open: {stage: new, initial: true}
  Fast: {stage: shipped, final: true}
  Slow: {stage: shipped, final: true}
transitions:
  - {trigger: go, from: Open, to: Fast, actor: seller, when: {field: mode, in: [A]}}
  - {trigger: go, from: Open, to: Slow, actor: seller, when: {not: {field: mode, in: [A]}}}
actions:
  go: {at: [Open], transition: go, action_type: ship}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""


def test_an_unknown_guard_takes_neither_branch_on_every_path() -> None:
    runtime = Runtime(load_rules_text(FALLTHROUGH, "demo.yaml"))
    unknown = {"mode": "Z"}
    assert runtime.trigger("F1", "Open", "go", unknown, AT).status == "Open"
    assert runtime.trigger("F1", "Open", "go", {"mode": "B"}, AT).status == "Slow"
    assert runtime.trigger("F1", "Open", "go", {"mode": "alpha"}, AT).status == "Fast"
    (blocker,) = runtime.command("F1", "Open", "go", unknown, AT).blockers
    assert blocker.message == (
        "action 'go' depends on field 'mode', whose value 'Z' is not recognised; "
        "the known values are 'A', 'B'"
    )
    for reported in ("Fast", "Slow"):
        assert runtime.observe("F1", "Open", reported, unknown, AT).status == reported
    bulk = BulkTable(runtime)
    records = [unknown, {"mode": "B"}, {"mode": "A"}, {}]
    result = bulk.run(
        bulk.encode_statuses(["Open"] * 4),
        bulk.signatures(records),
        bulk.trigger_matrix([["go"]] * 4),
    )
    assert [bulk.statuses[s] for s in result.statuses.tolist()] == ["Open", "Slow", "Fast", "Slow"]
    ids = [f"F{i}" for i in range(4)]
    assert bulk.outcomes(result, ids, ["Open"] * 4, AT) == [
        runtime.trigger(i, "Open", "go", r, AT) for i, r in zip(ids, records, strict=True)
    ]
