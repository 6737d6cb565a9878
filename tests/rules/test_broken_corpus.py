"""The broken rule files: one kind of mistake each, every message pinned in full, by hand.

Each file under `broken/` is the valid skeleton `valid/minimal.yaml` with one mistake (one file
has several). The expected lines below were written by reading the files, not by running the
code: they are what a rule author must see, `file:line:col: message (hint)`, in reading order.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model.errors import RuleFileInvalid
from engine.rulefile.loader import check_text, load_rules

HERE = Path(__file__).parent
B = "tests/rules/broken/"
PATH_HINT = (
    "keys joined by '.', [0] for an item of a list, [key=value] for the first item whose key "
    "holds value"
)

EXPECTED: dict[str, list[str]] = {
    # -- YAML itself -------------------------------------------------------------------------
    "yaml_syntax": [
        f"{B}yaml_syntax.yaml:32:16: invalid YAML: mapping values are not allowed here "
        "(check the indentation, or quote a text containing ': ')",
    ],
    "unclosed_bracket": [
        f"{B}unclosed_bracket.yaml:36:7: invalid YAML: expected ',' or ']', but got ':' "
        "(a '[' list is not closed: end it with ']')",
    ],
    "bad_indentation": [
        f"{B}bad_indentation.yaml:33:4: invalid YAML: expected <block end>, but found "
        "'<block mapping start>' (check this line's indentation against the lines above)",
    ],
    "tab_indentation": [
        f"{B}tab_indentation.yaml:18:1: invalid YAML: found character '\\t' that cannot start "
        "any token (indent with spaces, not tabs)",
    ],
    "duplicate_key": [
        f"{B}duplicate_key.yaml:25:3: duplicate key 'Waiting' (first written at line 17) "
        "(remove one of them: YAML would silently keep only the last)",
    ],
    "multiple_documents": [
        f"{B}multiple_documents.yaml:50:1: invalid YAML: expected a single document in the "
        "stream, but found another document "
        "(a rule file is a single YAML document: remove the '---' line)",
    ],
    "unsupported_tag": [
        f"{B}unsupported_tag.yaml:3:9: unsupported tag '!!python/object:os.system' "
        "(a rule file holds only texts, numbers, true/false, lists and mappings)",
    ],
    "empty": [f"{B}empty.yaml:1:1: the file is empty"],
    # -- shape: keys, types, values ----------------------------------------------------------
    "not_a_mapping": [f"{B}not_a_mapping.yaml:1:1: the rule file must be a mapping, found a list"],
    "unknown_top_key": [
        f"{B}unknown_top_key.yaml:38:1: unknown key 'actons' in the rule file "
        "(did you mean 'actions'?)",
    ],
    "missing_key": [f"{B}missing_key.yaml:26:5: transition 'accept' is missing the key 'actor'"],
    "unsupported_format": [
        f"{B}unsupported_format.yaml:1:9: unsupported format 2 (this orderflow reads format 1)",
    ],
    "wrong_type": [
        f"{B}wrong_type.yaml:21:12: 'final' of status 'Shipped' must be true or false, "
        "found the text 'yes'",
    ],
    "bad_source_path": [
        f"{B}bad_source_path.yaml:14:9: 'sources' of field 'carrier' holds an invalid path "
        "'packages[0].delivery.trackings[0.carrier': '[' is never closed (column 31 of the "
        f"path) ({PATH_HINT})",
        f"{B}bad_source_path.yaml:15:9: 'sources' of field 'carrier' holds an invalid path "
        "'packages[0]..carrier': expected a key after '.', found '.' (column 13 of the path) "
        f"({PATH_HINT})",
    ],
    "bad_duration": [
        f"{B}bad_duration.yaml:47:10: 'every' of the schedule must be a positive duration such "
        "as 15m, 2h or 5d, found the text '15 minutes'",
    ],
    "unknown_stage": [
        f"{B}unknown_stage.yaml:20:12: status 'Shipped' has unknown stage 'shiped' "
        "(did you mean 'shipped'?)",
    ],
    "unknown_actor": [
        f"{B}unknown_actor.yaml:29:12: transition 'accept' has unknown actor 'sellr' "
        "(did you mean 'seller'?)",
    ],
    "values_on_non_enum": [
        f"{B}values_on_non_enum.yaml:13:5: field 'carrier' lists 'values' but its type is "
        "'string' (make it 'type: enum' or remove 'values')",
    ],
    "spelling_collision": [
        f"{B}spelling_collision.yaml:10:7: value 'TRK' of field 'mode' has the spelling 'Suivi', "
        "which already means 'STD' (as 'Suivi') "
        "(spellings are compared ignoring case: give each to one value only)",
    ],
    # -- references ----------------------------------------------------------------------------
    "misspelt_to": [
        f"{B}misspelt_to.yaml:32:9: transition 'ship' targets unknown status 'Shiped' "
        "(did you mean 'Shipped'?)",
    ],
    "to_is_a_list": [
        f"{B}to_is_a_list.yaml:32:9: 'to' of transition 'ship' must be one name, not a list",
    ],
    "misspelt_from": [
        f"{B}misspelt_from.yaml:35:17: transition 'cancel' starts from unknown status 'Wating' "
        "(did you mean 'Waiting'?)",
    ],
    "misspelt_action_trigger": [
        f"{B}misspelt_action_trigger.yaml:41:17: action 'ship' causes unknown trigger 'shp' "
        "(did you mean 'ship'?)",
    ],
    "unknown_action_type": [
        f"{B}unknown_action_type.yaml:48:18: action 'refund' sends unknown action type "
        "'refund_order' (did you mean 'refund'?)",
    ],
    "undeclared_action_type": [
        f"{B}undeclared_action_type.yaml:49:18: action 'label' sends unknown action type "
        "'print_labels' (did you mean 'print_label'?)",
        f"{B}undeclared_action_type.yaml:52:18: action 'gift' sends unknown action type 'wrap' "
        "(the action types are 'accept', 'refuse', 'ship', 'cancel', 'refund', 'print_label'; "
        "declare another one the marketplace takes under 'marketplace.action_types')",
    ],
    "misspelt_action_status": [
        f"{B}misspelt_action_status.yaml:40:10: action 'ship' is allowed at unknown status "
        "'Waitng' (did you mean 'Waiting'?)",
    ],
    "unknown_requirement_field": [
        f"{B}unknown_requirement_field.yaml:44:16: action 'ship' requires unknown field "
        "'carier' (did you mean 'carrier'?)",
    ],
    "unknown_condition_field": [
        f"{B}unknown_condition_field.yaml:45:23: the condition of requirement 1 of action 'ship' "
        "reads unknown field 'mod' (did you mean 'mode'?)",
    ],
    "unknown_condition_value": [
        f"{B}unknown_condition_value.yaml:45:34: the condition of requirement 1 of action 'ship' "
        "names unknown value 'TRC' of field 'mode' (did you mean 'TRK'?)",
    ],
    "alias_in_condition": [
        f"{B}alias_in_condition.yaml:45:34: the condition of requirement 1 of action 'ship' "
        "names 'Suivi', a spelling of the value 'TRK' of field 'mode' "
        "(rules compare codes: write 'TRK')",
    ],
    "condition_two_forms": [
        f"{B}condition_two_forms.yaml:45:15: the condition of requirement 1 of action 'ship' "
        "has both 'field' and 'not' "
        "(write one condition per mapping and combine them with 'all: [...]')",
    ],
    "empty_all": [
        f"{B}empty_all.yaml:45:21: 'all' of the condition of requirement 1 of action 'ship' "
        "lists no condition",
    ],
    "requirement_unknown_value": [
        f"{B}requirement_unknown_value.yaml:45:23: 'values' of requirement 1 of action 'ship' "
        "names unknown value 'EXP' of field 'mode' (expected one of: STD, TRK)",
    ],
    "timer_unknown_trigger": [
        f"{B}timer_unknown_trigger.yaml:50:11: timer 'late' fires unknown trigger 'cancl' "
        "(did you mean 'cancel'?)",
    ],
    "import_arrives_unknown": [
        f"{B}import_arrives_unknown.yaml:52:15: the import policy's 'arrives_at' names unknown "
        "status 'Shiped' (did you mean 'Shipped'?)",
    ],
    "mapping_collision": [
        f"{B}mapping_collision.yaml:52:3: code 'shipping' maps to 'Shipped' but code 'SHIPPING' "
        "(line 51) maps to 'Waiting': codes are compared ignoring case "
        "(map both spellings to one status)",
    ],
    "mapping_code_is_status": [
        f"{B}mapping_code_is_status.yaml:51:3: code 'SHIPPED' is the status 'Shipped' ignoring "
        "case, but maps to 'Canceled' "
        "(a status name is already a code of itself: remove this line or rename the code)",
    ],
    # -- the graph and the policies (engine.validation.checks)
    # ---------------------------------------
    "no_initial": [
        f"{B}no_initial.yaml:14:3: no status is marked 'initial: true' "
        "(mark the status where new orders start with 'initial: true')",
    ],
    "unreachable_status": [
        f"{B}unreachable_status.yaml:25:3: status 'Lost' cannot be reached from the initial "
        "status 'New' (add a transition to 'Lost', or remove the status)",
    ],
    "dead_end": [
        f"{B}dead_end.yaml:25:3: status 'OnHold' is not final but no transition leaves it "
        "(add a transition from 'OnHold', or mark it 'final: true')",
    ],
    "final_with_outgoing": [
        f"{B}final_with_outgoing.yaml:38:5: transition 'reopen' leaves final status 'Shipped' "
        "(an order never leaves a final status: remove 'final: true' from 'Shipped', "
        "or this transition)",
    ],
    "nondeterminism": [
        f"{B}nondeterminism.yaml:38:5: transition 'ship' and the transition 'ship' at line 30 "
        "can both fire from status 'Waiting' "
        "(give them different triggers, or 'when' conditions that cannot both hold)",
    ],
    "overlapping_conditions": [
        f"{B}overlapping_conditions.yaml:39:5: transition 'ship' and the transition 'ship' at "
        "line 30 can both fire from status 'Waiting' "
        "(make their 'when' conditions exclusive, for example one the 'not' of the other)",
    ],
    "action_wrong_status": [
        f"{B}action_wrong_status.yaml:39:3: action 'ship' is allowed at status 'New', where its "
        "transition 'ship' cannot fire ('ship' leaves only 'Waiting': add 'New' to its 'from', "
        "or remove it from the action's 'at')",
    ],
    "timer_on_final": [
        f"{B}timer_on_final.yaml:47:3: timer 'late' waits at final status 'Shipped', which an "
        "order never leaves (remove the timer, or remove 'final: true' from 'Shipped')",
    ],
    "timer_trigger_mismatch": [
        f"{B}timer_trigger_mismatch.yaml:47:3: timer 'late' fires 'ship' but no transition "
        "'ship' leaves status 'New' "
        "('ship' leaves only 'Waiting': add 'New' to its 'from', or fire another trigger)",
    ],
    "timer_actor": [
        f"{B}timer_actor.yaml:34:5: transition 'cancel' from status 'New' is fired by timer "
        "'late' but its actor is 'customer' "
        "(set 'actor: timer' on the transition, or make the timer fire another trigger)",
    ],
    "action_actor": [
        f"{B}action_actor.yaml:30:5: transition 'ship' from status 'Waiting' is caused by action "
        "'ship' but its actor is 'marketplace' "
        "(set 'actor: seller' on the transition, or make the action cause another trigger)",
    ],
    "status_case": [
        f"{B}status_case.yaml:25:3: status 'shipped' differs from status 'Shipped' (line 19) "
        "only by case "
        "(codes are compared ignoring case, so the two would be one: rename or remove one)",
    ],
    "import_flag_not_bool": [
        f"{B}import_flag_not_bool.yaml:50:1: the import policy flags orders with field "
        "'carrier', whose type is 'string', not 'bool' "
        "(make 'carrier' 'type: bool', or flag with a bool field)",
    ],
    # -- several at once, in reading order -----------------------------------------------------
    "several_mistakes": [
        f"{B}several_mistakes.yaml:13:5: duplicate key 'type' (first written at line 12) "
        "(remove one of them: YAML would silently keep only the last)",
        f"{B}several_mistakes.yaml:21:12: status 'Shipped' has unknown stage 'shiped' "
        "(did you mean 'shipped'?)",
        f"{B}several_mistakes.yaml:33:9: transition 'ship' targets unknown status 'Shiped' "
        "(did you mean 'Shipped'?)",
        f"{B}several_mistakes.yaml:42:17: action 'ship' causes unknown trigger 'shp' "
        "(did you mean 'ship'?)",
        f"{B}several_mistakes.yaml:48:10: 'every' of the schedule must be a positive duration "
        "such as 15m, 2h or 5d, found the text '15 minutes'",
    ],
}


def problems_of(name: str) -> list[str]:
    text = (HERE / "broken" / f"{name}.yaml").read_text(encoding="utf-8")
    rules, problems = check_text(text, f"{B}{name}.yaml")
    assert rules is None
    return [str(p) for p in problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_reports_exactly_its_mistakes(name: str) -> None:
    assert problems_of(name) == EXPECTED[name]


def test_every_broken_file_has_its_expectation() -> None:
    files = {p.stem for p in (HERE / "broken").glob("*.yaml")}
    assert files == set(EXPECTED)
    assert len(files) == 51


def test_load_rules_raises_with_every_problem_of_the_file() -> None:
    with pytest.raises(RuleFileInvalid) as caught:
        load_rules(HERE / "broken" / "several_mistakes.yaml")
    assert len(caught.value.problems) == 5
    assert str(caught.value).splitlines()[0].endswith("several_mistakes.yaml has 5 problems:")


def test_the_skeleton_is_valid() -> None:
    rules = load_rules(HERE / "valid" / "minimal.yaml")
    assert [s.name for s in rules.statuses] == ["New", "Waiting", "Shipped", "Canceled"]
    assert [t.trigger for t in rules.transitions] == ["accept", "ship", "cancel"]
    assert rules.actions[0].requires[0].field == "carrier"


def test_an_action_type_the_marketplace_declares_is_known() -> None:
    text = (HERE / "broken" / "undeclared_action_type.yaml").read_text(encoding="utf-8")
    fixed = text.replace("print_labels", "print_label").replace(
        "action_type: wrap", "action_type: ship"
    )
    rules, problems = check_text(fixed, "declared.yaml")
    assert [str(p) for p in problems] == []
    assert rules is not None and rules.marketplace.action_types == ("print_label",)
    assert rules.action_types == ("accept", "refuse", "ship", "cancel", "refund", "print_label")
    assert rules.action_by_name["label"].action_type == "print_label"


def test_statuses_named_on_no_yes_off_stay_texts() -> None:
    rules = load_rules(HERE / "valid" / "on_no_statuses.yaml")
    assert [s.name for s in rules.statuses] == ["on", "no", "yes", "off"]
    assert [(t.trigger, t.sources, t.dest) for t in rules.transitions] == [
        ("refuse", ("on",), "no"),
        ("accept", ("on",), "yes"),
        ("off", ("on",), "off"),
    ]
    assert rules.mapping == (("Y", "yes"), ("N", "no"))
    assert rules.status_for_code("n") == "no"
