"""A rule file larger than any marketplace needs is refused, with the limit, before the costly part.

A file of 200,000 statuses used to take about a minute of CPU before being refused with "check its
aliases"; now its size refuses it unread. Each limit of `engine.rulefile.limits` is pinned here at
its boundary: one past it is refused with its message, a file at it is accepted. How long a file at
the limits takes is measured by hand, not asserted (the machine running the tests is shared).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.rulefile.limits import (
    MAX_DEPTH,
    MAX_EXPANDED_VALUES,
    MAX_FIELD_VALUES,
    MAX_FILE_BYTES,
    MAX_STATUSES,
    MAX_VALUES,
    SECTION_LIMITS,
)
from engine.rulefile.loader import check_file, check_text
from engine.rulefile.yaml_source import load_located

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
HEAD = (
    "format: 1\n"
    "marketplace: {code: big, name: Big, rules_version: '1'}\n"
    "schedule: {every: 15m, overlap: 5m, sweep_every: 1d, sweep_lookback: 7d}\n"
)
SIZE_HINT = "(is it the right file? A marketplace's rules or a scenario take a few kB)"
SPLIT_HINT = "(a rule file describes one marketplace: is it the right file?)"


def statuses(count: int) -> str:
    """A rule file of `count` statuses in one chain of transitions: valid at any size."""
    lines = [HEAD + "statuses:"]
    for i in range(count):
        flag = ", initial: true" if i == 0 else ", final: true" if i == count - 1 else ""
        lines.append(f"  S{i}: {{stage: new{flag}}}")
    lines.append("transitions:")
    lines += [
        f"  - {{trigger: t{i}, from: S{i}, to: S{i + 1}, actor: marketplace}}"
        for i in range(count - 1)
    ]
    return "\n".join(lines) + "\n"


def status_entries(count: int) -> str:
    """A rule file whose `statuses` has `count` entries, and nothing else to build."""
    return HEAD + "statuses:\n" + "".join(f"  S{i}: {{stage: new}}\n" for i in range(count))


def problems_of(text: str) -> list[str]:
    return [str(p) for p in check_text(text, "big.yaml")[1]]


# -- the size in bytes, before parsing ---------------------------------------------------------


def test_a_file_of_200_000_statuses_is_refused_by_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = status_entries(200_000)
    monkeypatch.chdir(tmp_path)
    Path("big.yaml").write_text(text, encoding="utf-8")
    message = (
        "big.yaml:1:1: the file is too large: 4,689,039 bytes; the limit is 262,144 bytes "
        f"(256 KiB) {SIZE_HINT}"
    )
    assert len(text.encode("utf-8")) == 4_689_039
    assert [str(p) for p in check_file("big.yaml")[1]] == [message]
    assert problems_of(text) == [message]
    result = CliRunner().invoke(main, ["validate", "big.yaml"])
    assert (result.exit_code, result.stdout.splitlines()[0]) == (1, message)


def test_the_size_refuses_before_parsing(tmp_path: Path) -> None:
    # Broken YAML on its first line: parsed, it would be an "invalid YAML" problem.
    broken = "a: [unclosed\n" + "# padding\n" * (MAX_FILE_BYTES // 10)
    assert len(broken.encode("utf-8")) == 262_153
    path = tmp_path / "broken.yaml"
    path.write_text(broken, encoding="utf-8")
    message = (
        f"{path}:1:1: the file is too large: 262,153 bytes; the limit is 262,144 bytes (256 KiB) "
        f"{SIZE_HINT}"
    )
    assert [str(p) for p in check_file(path)[1]] == [message]
    at_limit = broken[: -(len(broken.encode("utf-8")) - MAX_FILE_BYTES)]
    assert [str(p.message) for p in load_located(at_limit, "f.yaml")[1]] == [
        "invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_a_pipe_or_a_device_is_read_only_up_to_the_limit() -> None:
    problems = check_file("/dev/zero")[1]
    assert [p.message for p in problems] == [
        "the file is too large: more than 262,144 bytes; the limit is 262,144 bytes (256 KiB)"
    ]


def test_a_file_at_the_size_limit_is_accepted() -> None:
    text = statuses(2)
    filler = MAX_FILE_BYTES - len(text.encode("utf-8")) - len(" description: ,")
    padded = text.replace("{stage: new,", "{stage: new, description: " + "x" * filler + ",", 1)
    assert len(padded.encode("utf-8")) == MAX_FILE_BYTES
    rules, problems = check_text(padded, "big.yaml")
    assert problems == []
    assert rules is not None and len(rules.statuses[0].description) == filler == 261_845


# -- the sections of a rule file, before they are built ----------------------------------------


def test_a_file_at_the_status_limit_is_accepted_and_one_more_is_refused() -> None:
    rules, problems = check_text(statuses(MAX_STATUSES), "big.yaml")
    assert problems == []
    assert rules is not None and len(rules.statuses) == len(rules.transitions) + 1 == 500
    assert problems_of(status_entries(MAX_STATUSES + 1)) == [
        "big.yaml:4:1: the file is too large: 501 statuses; a rule file holds at most 500 "
        f"{SPLIT_HINT}"
    ]


ENTRY = {
    "statuses": "  S{i}: {{}}\n",
    "transitions": "  - {{}}\n",
    "fields": "  f{i}: {{}}\n",
    "actions": "  a{i}: {{}}\n",
    "timers": "  t{i}: {{}}\n",
    "mapping": "  C{i}: S\n",
}
FOUND = {
    "statuses": "501 statuses",
    "transitions": "501 transitions",
    "fields": "501 fields",
    "actions": "501 actions",
    "timers": "501 timers",
    "mapping": "2,001 status codes in 'mapping'",
}


@pytest.mark.parametrize("section", list(SECTION_LIMITS))
def test_each_section_is_refused_one_entry_past_its_limit(section: str) -> None:
    limit = SECTION_LIMITS[section]
    entries = "".join(ENTRY[section].format(i=i) for i in range(limit + 1))
    assert problems_of(HEAD + f"{section}:\n" + entries) == [
        f"big.yaml:4:1: the file is too large: {FOUND[section]}; a rule file holds at most "
        f"{limit:,} {SPLIT_HINT}"
    ]
    at_limit = problems_of(HEAD + f"{section}:\n" + "".join(entries.splitlines(True)[:-1]))
    assert not [p for p in at_limit if "too large" in p]


def test_an_enum_field_is_refused_one_value_past_its_limit() -> None:
    values = "".join(f"      V{i}:\n" for i in range(MAX_FIELD_VALUES + 1))
    text = HEAD + "fields:\n  carrier:\n    type: enum\n    values:\n" + values
    assert problems_of(text) == [
        "big.yaml:7:5: the file is too large: field 'carrier' has 2,001 values; a field holds "
        f"at most 2,000 {SPLIT_HINT}"
    ]


# -- values and nesting, while parsing ---------------------------------------------------------


def test_values_are_counted_while_parsing_up_to_the_limit() -> None:
    def block_list(items: int) -> str:  # the mapping, the key and the list count three
        return "a:\n" + "- x\n" * items

    data, problems = load_located(block_list(MAX_VALUES - 3), "f.yaml")
    assert problems == [] and isinstance(data, dict) and len(data["a"]) == 14_997
    assert [str(p) for p in load_located(block_list(MAX_VALUES - 2), "f.yaml")[1]] == [
        "f.yaml:1:1: the file is too large: more than 15,000 values by line 14,999; the limit "
        f"is 15,000 (each key, text, number, list and mapping counts one) {SIZE_HINT}"
    ]


DEPTH_HINT = "(a rule file or a scenario needs about 10 levels)"


def test_nesting_is_refused_one_level_past_the_limit() -> None:
    # The file's mapping is level 1, each '[' one more.
    at_limit = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert load_located(at_limit, "f.yaml")[1] == []
    over = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"
    assert [str(p) for p in load_located(over, "f.yaml")[1]] == [
        "f.yaml:1:43: the file is nested too deeply: lists and mappings 41 levels deep here; "
        f"the limit is 40 {DEPTH_HINT}"
    ]


def test_nesting_through_aliases_is_refused_too() -> None:
    # Each written alone is 31 levels deep; the alias puts one inside the other.
    text = "a: &a " + "[" * 30 + "]" * 30 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    assert [str(p) for p in load_located(text, "f.yaml")[1]] == [
        "f.yaml:1:16: the file is nested too deeply: lists and mappings 41 levels deep here "
        f"once its aliases are expanded; the limit is 40 {DEPTH_HINT}"
    ]


# -- the reference -----------------------------------------------------------------------------


def test_the_reference_lists_the_limits_of_engine_limits() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (.+?) \| (.+?) \|$", section, re.M)[2:])
    assert rows == {
        "the file's size (checked before it is read)": f"{MAX_FILE_BYTES:,} bytes (256 KiB)",
        "values as written: each key, text, number, list and mapping counts one": (
            f"{MAX_VALUES:,}"
        ),
        "lists and mappings inside one another (the file is level 1)": f"{MAX_DEPTH} levels",
        "values once aliases (`*name`) are expanded": f"{MAX_EXPANDED_VALUES:,}",
        **{f"`{key}`": f"{limit:,}" for key, limit in SECTION_LIMITS.items() if key != "mapping"},
        "the `values` of one field": f"{MAX_FIELD_VALUES:,}",
        "status codes in `mapping`": f"{SECTION_LIMITS['mapping']:,}",
    }
