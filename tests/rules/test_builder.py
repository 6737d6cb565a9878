"""The rule builder: what it builds from each section, and what it reports instead of guessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model.conditions import AllOf, AnyOf, FieldIn, FieldPresent, Not
from engine.model.definition import (
    ChannelArg,
    Connector,
    ConnectorSupport,
    FetchSchedule,
    FieldType,
    FieldValue,
    Requirement,
    RuleSet,
)
from engine.model.lines import LineState
from engine.model.problems import Location
from engine.rulefile.builder import RuleBuilder
from engine.rulefile.loader import check_text
from engine.rulefile.yaml_source import load_located

SKELETON = (Path(__file__).parent / "valid" / "minimal.yaml").read_text(encoding="utf-8")


def edited(*changes: tuple[str, str]) -> str:
    text = SKELETON
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[str]:
    rules, found = check_text(text, "t.yaml")
    assert rules is None
    return [str(p) for p in found]


def built(text: str) -> RuleSet:
    rules, found = check_text(text, "t.yaml")
    assert found == []
    assert rules is not None
    return rules


def rich_text() -> str:
    return edited(
        (
            "  carrier:\n    type: string\n",
            "  carrier:\n    type: string\n"
            "  fulfilled:\n    type: bool\n    sources: [order_types, 'packages[0].x']\n",
        ),
        (
            "        when: {field: mode, in: [TRK]}\n",
            "        when:\n"
            "          any:\n"
            "            - {field: mode, in: [TRK]}\n"
            "            - all:\n"
            "              - {field: fulfilled, in: [true]}\n"
            "              - {not: {field: carrier, present: false}}\n"
            "      - field: mode\n"
            "        values: [STD, TRK]\n"
            "    args:\n"
            "      carrier: carrier\n"
            "      mode: {field: mode, optional: true}\n",
        ),
        (
            "    to: Canceled\n    actor: customer\n",
            "    to: Canceled\n    actor: customer\n"
            "  - trigger: expire\n    from: [New, Waiting]\n    to: Canceled\n    actor: timer\n",
        ),
        (
            "schedule:\n  every: 15m\n",
            "timers:\n"
            "  late:\n    status: New\n    after: 1w\n    fire: expire\n    note: a setting\n"
            "  quick:\n    status: Waiting\n    after: 90\n    fire: expire\n"
            "import_policy:\n  flag_field: fulfilled\n  arrives_at: Shipped\n"
            "  connectors:\n    PrestaShop: option\n    woocommerce: not_possible\n"
            "mapping:\n  ACCEPTED: Waiting\n  waiting: Waiting\n"
            "schedule:\n  every: 15m\n  overlap: 0s\n",
        ),
    )


def test_every_section_is_built_as_written() -> None:
    rules = built(rich_text())
    mode = rules.field_by_name["mode"]
    assert mode.values == (FieldValue("STD"), FieldValue("TRK", "Tracked", ("Suivi",)))
    assert mode.canonical(" suivi ") == "TRK"
    assert rules.field_by_name["fulfilled"].type is FieldType.BOOL
    assert rules.field_by_name["fulfilled"].sources == ("order_types", "packages[0].x")
    ship = rules.action_by_name["ship"]
    assert ship.requires == (
        Requirement(
            "carrier",
            AnyOf(
                (
                    FieldIn("mode", ("TRK",)),
                    AllOf((FieldIn("fulfilled", ("true",)), Not(FieldPresent("carrier", False)))),
                )
            ),
        ),
        Requirement("mode", None, ("STD", "TRK")),
    )
    assert ship.requires[0].where == Location("t.yaml", 51, 9)
    assert ship.args == (ChannelArg("carrier", "carrier"), ChannelArg("mode", "mode", True))
    assert [(t.name, t.status, t.after_seconds, t.fire, t.note) for t in rules.timers] == [
        ("late", "New", 604800, "expire", "a setting"),
        ("quick", "Waiting", 90, "expire", ""),
    ]
    policy = rules.import_policy
    assert policy is not None
    assert (policy.flag_field, policy.arrives_at, policy.import_by_default) == (
        "fulfilled",
        "Shipped",
        False,
    )
    assert policy.connectors == (
        Connector("prestashop", ConnectorSupport.OPTION),
        Connector("woocommerce", ConnectorSupport.NOT_POSSIBLE),
    )
    assert rules.mapping == (("ACCEPTED", "Waiting"), ("waiting", "Waiting"))
    assert rules.schedule == FetchSchedule(900, 0, 86400, 432000)


def test_missing_sections_are_reported_once_each() -> None:
    assert problems("format: 1\n") == [
        "t.yaml:1:1: the rule file is missing the key 'marketplace'",
        "t.yaml:1:1: the rule file is missing the key 'schedule'",
        "t.yaml:1:1: the rule file is missing the key 'statuses'",
        "t.yaml:1:1: the rule file is missing the key 'transitions'",
    ]


def test_a_rule_file_needs_a_status() -> None:
    text = (
        "format: 1\nmarketplace: {code: d, rules_version: '1'}\nstatuses: {}\ntransitions: []\n"
        "schedule: {every: 15m, sweep_every: 1d, sweep_lookback: 5d}\n"
    )
    assert problems(text) == ["t.yaml:3:1: 'statuses' declares no status"]


def test_optional_sections_may_be_written_empty() -> None:
    rules = built(edited(("actions:\n  ship:", "timers:\nmapping:\nactions:\n  ship:")))
    assert (rules.timers, rules.mapping) == ((), ())


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("format: 1", 'format: "1"'),
            ["1:9: 'format' of the rule file must be a whole number, found the text '1'"],
        ),
        (
            ("      TRK: {label: Tracked, aliases: [Suivi]}\n", ""),
            [
                "44:34: the condition of requirement 1 of action 'ship' names unknown value "
                "'TRK' of field 'mode' (expected one of: STD)"
            ],
        ),
        (
            (
                "    values:\n      STD:\n      TRK: {label: Tracked, aliases: [Suivi]}\n",
                "    values: [STD, TRK]\n",
            ),
            [
                "8:13: 'values' of field 'mode' must be a mapping, found a list (write each value "
                "as a key: 'CODE: {label: ..., aliases: [...]}' or 'CODE:' alone)",
            ],
        ),
        (
            ("    from: [New, Waiting]", "    from: [New, 3]"),
            ["35:17: 'from' of transition 'cancel' must list names, found the number 3"],
        ),
        (
            ("  - trigger: ship", "  - trigger: [ship]"),
            [
                "30:14: 'trigger' of a transition must be a name, found a list",
                "41:17: action 'ship' causes unknown trigger 'ship' "
                "(name the trigger of a transition)",
            ],
        ),
        (
            ("  every: 15m", "  every: 0m"),
            [
                "47:10: 'every' of the schedule must be a positive duration such as 15m, 2h or "
                "5d, found the text '0m'"
            ],
        ),
        (
            ("  every: 15m", "  every: 11000d"),
            ["47:10: 'every' of the schedule is longer than ten years: 11000d"],
        ),
        (
            ("  every: 15m", "  every: 15m\n  overlap: -1"),
            [
                "48:12: 'overlap' of the schedule must be a duration (0s or more) such as 15m, "
                "2h or 5d, found the number -1"
            ],
        ),
    ],
)
def test_shape_problems(change: tuple[str, str], expected: list[str]) -> None:
    assert problems(edited(change)) == [f"t.yaml:{e}" for e in expected]


CONDITION = "        when: {field: mode, in: [TRK]}"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            "{fild: mode, in: [TRK]}",
            "45:16: unknown key 'fild' in the condition of requirement 1 of action 'ship' "
            "(did you mean 'field'?)",
        ),
        (
            "{}",
            "45:15: the condition of requirement 1 of action 'ship' needs one of 'field', "
            "'all', 'any' or 'not'",
        ),
        (
            "TRK",
            "45:15: the condition of requirement 1 of action 'ship' must be a mapping such "
            "as {field: delivery_mode, in: [TRK, REG]}, found the text 'TRK'",
        ),
        (
            "{field: mode, in: [TRK], present: true}",
            "45:15: the condition of requirement 1 of action 'ship' on 'mode' has both 'in' and "
            "'present' (for example {field: delivery_mode, in: [TRK, REG]})",
        ),
        (
            "{field: mode}",
            "45:15: the condition of requirement 1 of action 'ship' on 'mode' needs 'in' or "
            "'present' (for example {field: delivery_mode, in: [TRK, REG]})",
        ),
        (
            "{field: [mode], in: [TRK]}",
            "45:23: 'field' of the condition of requirement 1 of "
            "action 'ship' must be a name, found a list",
        ),
        (
            "{field: mode, in: TRK}",
            "45:33: 'in' of the condition of requirement 1 of action "
            "'ship' must be a list, found the text 'TRK'",
        ),
        (
            "{field: mode, in: []}",
            "45:33: 'in' of the condition of requirement 1 of action 'ship' lists no value",
        ),
        (
            "{field: carrier, present: 1}",
            "45:41: 'present' of the condition of requirement 1 of "
            "action 'ship' must be true or false, found the number 1",
        ),
        (
            "{any: {field: mode, in: [TRK]}}",
            "45:21: 'any' of the condition of requirement 1 of "
            "action 'ship' must be a list, found a mapping",
        ),
        (
            "{not: {field: mode, in: [TRK]}, x: 1}",
            "45:47: unknown key 'x' in the condition of "
            "requirement 1 of action 'ship' (expected one of: not)",
        ),
    ],
)
def test_condition_problems(condition: str, expected: str) -> None:
    assert problems(edited((CONDITION, f"        when: {condition}"))) == [f"t.yaml:{expected}"]


def test_bool_fields_are_compared_with_true_or_false() -> None:
    text = edited(
        (
            "  carrier:\n    type: string\n",
            "  carrier:\n    type: string\n  flag:\n    type: bool\n",
        ),
        (CONDITION, "        when: {field: flag, in: [yes, true]}"),
    )
    assert problems(text) == [
        "t.yaml:47:34: the condition of requirement 1 of action 'ship' must list true or false "
        "for field 'flag', found the text 'yes'"
    ]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "  connectors:\n    PrestaShop: option\n    prestashop: option\n",
            ["55:5: connector 'prestashop' is listed twice (names are compared ignoring case)"],
        ),
        (
            "  connectors:\n    woocommerce: not possible\n",
            [
                "54:18: connector 'woocommerce' must be 'option' or 'not_possible', found the text "
                "'not possible' (did you mean 'not_possible'?)"
            ],
        ),
        (
            "  import_by_default: yes\n",
            [
                "53:22: 'import_by_default' of the import policy must be "
                "true or false, found the text 'yes'"
            ],
        ),
    ],
)
def test_import_policy_problems(policy: str, expected: list[str]) -> None:
    text = SKELETON + "import_policy:\n  flag_field: carrier\n  arrives_at: Shipped\n" + policy
    assert problems(text) == [f"t.yaml:{e}" for e in expected]


def test_timer_problems() -> None:
    text = SKELETON + (
        "timers:\n"
        "  both:\n    status: [New, Waiting]\n    after: 2d\n    fire: cancel\n"
        "  never:\n    status: New\n    after: soon\n    fire: cancel\n"
        "  vague:\n    status: New\n    fire: cancel\n"
    )
    assert problems(text) == [
        "t.yaml:52:13: 'status' of timer 'both' must be one name, not a list",
        "t.yaml:57:12: 'after' of timer 'never' must be a positive duration such as 15m, 2h or "
        "5d, found the text 'soon'",
        "t.yaml:59:3: timer 'vague' is missing the key 'after'",
    ]


def test_a_number_written_where_a_text_is_expected_keeps_its_spelling() -> None:
    # YAML reads 1.10 as the number 1.1: the version recorded with every order was '1.1'.
    rules = built(
        edited(
            ('  rules_version: "1"', "  rules_version: 1.10"),
            ("aliases: [Suivi]", "aliases: [Suivi, 2.50, +7]"),
        )
    )
    assert rules.marketplace.rules_version == "1.10"
    assert rules.field_by_name["mode"].values[1].aliases == ("Suivi", "2.50", "+7")


def test_a_duration_is_whole_seconds_not_silently_rounded_down() -> None:
    # 0.5s used to read as 0 seconds: the timer vanished and the schedule fell back to its
    # default, both without a word.
    text = edited(("  every: 15m", "  every: 1.5s")) + (
        "timers:\n  quick:\n    status: New\n    after: 0.5s\n    fire: cancel\n"
    )
    hint = "(durations count whole seconds: round it, or write it in a smaller unit)"
    assert problems(text) == [
        f"t.yaml:47:10: 'every' of the schedule must be a whole number of seconds, found the "
        f"text '1.5s' {hint}",
        f"t.yaml:53:12: 'after' of timer 'quick' must be a whole number of seconds, found the "
        f"text '0.5s' {hint}",
    ]


def test_an_element_with_a_problem_is_left_out_not_guessed() -> None:
    text = edited(
        (
            "    actor: customer\n",
            "    actor: customer\n"
            "  - trigger: ship\n    from: Waiting\n    to: Canceled\n    actor: robot\n",
        ),
        (CONDITION, "        when: {field: mode, in: [TRX]}"),
    )
    data, yaml_problems = load_located(text, "t.yaml")
    assert yaml_problems == []
    builder = RuleBuilder("t.yaml")
    rules = builder.build(data)
    assert rules is not None and not builder.complete
    # the unreadable transition is not there to look nondeterministic; the action whose
    # condition could not be read is not there to look unconditional
    assert [t.trigger for t in rules.transitions] == ["accept", "ship", "cancel"]
    assert rules.actions == ()
    assert [str(p) for p in builder.problems] == [
        "t.yaml:41:12: transition 'ship' has unknown actor 'robot' "
        "(expected one of: seller, marketplace, customer, payment, timer)",
        "t.yaml:49:34: the condition of requirement 1 of action 'ship' names unknown value 'TRX' "
        "of field 'mode' (did you mean 'TRK'?)",
    ]
    assert problems(text) == [str(p) for p in builder.problems]


def test_a_clean_build_is_complete() -> None:
    data, _ = load_located(SKELETON, "t.yaml")
    builder = RuleBuilder("t.yaml")
    assert builder.build(data) is not None
    assert builder.complete and builder.problems == []


def test_line_codes_map_to_line_states_and_an_action_may_take_lines() -> None:
    text = edited(("    action_type: ship\n", "    action_type: ship\n    lines: true\n"))
    rules = built(text + "lines:\n  statuses:\n    LineShipped: shipped\n    Nope: refused\n")
    assert rules.line_state_by_code == {"LineShipped": LineState.SHIPPED, "Nope": LineState.REFUSED}
    assert rules.action_by_name["ship"].lines is True
    assert built(SKELETON).action_by_name["ship"].lines is False


def test_a_line_code_mapped_to_no_line_state_is_located() -> None:
    text = SKELETON + "lines:\n  statuses:\n    Gone: cancelled\n    Odd: 3\n"
    assert problems(text) == [
        "t.yaml:52:11: line code 'Gone' must map to a line state, found the text 'cancelled' "
        "(did you mean 'canceled'?)",
        "t.yaml:53:10: line code 'Odd' must map to a line state, found the number 3 (the line "
        "states are waiting, accepted, refused, shipped, canceled, refunded)",
    ]
