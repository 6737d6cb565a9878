"""Finding the rule files of an account: directories, files, and one file per marketplace."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.model.errors import RuleFileInvalid
from engine.rulefile.rulebook import load_rule_sets, rule_files

RULES = Path(__file__).resolve().parents[2] / "rules"


def test_a_directory_stands_for_its_yaml_files_in_name_order() -> None:
    names = [p.name for p in rule_files([RULES])]
    assert names == ["cdiscount.yaml", "cdiscount_octopia.yaml", "galeries_lafayette.yaml"]
    codes = [r.marketplace.code for r in load_rule_sets([RULES])]
    assert codes == ["cdiscount", "cdiscount_octopia", "galeries_lafayette"]


def test_two_files_for_one_marketplace_are_refused(tmp_path: Path) -> None:
    shutil.copy(RULES / "cdiscount.yaml", tmp_path / "a.yaml")
    shutil.copy(RULES / "cdiscount.yaml", tmp_path / "b.yaml")
    with pytest.raises(RuleFileInvalid) as raised:
        load_rule_sets([tmp_path])
    assert [str(p) for p in raised.value.problems] == [
        f"{tmp_path / 'b.yaml'}:1:1: marketplace 'cdiscount' already has a rule file, "
        f"{tmp_path / 'a.yaml'}: keep one file per marketplace"
    ]
