"""The properties judged on timelines written by hand: what each one counts, and its message."""

from __future__ import annotations

from datetime import UTC, datetime

from authoring.builtins import BULK, OBSERVED, REQUIRED, Builtins
from authoring.properties import Failure, Verdict, judge
from authoring.timeline import Observation, Step, StepKind, Timeline, lines, path_notes
from engine.rulefile.loader import load_rules_text
from engine.runtime.runtime import Runtime
from tests.authoring.files import HEAD

RULES = load_rules_text(
    HEAD
    + """statuses:
  Open: {stage: new, initial: true}
  Packed: {stage: waiting_shipment}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: pack, from: Open, to: Packed, actor: marketplace}
  - {trigger: ship, from: Packed, to: Done, actor: seller}
actions:
  ship:
    at: [Packed]
    transition: ship
    action_type: ship
    requires: [{field: carrier, when: {field: mode, in: [A]}}]
properties:
  carried:
    always: {enters: Done, when: {field: mode, in: [A]}, then: {field: carrier, present: true}}
  done_stays:
    never: {leaves: Done}
  packed_soon:
    eventually: {enters: Packed, within: 1h}
""",
    "demo.yaml",
)
CARRIED, DONE_STAYS, PACKED_SOON = RULES.properties
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _steps(mode: object, carrier: object, pack_at: int = 60) -> tuple[Step, ...]:
    fields = {"mode": mode, "carrier": carrier}
    return (
        Step(1, StepKind.CREATE, "create", "marketplace", 0, None, "Open", fields, "create"),
        Step(2, StepKind.TRIGGER, "pack", "marketplace", pack_at, "Open", "Packed", fields, "pack"),
        Step(3, StepKind.COMMAND, "ship", "seller", pack_at + 60, "Packed", "Done", fields, "ship"),
    )


def test_always_applies_where_the_pattern_and_its_when_hold() -> None:
    assert judge(RULES, CARRIED, Timeline(_steps("A", "UPS"))) == Verdict("carried", 1)
    assert judge(RULES, CARRIED, Timeline(_steps("B", None))) == Verdict("carried", 0)
    message = (
        "step 3 (ship) is a step that enters Done, when mode in [A], but carrier present does "
        "not hold: carrier=None"
    )
    assert judge(RULES, CARRIED, Timeline(_steps("A", None))) == Verdict(
        "carried", 1, Failure("carried", 3, message)
    )


def test_a_when_of_unknown_truth_counts_as_picking_the_step_out() -> None:
    verdict = judge(RULES, CARRIED, Timeline(_steps("Sivi", " ")))
    assert verdict.failure is not None and verdict.failure.step == 3


def test_never_fails_at_the_first_step_it_picks_out() -> None:
    steps = (
        *_steps("A", "UPS"),
        Step(4, StepKind.TRIGGER, "undo", "customer", 200, "Done", "Open", {}, "undo"),
    )
    assert judge(RULES, DONE_STAYS, Timeline(_steps("A", "UPS"))) == Verdict("done_stays", 3)
    assert judge(RULES, DONE_STAYS, Timeline(steps)) == Verdict(
        "done_stays", 4, Failure("done_stays", 4, "step 4 (undo) is a step that leaves Done")
    )


def test_eventually_counts_from_the_creation_within_its_time() -> None:
    assert judge(RULES, PACKED_SOON, Timeline(_steps("A", "UPS", pack_at=3600))) == Verdict(
        "packed_soon", 1
    )
    late = judge(RULES, PACKED_SOON, Timeline(_steps("A", "UPS", pack_at=3601)))
    assert late.failure == Failure(
        "packed_soon",
        1,
        "after step 1 (create) a step that enters Packed must come within 1h: it comes only at "
        "step 2, 1h 1s later",
    )
    never = judge(RULES, PACKED_SOON, Timeline(_steps("A", "UPS")[:1]))
    assert never.failure is not None
    assert never.failure.message.endswith("it never comes, the order left to its timers at the end")


def test_a_command_that_succeeded_without_its_required_field_is_caught() -> None:
    builtins = Builtins(Runtime(RULES))
    verdicts = {v.property: v for v in builtins.judge(Timeline(_steps("A", None)))}
    assert verdicts[REQUIRED] == Verdict(
        REQUIRED,
        1,
        Failure(REQUIRED, 3, "the seller's 'ship' at step 3 succeeded, yet 'carrier' is missing"),
    )
    assert {v.property: v.failure for v in builtins.judge(Timeline(_steps("A", "UPS")))}[
        REQUIRED
    ] is None


def test_a_step_the_bulk_path_takes_elsewhere_is_caught() -> None:
    builtins = Builtins(Runtime(RULES))
    fields = {"mode": "B", "carrier": None}
    wrong = (
        Step(1, StepKind.CREATE, "create", "marketplace", 0, None, "Open", fields, "create"),
        Step(2, StepKind.TRIGGER, "pack", "marketplace", 60, "Open", "Done", fields, "pack"),
    )
    verdicts = {v.property: v for v in builtins.judge(Timeline(wrong))}
    assert verdicts[BULK].failure == Failure(
        BULK,
        2,
        "at step 2 the machine took 'pack' from 'Open' to 'Done'; the bulk path to "
        "'Packed' by marketplace",
    )


