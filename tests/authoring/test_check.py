"""`authoring.check` on small hand-written rule files, each breaking one built-in property or a
declared one, and on a shipped file: the failure found, shrunk, and the same for a seed."""

from __future__ import annotations

from authoring.builtins import FINAL, TIMERS
from authoring.check import check
from authoring.report import report
from engine.rulefile.loader import load_rules, load_rules_text
from tests.authoring.files import CYCLE, PROMISE, RULES_DIR, STUCK_TIMER

CREATED = (
    "    1. +0s      create by marketplace (create) with mode=- carrier=XY123456789FR  -> Open"
)


def test_a_status_with_no_way_to_a_final_one_is_caught() -> None:
    result = check(load_rules_text(CYCLE, "cycle.yaml"), 100, 0)
    assert result.counterexample is not None
    assert result.counterexample.failure.property == FINAL
    assert list(report("cycle.yaml", result)) == [
        "cycle.yaml: FAILED: property 'every reached status can reach a final one' does not hold "
        "(seed 0, 100 examples)",
        "  status 'Open', entered at step 1, cannot reach a final status for these fields; from "
        "it the rules lead to Waiting",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        CREATED,
    ]


def test_a_timer_that_does_not_leave_its_status_is_caught() -> None:
    result = check(load_rules_text(STUCK_TIMER, "timer.yaml"), 100, 0)
    assert result.counterexample is not None
    assert result.counterexample.failure.property == TIMERS
    assert list(report("timer.yaml", result))[1:] == [
        "  timer 'wait' fired at step 2 and the order stayed at 'Open': the rules refuse trigger "
        "'expire' at status 'Open'",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        CREATED,
        "    2. +1d      wait by timer (timer)  refused: the rules refuse trigger 'expire' at "
        "status 'Open'",
    ]


def test_a_declared_property_the_rules_do_not_keep_is_caught() -> None:
    result = check(load_rules_text(PROMISE, "promise.yaml"), 100, 0)
    assert list(report("promise.yaml", result))[2:] == [
        "  step 2 (ship) is a step that enters Done, but carrier present does not hold: "
        "carrier=None",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        "    1. +0s      create by marketplace (create) with mode=A carrier=-  -> Open",
        "    2. +1m      ship by seller (command)  -> Done",
    ]


def test_the_same_seed_explores_the_same_orders_and_another_seed_others() -> None:
    rules = load_rules(RULES_DIR / "cdiscount_octopia.yaml")
    first, again, other = check(rules, 60, 3), check(rules, 60, 3), check(rules, 60, 4)
    assert first.passed and again.passed and other.passed
    assert list(report("f", first)) == list(report("f", again))
    assert first.coverage == again.coverage
    assert first.coverage.orders == other.coverage.orders == 60
    assert (first.coverage.steps, first.coverage.statuses) != (
        other.coverage.steps,
        other.coverage.statuses,
    )


def test_a_pass_says_what_was_explored_and_what_was_not() -> None:
    rules = load_rules(RULES_DIR / "galeries_lafayette.yaml")
    result = check(rules, 40, 0, progress=(done := []).append)
    assert result.passed and result.coverage.orders == 40 and done == list(range(1, 41))
    text = list(report("galeries_lafayette.yaml", result))
    assert text[0].startswith("galeries_lafayette.yaml: ok: 40 orders, ")
    assert text[0].endswith(
        "moves covered (a transition from each of its sources; 16 transitions) "
        "(seed 0, 40 examples)"
    )
    names = [p.name for p in rules.properties]
    assert len(text) == 1 + 5 + len(names) + bool(result.uncovered)
    assert all(
        line.startswith(("  held on ", "  NOT EXERCISED", "  transitions")) for line in text[1:]
    )
    assert sum(result.coverage.transitions.values()) <= result.coverage.steps
