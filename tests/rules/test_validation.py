"""The semantic checks one by one, on small rule sets built in code.

The broken corpus pins how each check reads in a file; these tests pin the cases a file would
make awkward to show: several initial statuses, the import policy's arrival status, conditions
that are or are not exclusive, and which checks run on an incomplete build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model.conditions import AllOf, FieldIn, FieldPresent, Not
from engine.model.definition import (
    Action,
    Actor,
    FetchSchedule,
    FieldType,
    ImportPolicy,
    Marketplace,
    OrderField,
    RuleSet,
    Status,
    Timer,
    Transition,
)
from engine.model.problems import Location
from engine.rulefile.loader import load_rules
from engine.validation.checks import check_determinism, check_reachable, validate

ROOT = Path(__file__).parents[2]


def at(line: int) -> Location:
    return Location("t.yaml", line, 1)


def status(name: str, line: int, initial: bool = False, final: bool = False) -> Status:
    return Status(name, "new", initial=initial, final=final, where=at(line))


def move(trigger: str, sources: str, dest: str, line: int, **extra: object) -> Transition:
    return Transition(trigger, tuple(sources.split()), dest, where=at(line), **extra)  # type: ignore[arg-type]


def rules(
    statuses: tuple[Status, ...],
    transitions: tuple[Transition, ...],
    **extra: object,
) -> RuleSet:
    values: dict[str, object] = {
        "format": 1,
        "marketplace": Marketplace("demo", "Demo", "1"),
        "fields": (),
        "statuses": statuses,
        "transitions": transitions,
        "actions": (),
        "timers": (),
        "import_policy": None,
        "schedule": FetchSchedule(900, 0, 86400, 432000),
        "source": "t.yaml",
    }
    values.update(extra)
    return RuleSet(**values)  # type: ignore[arg-type]


A, B, C, D = (status(n, i) for i, n in enumerate("ABCD", start=1))
START = status("S", 10, initial=True)
END = status("E", 11, final=True)
SELLER = {"actor": Actor.SELLER}


def messages(rule_set: RuleSet, complete: bool = True) -> list[str]:
    return [str(p) for p in validate(rule_set, complete)]


def test_statuses_reached_only_through_the_import_policy_count_as_reachable() -> None:
    arrival = status("Arrived", 3)
    policy = ImportPolicy("flag", "Arrived", where=at(20))
    flag = OrderField("flag", FieldType.BOOL)
    graph = (move("go", "S", "E", 30, **SELLER), move("close", "Arrived", "E", 31, **SELLER))
    assert messages(rules((START, arrival, END), graph, import_policy=policy, fields=(flag,))) == []
    assert [str(p) for p in check_reachable(rules((START, arrival, END), graph))] == [
        "t.yaml:3:1: status 'Arrived' cannot be reached from the initial status 'S' "
        "(add a transition to 'Arrived', or remove the status)"
    ]


def test_several_initial_statuses_are_all_named() -> None:
    second = status("T", 12, initial=True)
    graph = (move("go", "S T", "E", 30, **SELLER),)
    assert messages(rules((START, second, A, END), graph)) == [
        "t.yaml:1:1: status 'A' cannot be reached from the initial statuses 'S', 'T' "
        "(add a transition to 'A', or remove the status)",
        "t.yaml:1:1: status 'A' is not final but no transition leaves it "
        "(add a transition from 'A', or mark it 'final: true')",
    ]


MAG = FieldIn("mode", ("MAG",))


@pytest.mark.parametrize(
    ("first", "later", "ambiguous"),
    [
        (MAG, Not(MAG), False),
        (FieldIn("mode", ("A", "B")), FieldIn("mode", ("C",)), False),
        (FieldIn("mode", ("A", "B")), FieldIn("mode", ("B", "C")), True),
        (FieldPresent("carrier"), FieldPresent("carrier", present=False), False),
        (AllOf((MAG, FieldPresent("carrier"))), Not(MAG), False),
        (FieldIn("mode", ("A",)), FieldIn("other", ("B",)), True),
        (MAG, None, True),
    ],
)
def test_nondeterminism_unless_conditions_are_provably_exclusive(
    first: object, later: object, ambiguous: bool
) -> None:
    graph = (
        move("ship", "S", "E", 30, when=first, **SELLER),
        move("ship", "S", "A", 31, when=later, **SELLER),
    )
    found = [str(p) for p in check_determinism(rules((START, A, END), graph))]
    expected = (
        "t.yaml:31:1: transition 'ship' and the transition 'ship' at line 30 can both fire from "
        "status 'S'"
    )
    assert [f.split(" (")[0] for f in found] == ([expected] if ambiguous else [])


def test_nondeterminism_names_only_the_statuses_both_transitions_leave() -> None:
    graph = (move("go", "S A B", "E", 30, **SELLER), move("go", "B A C", "D", 31, **SELLER))
    assert [str(p) for p in check_determinism(rules((START, A, B, C, D, END), graph))] == [
        "t.yaml:31:1: transition 'go' and the transition 'go' at line 30 can both fire from "
        "statuses 'B', 'A' (give them different triggers, or 'when' conditions that cannot "
        "both hold)"
    ]


def test_same_trigger_from_different_statuses_is_deterministic() -> None:
    graph = (move("go", "S", "A", 30, **SELLER), move("go", "A", "E", 31, **SELLER))
    assert messages(rules((START, A, END), graph)) == []


def test_an_action_without_transition_may_stand_at_any_status() -> None:
    refund = Action("refund", ("E",), None, "refund", where=at(40))
    graph = (move("go", "S", "E", 30, **SELLER),)
    assert messages(rules((START, END), graph, actions=(refund,))) == []


def test_incomplete_build_runs_only_the_local_checks() -> None:
    no_initial = status("S", 10)
    graph = (move("go", "S", "E", 30, **SELLER), move("back", "E", "S", 31, **SELLER))
    local = [
        "t.yaml:31:1: transition 'back' leaves final status 'E' (an order never leaves a final "
        "status: remove 'final: true' from 'E', or this transition)"
    ]
    assert messages(rules((no_initial, END), graph), complete=False) == local
    assert messages(rules((no_initial, END), graph)) == [
        *local,
        "t.yaml:10:1: no status is marked 'initial: true' "
        "(mark the status where new orders start with 'initial: true')",
    ]


def test_a_timer_on_a_final_status_is_not_also_a_trigger_mismatch() -> None:
    graph = (move("go", "S", "E", 30, **SELLER),)
    timer = Timer("late", "E", 3600, "go", where=at(50))
    assert messages(rules((START, END), graph, timers=(timer,))) == [
        "t.yaml:50:1: timer 'late' waits at final status 'E', which an order never leaves "
        "(remove the timer, or remove 'final: true' from 'E')"
    ]


def test_a_timer_firing_a_timer_transition_is_clean() -> None:
    graph = (move("expire", "S", "E", 30, actor=Actor.TIMER),)
    timer = Timer("late", "S", 3600, "expire", where=at(50))
    assert messages(rules((START, END), graph, timers=(timer,))) == []


def test_the_import_flag_must_be_a_bool_field() -> None:
    graph = (move("go", "S", "E", 30, **SELLER),)
    policy = ImportPolicy("flag", "E", where=at(20))
    text_flag = OrderField("flag", FieldType.STRING)
    assert messages(rules((START, END), graph, import_policy=policy, fields=(text_flag,))) == [
        "t.yaml:20:1: the import policy flags orders with field 'flag', whose type is 'string', "
        "not 'bool' (make 'flag' 'type: bool', or flag with a bool field)"
    ]


def test_elements_without_a_place_are_reported_at_the_top_of_the_file() -> None:
    graph = (Transition("back", ("E",), "S", Actor.SELLER), move("go", "S", "E", 30, **SELLER))
    assert messages(rules((START, END), graph))[0].startswith(
        "t.yaml:1:1: transition 'back' leaves final status 'E'"
    )


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_rule_files_validate_clean(path: Path) -> None:
    assert validate(load_rules(path)) == []
