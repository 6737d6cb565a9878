"""The rule editor never follows a link, in the rules directory or in its history, and takes a
file name only when it matches in full (no trailing newline slipping past the check)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from workspace.rule_files import RuleFileRefused, history, read, read_kept, rule_files, save

SOURCE = Path("rules/cdiscount.yaml").read_text(encoding="utf-8")
NOW = datetime(2026, 3, 2, 10, 30, 0, 123456, tzinfo=UTC)
STAMP = "20260302T103000123456Z"


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "cdiscount.yaml").write_text(SOURCE, encoding="utf-8")
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "secret.txt"
    outside.write_text("not for the app", encoding="utf-8")
    return outside


@pytest.mark.parametrize("name", ["cdiscount.yaml\n", "copy.yaml\n", "copy.yaml\r\n", " copy.yaml"])
def test_a_name_must_match_in_full(rules_dir: Path, name: str) -> None:
    with pytest.raises(RuleFileRefused, match="is not a rule file name"):
        save(rules_dir, name, SOURCE, NOW)
    assert sorted(p.name for p in rules_dir.iterdir()) == ["cdiscount.yaml"]


def test_a_link_inside_the_directory_is_not_written_through(rules_dir: Path) -> None:
    (rules_dir / "alias.yaml").symlink_to(rules_dir / "cdiscount.yaml")
    edited = SOURCE.replace("after: 48h", "after: 24h")
    with pytest.raises(RuleFileRefused, match=r"'alias\.yaml' is a symbolic link in "):
        save(rules_dir, "alias.yaml", edited, NOW)
    assert (rules_dir / "cdiscount.yaml").read_text(encoding="utf-8") == SOURCE


def test_links_are_neither_listed_nor_read(rules_dir: Path, secret: Path) -> None:
    (rules_dir / "leak.yaml").symlink_to(secret)
    assert [p.name for p in rule_files(rules_dir)] == ["cdiscount.yaml"]
    with pytest.raises(RuleFileRefused, match=r"'leak\.yaml' is a symbolic link in "):
        read(rules_dir, "leak.yaml")
    assert read(rules_dir, "cdiscount.yaml") == SOURCE


def test_a_history_folder_that_is_a_link_is_refused(rules_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (rules_dir / ".history").symlink_to(elsewhere)
    with pytest.raises(RuleFileRefused, match=r"\.history is a symbolic link"):
        save(rules_dir, "cdiscount.yaml", SOURCE.replace("after: 48h", "after: 24h"), NOW)
    assert list(elsewhere.iterdir()) == []
    assert (rules_dir / "cdiscount.yaml").read_text(encoding="utf-8") == SOURCE


def test_a_link_waiting_at_the_kept_name_is_not_written_through(
    rules_dir: Path, secret: Path
) -> None:
    (rules_dir / ".history").mkdir()
    (rules_dir / ".history" / f"cdiscount.{STAMP}.yaml").symlink_to(secret)
    with pytest.raises(RuleFileRefused, match="already exists: the previous version was not kept"):
        save(rules_dir, "cdiscount.yaml", SOURCE.replace("after: 48h", "after: 24h"), NOW)
    assert secret.read_text(encoding="utf-8") == "not for the app"
    assert (rules_dir / "cdiscount.yaml").read_text(encoding="utf-8") == SOURCE


def test_kept_versions_that_are_links_are_not_listed_or_read(rules_dir: Path, secret: Path) -> None:
    saved = save(rules_dir, "cdiscount.yaml", SOURCE.replace("after: 48h", "after: 24h"), NOW)
    assert saved.previous is not None
    planted = rules_dir / ".history" / "cdiscount.20991231T000000000000Z.yaml"
    planted.symlink_to(secret)
    assert history(rules_dir, "cdiscount.yaml") == [saved.previous]
    assert read_kept(rules_dir, "cdiscount.yaml", saved.previous.name) == SOURCE
    with pytest.raises(RuleFileRefused, match=r"is not a kept version of 'cdiscount\.yaml'"):
        read_kept(rules_dir, "cdiscount.yaml", planted.name)
