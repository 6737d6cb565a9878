"""Random mutations of a real rule file: located problems or a valid rule set, nothing else.

Hypothesis edits `rules/cdiscount.yaml` the way people break files (deleted lines and keys,
wrong types, misspelt names, duplicated keys, broken indentation, stray characters) and checks
that loading never raises and never returns a problem without a place in the file. A few fixed
mutations pin their exact messages.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.definition import RuleSet
from engine.rulefile.loader import check_text
from engine.validation.checks import validate

FILE = "rules/cdiscount.yaml"
TEXT = (Path(__file__).parents[2] / FILE).read_text(encoding="utf-8")
LINES = TEXT.splitlines()

WRONG_VALUES = (
    "",
    "~",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "42",
    "-1.5",
    "true",
    "no",
    "0s",
    "'",
    '"',
    "*nowhere",
    "&x [*x]",
    "!!int x",
    "!!binary ===",
    "{field: delivery_mode}",
    "{all: []}",
)


def _value(line: str, value: str) -> str:
    head, sep, _ = line.partition(":")
    return f"{head}: {value}" if sep else f"{line} {value}"


def _misspell(line: str, at: int, char: str) -> str:
    """Drop, double or replace one letter of the line's last word (usually a name)."""
    stripped = line.rstrip()
    start = max(stripped.rfind(" "), stripped.rfind("["), stripped.rfind(":")) + 1
    if start >= len(stripped):
        return line
    i = start + at % (len(stripped) - start)
    return stripped[:i] + char + stripped[i + 1 :]


def _delete_key(lines: list[str], i: int) -> list[str]:
    """Delete line `i` and the lines indented under it."""
    indent = len(lines[i]) - len(lines[i].lstrip())
    end = i + 1
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    return lines[:i] + lines[end:]


Change = tuple[str, int, int, str]  # kind, line index, a number, a text


@st.composite
def mutation(draw: st.DrawFn) -> Change:
    kinds = ("delete_line", "delete_key", "wrong_value", "misspell", "duplicate", "indent", "char")
    kind = draw(st.sampled_from(kinds))
    line = draw(st.integers(0, len(LINES) - 1))
    if kind == "wrong_value":
        return kind, line, 0, draw(st.sampled_from(WRONG_VALUES))
    if kind == "misspell":
        return kind, line, draw(st.integers(0, 50)), draw(st.sampled_from("aeoxZ_-. "))
    if kind == "indent":
        return kind, line, draw(st.integers(-4, 4)), ""
    if kind == "char":
        return kind, line, draw(st.integers(0, 120)), draw(st.characters(codec="utf-8"))
    return kind, line, 0, ""


def _edited(line: str, kind: str, number: int, text: str) -> str:
    if kind == "wrong_value":
        return _value(line, text)
    if kind == "misspell":
        return _misspell(line, number, text)
    if kind == "indent" and number >= 0:
        return " " * number + line
    if kind == "indent":
        return line[min(-number, len(line) - len(line.lstrip(" "))) :]
    at = number % (len(line) + 1)
    return line[:at] + text + line[at + 1 :]


def mutate(lines: list[str], change: Change) -> list[str]:
    kind, i, number, text = change
    i = min(i, len(lines) - 1)
    if i < 0:
        return lines
    if kind == "delete_line":
        return lines[:i] + lines[i + 1 :]
    if kind == "delete_key":
        return _delete_key(lines, i)
    if kind == "duplicate":
        return [*lines[: i + 1], lines[i], *lines[i + 1 :]]
    return [*lines[:i], _edited(lines[i], kind, number, text), *lines[i + 1 :]]


def assert_located_or_valid(text: str) -> None:
    rules, problems = check_text(text, FILE)
    if rules is not None:
        assert problems == []
        assert isinstance(rules, RuleSet)
        assert validate(rules) == []
        return
    assert problems, "no rule set and no problem"
    last_line = text.count("\n") + 2
    for problem in problems:
        assert problem.where.file == FILE
        assert 1 <= problem.where.line <= last_line, str(problem)
        assert problem.where.column >= 1, str(problem)
        assert problem.message.strip(), str(problem)
        assert str(problem).startswith(f"{FILE}:{problem.where.line}:{problem.where.column}: ")


@settings(max_examples=150, deadline=None)
@given(st.lists(mutation(), min_size=1, max_size=3))
def test_mutated_rule_file_gives_located_problems_or_a_valid_rule_set(
    changes: list[Change],
) -> None:
    lines = list(LINES)
    for change in changes:
        lines = mutate(lines, change)
    assert_located_or_valid("\n".join(lines) + "\n")


def _line_of(text: str) -> int:
    return LINES.index(text) + 1


def _problems(lines: list[str]) -> list[str]:
    rules, problems = check_text("\n".join(lines) + "\n", FILE)
    assert rules is None
    return [str(p) for p in problems]


def test_unmutated_file_is_valid() -> None:
    rules, problems = check_text(TEXT, FILE)
    assert problems == []
    assert rules is not None and rules.marketplace.code == "cdiscount"


def test_deleted_destination_is_reported_on_its_transition() -> None:
    i = _line_of("  - trigger: confirm_shipment")
    lines = LINES[:i] + [x for x in LINES[i : i + 3] if "to:" not in x] + LINES[i + 3 :]
    assert _problems(lines) == [
        f"{FILE}:{i}:5: transition 'confirm_shipment' is missing the key 'to'",
    ]


def test_misspelt_status_reference_suggests_the_status() -> None:
    i = _line_of("    to: ShipmentRefusedBySeller")
    lines = [*LINES[: i - 1], "    to: ShipmentRefusedBySeler", *LINES[i:]]
    assert _problems(lines) == [
        f"{FILE}:{i}:9: transition 'refuse_shipment' targets unknown status "
        "'ShipmentRefusedBySeler' (did you mean 'ShipmentRefusedBySeller'?)",
    ]


def test_duplicated_key_line_names_both_lines() -> None:
    i = _line_of("    after: 48h")
    lines = [*LINES[:i], "    after: 24h", *LINES[i:]]
    assert _problems(lines) == [
        f"{FILE}:{i + 1}:5: duplicate key 'after' (first written at line {i}) "
        "(remove one of them: YAML would silently keep only the last)",
    ]