def test_an_observation_with_an_anomaly_where_the_walk_is_legal_is_caught() -> None:
    builtins = Builtins(Runtime(RULES))
    steps = _steps("A", "UPS")
    seen = Observation(3, "Done", 120, steps[2].fields, "Done", (), ("no_legal_path: made up",))
    verdicts = {v.property: v for v in builtins.judge(Timeline(steps, (seen,)))}
    assert verdicts[OBSERVED].failure == Failure(
        OBSERVED, 3, "observing 'Done' after step 3: no_legal_path: made up"
    )


def test_the_timeline_reads_a_step_a_line_and_names_its_path() -> None:
    steps = _steps("A", "UPS")
    assert list(lines(Timeline(steps))) == [
        "  1. +0s      create by marketplace (create) with mode=A carrier=UPS  -> Open",
        "  2. +1m      pack by marketplace  -> Packed",
        "  3. +2m      ship by seller (command)  -> Done",
    ]
    assert path_notes(Timeline(steps)) == {
        ("Open", "Packed", "pack"): "step 2",
        ("Packed", "Done", "ship"): "step 3",
    }


def test_an_observation_that_makes_up_more_steps_than_the_walk_is_caught() -> None:
    builtins = Builtins(Runtime(RULES))
    steps = _steps("A", "UPS")
    events = (
        "new -> Open (create, inferred)",
        "Open -> Packed (pack, inferred)",
        "Packed -> Done (ship)",
    )
    seen = Observation(3, "Done", 120, steps[2].fields, "Done", events, ())
    verdicts = {v.property: v for v in builtins.judge(Timeline(steps, (seen,)))}
    assert verdicts[OBSERVED] == Verdict(OBSERVED, 1)
    made_up = Observation(2, "Packed", 60, steps[1].fields, "Packed", events, ())
    verdicts = {v.property: v for v in builtins.judge(Timeline(steps, (made_up,)))}
    assert verdicts[OBSERVED].failure == Failure(
        OBSERVED,
        2,
        "observing 'Packed' after step 2: 3 events where the order took 2 steps: "
        "new -> Open (create, inferred), Open -> Packed (pack, inferred), Packed -> Done (ship)",
    )


# Fulfilled orders arrive at Sent, two steps from Done; an order at Open closes in one.
ARRIVING = load_rules_text(
    HEAD.replace("fields:\n", "fields:\n  fulfilled: {type: bool}\n")
    + """statuses:
  Open: {stage: new, initial: true}
  Sent: {stage: shipped}
  Late: {stage: shipped}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: close, from: Open, to: Done, actor: marketplace}
  - {trigger: delay, from: Sent, to: Late, actor: marketplace}
  - {trigger: deliver, from: Late, to: Done, actor: marketplace}
import_policy:
  flag_field: fulfilled
  arrives_at: Sent
  connectors: {prestashop: option}
""",
    "arriving.yaml",
)


def test_a_fulfilled_order_the_walk_created_at_an_initial_status_may_be_read_longer() -> None:
    """The runtime reads a fulfilled order from where such orders arrive, whatever the walk."""
    runtime = Runtime(ARRIVING)
    fields = {"mode": "A", "carrier": None, "fulfilled": True}
    outcome = runtime.observe("O", None, "Done", fields, AT)
    events = [(e.from_status, e.to_status, e.trigger, e.inferred) for e in outcome.events]
    assert events == [
        (None, "Sent", "create", True),
        ("Sent", "Late", "delay", True),
        ("Late", "Done", "deliver", False),
    ]
    steps = (
        Step(1, StepKind.CREATE, "create", "marketplace", 0, None, "Open", fields, "create"),
        Step(2, StepKind.TRIGGER, "close", "marketplace", 60, "Open", "Done", fields, "close"),
    )
    seen = Observation(2, "Done", 60, fields, "Done", ("made up",) * 3, ())
    verdicts = {v.property: v for v in Builtins(runtime).judge(Timeline(steps, (seen,)))}
    assert verdicts[OBSERVED] == Verdict(OBSERVED, 1)
    # Created where fulfilled orders arrive, the walk is the yardstick again.
    arrived = (
        Step(1, StepKind.CREATE, "create", "marketplace", 0, None, "Sent", fields, "create"),
        Step(2, StepKind.TRIGGER, "delay", "marketplace", 60, "Sent", "Late", fields, "delay"),
    )
    seen = Observation(2, "Late", 60, fields, "Late", ("made up",) * 3, ())
    verdicts = {v.property: v for v in Builtins(runtime).judge(Timeline(arrived, (seen,)))}
    assert verdicts[OBSERVED].failure is not None
    assert verdicts[OBSERVED].failure.message.startswith(
        "observing 'Late' after step 2: 3 events where the order took 2 steps: "
    )
