"""The `migrations:` section: where a predecessor's statuses went, every mistake located."""

from __future__ import annotations

from engine.model.migrations import Migrations, MoveKind, StatusMove
from engine.rulefile.loader import check_text, load_rules_text
from engine.rulefile.serialize import to_yaml

BASE = """\
format: 1
marketplace: {code: example, rules_version: "2"}
statuses:
  NEW: {stage: waiting_acceptance, initial: true}
  ACCEPTED: {stage: waiting_shipment}
  SHIPPED: {stage: shipped, final: true}
  REFUSED: {stage: refused, final: true}
transitions:
  - {trigger: accept, from: NEW, to: ACCEPTED, actor: seller}
  - {trigger: refuse, from: NEW, to: REFUSED, actor: seller}
  - {trigger: ship, from: ACCEPTED, to: SHIPPED, actor: seller}
schedule: {every: 30m, sweep_every: 1d, sweep_lookback: 3d}
"""
GOOD = """\
migrations:
  from: "1"
  renamed:
    TO_ACCEPT: NEW
  merged:
    PAID: ACCEPTED
    VALIDATED: ACCEPTED
  removed:
    PENDING_CANCEL: ACCEPTED
"""


def _problems(section: str) -> list[str]:
    rules, problems = check_text(BASE + section, "rules/example.yaml")
    assert rules is None
    return [str(p) for p in problems]


def test_the_moves_are_read_by_kind_in_the_file_order() -> None:
    rules = load_rules_text(BASE + GOOD, "rules/example.yaml")
    assert rules.migrations == Migrations(
        "1",
        (
            StatusMove("TO_ACCEPT", "NEW", MoveKind.RENAMED),
            StatusMove("PAID", "ACCEPTED", MoveKind.MERGED),
            StatusMove("VALIDATED", "ACCEPTED", MoveKind.MERGED),
            StatusMove("PENDING_CANCEL", "ACCEPTED", MoveKind.REMOVED),
        ),
    )
    assert rules.migrations.move_of("PAID") == StatusMove("PAID", "ACCEPTED", MoveKind.MERGED)
    assert rules.migrations.move_of("NEW") is None
    assert [m.keeps_entry for m in rules.migrations.moves] == [True, True, True, False]


def test_the_section_survives_the_way_back_to_yaml() -> None:
    rules = load_rules_text(BASE + GOOD, "rules/example.yaml")
    text = to_yaml(rules)
    assert text.endswith(
        "migrations:\n  from: '1'\n  renamed:\n    TO_ACCEPT: NEW\n  merged:\n    PAID: ACCEPTED\n"
        "    VALIDATED: ACCEPTED\n  removed:\n    PENDING_CANCEL: ACCEPTED\n"
    )
    assert load_rules_text(text) == rules


def test_every_mistake_is_reported_where_it_is_written() -> None:
    section = """\
migrations:
  from: "2"
  renamed:
    TO_ACCEPT: NEWW
    ACCEPTED: NEW
    GONE: SHIPPED
  merged:
    GONE: REFUSED
  removed:
    OTHER: 12
  moved: {}
"""
    assert _problems(section) == [
        "rules/example.yaml:14:9: 'from' of 'migrations' names this file's own version '2' "
        "(name the rules_version of the file this version replaces)",
        "rules/example.yaml:16:16: status 'TO_ACCEPT' under 'migrations.renamed' goes to "
        "unknown status 'NEWW' (did you mean 'NEW'?)",
        "rules/example.yaml:17:5: status 'ACCEPTED' under 'migrations.renamed' is still a "
        "status of this file (a migration moves orders out of a status this version no longer "
        "declares)",
        "rules/example.yaml:20:5: status 'GONE' is moved twice: under 'migrations.renamed' and "
        "'migrations.merged' (keep one of them)",
        "rules/example.yaml:22:12: status 'OTHER' under 'migrations.removed' must name a "
        "status, found the number 12",
        "rules/example.yaml:23:3: unknown key 'moved' in 'migrations' (did you mean 'removed'?)",
    ]


def test_two_statuses_renamed_to_one_are_a_merge_and_from_is_required() -> None:
    section = "migrations:\n  renamed:\n    A: NEW\n    B: NEW\n"
    assert _problems(section) == [
        "rules/example.yaml:13:1: 'migrations' is missing the key 'from'",
        "rules/example.yaml:16:5: statuses 'A' and 'B' are both renamed to 'NEW' (a status "
        "renamed from two is a merge: list them under 'migrations.merged')",
    ]
