"""The rule editor's files: listed without history, saved only valid, the previous version kept,
nothing written outside the rules directory.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.model.errors import RuleFileInvalid
from workspace.rule_files import RuleFileRefused, history, rule_files, save, target

SOURCE = Path("rules/cdiscount.yaml").read_text(encoding="utf-8")
NOW = datetime(2026, 3, 2, 10, 30, 0, 123456, tzinfo=UTC)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "cdiscount.yaml").write_text(SOURCE, encoding="utf-8")
    return folder


def test_lists_rule_files_without_history(rules_dir: Path) -> None:
    save(rules_dir, "cdiscount.yaml", SOURCE.replace("after: 48h", "after: 24h"), NOW)
    assert [p.name for p in rule_files(rules_dir)] == ["cdiscount.yaml"]


def test_save_keeps_the_previous_version(rules_dir: Path) -> None:
    edited = SOURCE.replace("after: 48h", "after: 24h")
    saved = save(rules_dir, "cdiscount.yaml", edited, NOW)
    assert saved.path.read_text(encoding="utf-8") == edited
    assert saved.previous == rules_dir / ".history" / "cdiscount.20260302T103000123456Z.yaml"
    assert saved.previous.read_text(encoding="utf-8") == SOURCE
    assert saved.rules.timers[0].after_seconds == 24 * 3600
    assert history(rules_dir, "cdiscount.yaml") == [saved.previous]
    # No temporary file is left behind.
    assert sorted(p.name for p in rules_dir.iterdir()) == [".history", "cdiscount.yaml"]


def test_invalid_text_is_not_written(rules_dir: Path) -> None:
    broken = SOURCE.replace("    to: ShippedBySeller\n", "    to: Shiped\n", 1)
    with pytest.raises(RuleFileInvalid) as caught:
        save(rules_dir, "cdiscount.yaml", broken, NOW)
    assert "rules/cdiscount.yaml:" in str(caught.value)
    assert "Shiped" in str(caught.value)
    assert (rules_dir / "cdiscount.yaml").read_text(encoding="utf-8") == SOURCE
    assert not (rules_dir / ".history").exists()


def test_a_new_file_has_no_previous_version(rules_dir: Path) -> None:
    saved = save(rules_dir, "copy.yaml", SOURCE, NOW)
    assert saved.previous is None
    assert (rules_dir / "copy.yaml").exists()


@pytest.mark.parametrize(
    "name", ["../evil.yaml", "sub/x.yaml", "/etc/x.yaml", ".history", "x.yml", "..yaml", ""]
)
def test_names_outside_the_directory_are_refused(rules_dir: Path, name: str) -> None:
    with pytest.raises(RuleFileRefused):
        save(rules_dir, name, SOURCE, NOW)
    assert sorted(p.name for p in rules_dir.parent.iterdir()) == ["rules"]


def test_a_link_leading_outside_is_refused(rules_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("x", encoding="utf-8")
    (rules_dir / "link.yaml").symlink_to(outside)
    with pytest.raises(RuleFileRefused, match=r"'link\.yaml' is a symbolic link in "):
        target(rules_dir, "link.yaml")
    assert outside.read_text(encoding="utf-8") == "x"
