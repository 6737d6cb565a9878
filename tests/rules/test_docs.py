"""docs/rules.md, the reference for rule authors, cannot drift from the format.

Every key path of the JSON Schema has a heading in the reference and every heading names a key
of the schema; every YAML example parses; the complete example loads clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.rulefile.json_schema import key_paths
from engine.rulefile.loader import load_rules_text
from engine.rulefile.yaml_source import load_located

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
TEXT = DOC.read_text(encoding="utf-8")
HEADING = re.compile(r"^#{2,4} `([^`]+)`$", re.M)
EXAMPLES = re.findall(r"^```yaml\n(.*?)^```$", TEXT, re.M | re.S)


def test_every_key_of_the_schema_is_documented() -> None:
    documented = set(HEADING.findall(TEXT))
    missing = [path for path in key_paths() if path not in documented]
    assert missing == []


def test_every_documented_key_exists_in_the_schema() -> None:
    known = set(key_paths())
    unknown = [path for path in HEADING.findall(TEXT) if path not in known]
    assert unknown == []


def test_each_key_is_documented_once() -> None:
    headings = HEADING.findall(TEXT)
    assert len(headings) == len(set(headings)) == 84


def test_the_reference_has_its_examples() -> None:
    assert len(EXAMPLES) == 71


@pytest.mark.parametrize("number", range(1, 69))
def test_every_yaml_example_parses(number: int) -> None:
    data, problems = load_located(EXAMPLES[number], f"example {number + 1}")
    assert [str(p) for p in problems] == []
    assert data is not None


def test_the_complete_example_loads_clean() -> None:
    rules = load_rules_text(EXAMPLES[-1], "docs/rules.md")
    assert rules.marketplace.code == "example"
    assert [s.name for s in rules.statuses] == ["NEW", "ACCEPTED", "SHIPPED", "REFUSED"]
    assert rules.status_for_code("toaccept") == "NEW"
    assert rules.timers[0].after_seconds == 172800


def test_the_schema_line_is_the_one_the_shipped_files_use() -> None:
    line = "# yaml-language-server: $schema=./orderflow.schema.json"
    assert EXAMPLES[0] == line + "\n"
    assert EXAMPLES[-1].startswith(line + "\n")
