"""Every version of a rule file stays addressable: listed with when it was replaced, its
rules_version and its sha256; named by a rules_version or a hash prefix (unknown and ambiguous
references refused with a message saying what to give); diffed; restored by a save that keeps
the version it replaces, so a restore can be undone."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.model.errors import RuleFileInvalid
from workspace.rule_files import (
    AmbiguousVersion,
    RuleFileRefused,
    UnknownVersion,
    diff,
    history,
    read,
    resolve,
    restore,
    save,
    versions,
)

# A small rule file of its own, so that the diff's lines are pinned whatever the shipped files say.
V1 = """format: 1
marketplace:
  code: demo
  rules_version: "2026.11.1"
statuses:
  New: {stage: new, initial: true}
  Waiting: {stage: waiting_shipment}
  Shipped: {stage: shipped, final: true}
  Canceled: {stage: canceled, final: true}
transitions:
  - {trigger: accept, from: New, to: Waiting, actor: seller}
  - {trigger: ship, from: Waiting, to: Shipped, actor: seller}
  - {trigger: cancel, from: [New, Waiting], to: Canceled, actor: customer}
schedule: {every: 15m, sweep_every: 1d, sweep_lookback: 5d}
"""
V2 = V1.replace('rules_version: "2026.11.1"', 'rules_version: "2026.12.1"')
V3 = V2.replace("to: Canceled, actor: customer", "to: Canceled, actor: marketplace")
FIRST = datetime(2026, 3, 2, 10, 30, 0, 123456, tzinfo=UTC)
SECOND = datetime(2026, 3, 3, 8, 0, 0, 0, tzinfo=UTC)
THIRD = datetime(2026, 3, 4, 9, 15, 0, 500000, tzinfo=UTC)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    """demo.yaml saved twice: 2026.11.1 (kept), 2026.12.1 (kept), then 2026.12.1 with the
    marketplace cancelling (current)."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "demo.yaml").write_text(V1, encoding="utf-8")
    save(folder, "demo.yaml", V2, FIRST)
    save(folder, "demo.yaml", V3, SECOND)
    return folder


def test_versions_list_the_current_text_then_the_kept_ones(rules_dir: Path) -> None:
    listed = versions(rules_dir, "demo.yaml")
    assert [(v.name, v.replaced_at, v.rules_version, v.sha256) for v in listed] == [
        ("demo.yaml", None, "2026.12.1", sha(V3)),
        ("demo.20260303T080000000000Z.yaml", SECOND, "2026.12.1", sha(V2)),
        ("demo.20260302T103000123456Z.yaml", FIRST, "2026.11.1", sha(V1)),
    ]
    assert [v.text for v in listed] == [V3, V2, V1]
    assert listed[2].describe() == f"2026.11.1 {sha(V1)[:12]}"
    assert listed[0].describe() == f"2026.12.1 {sha(V3)[:12]} (current)"


def test_a_rules_version_names_its_version(rules_dir: Path) -> None:
    found = resolve(rules_dir, "demo.yaml", "2026.11.1")
    assert (found.name, found.text) == ("demo.20260302T103000123456Z.yaml", V1)


def test_a_hash_prefix_names_its_version_in_any_case(rules_dir: Path) -> None:
    assert resolve(rules_dir, "demo.yaml", sha(V2)[:6]).text == V2
    assert resolve(rules_dir, "demo.yaml", sha(V2)[:8].upper()).text == V2
    assert resolve(rules_dir, "demo.yaml", sha(V3)).name == "demo.yaml"


def test_a_kept_file_name_names_its_version(rules_dir: Path) -> None:
    found = resolve(rules_dir, "demo.yaml", "demo.20260303T080000000000Z.yaml")
    assert found.text == V2


def test_a_rules_version_shared_by_two_texts_is_ambiguous(rules_dir: Path) -> None:
    with pytest.raises(AmbiguousVersion) as caught:
        resolve(rules_dir, "demo.yaml", "2026.12.1")
    assert str(caught.value) == (
        f"'2026.12.1' names 2 different versions of demo.yaml "
        f"(2026.12.1 {sha(V3)[:12]} (current), 2026.12.1 {sha(V2)[:12]}): "
        "give more hex digits of the sha256 of the one you mean"
    )


def test_the_same_text_kept_twice_is_one_version(rules_dir: Path) -> None:
    save(rules_dir, "demo.yaml", V1, THIRD)  # 2026.11.1 is now current and kept
    found = resolve(rules_dir, "demo.yaml", "2026.11.1")
    assert (found.name, found.text) == ("demo.yaml", V1)


@pytest.mark.parametrize("reference", ["2027.1.1", "abc", "zzzz", ""])
def test_an_unknown_reference_says_what_to_give(rules_dir: Path, reference: str) -> None:
    with pytest.raises(UnknownVersion) as caught:
        resolve(rules_dir, "demo.yaml", reference)
    assert str(caught.value) == (
        f"'{reference}' names no version of demo.yaml: give a rules_version "
        "(2026.12.1, 2026.11.1) or at least 4 hex digits of a sha256 that the history lists"
    )


def test_the_diff_of_two_versions(rules_dir: Path) -> None:
    old, _, new = (resolve(rules_dir, "demo.yaml", sha(t)) for t in (V1, V2, V3))
    assert diff(old, new, "demo.yaml") == [
        f"--- demo.yaml 2026.11.1 {sha(V1)[:12]}",
        f"+++ demo.yaml 2026.12.1 {sha(V3)[:12]} (current)",
        "@@ -1,7 +1,7 @@",
        " format: 1",
        " marketplace:",
        "   code: demo",
        '-  rules_version: "2026.11.1"',
        '+  rules_version: "2026.12.1"',
        " statuses:",
        "   New: {stage: new, initial: true}",
        "   Waiting: {stage: waiting_shipment}",
        "@@ -10,5 +10,5 @@",
        " transitions:",
        "   - {trigger: accept, from: New, to: Waiting, actor: seller}",
        "   - {trigger: ship, from: Waiting, to: Shipped, actor: seller}",
        "-  - {trigger: cancel, from: [New, Waiting], to: Canceled, actor: customer}",
        "+  - {trigger: cancel, from: [New, Waiting], to: Canceled, actor: marketplace}",
        " schedule: {every: 15m, sweep_every: 1d, sweep_lookback: 5d}",
    ]
    assert diff(new, new, "demo.yaml") == []


def test_a_restore_saves_the_old_text_and_keeps_the_one_it_replaces(rules_dir: Path) -> None:
    done = restore(rules_dir, "demo.yaml", "2026.11.1", THIRD)
    assert read(rules_dir, "demo.yaml") == V1
    assert done.previous == rules_dir / ".history" / "demo.20260304T091500500000Z.yaml"
    assert done.previous.read_text(encoding="utf-8") == V3
    assert done.rules.marketplace.rules_version == "2026.11.1"
    # Undone by restoring what it replaced.
    restore(rules_dir, "demo.yaml", sha(V3)[:10], datetime(2026, 3, 5, tzinfo=UTC))
    assert read(rules_dir, "demo.yaml") == V3
    assert len(history(rules_dir, "demo.yaml")) == 4


def test_restoring_the_current_text_is_refused(rules_dir: Path) -> None:
    with pytest.raises(RuleFileRefused) as caught:
        restore(rules_dir, "demo.yaml", sha(V3)[:8], THIRD)
    assert str(caught.value) == (
        f"2026.12.1 {sha(V3)[:12]} (current) is already the current text of demo.yaml: "
        "nothing to restore"
    )
    assert len(history(rules_dir, "demo.yaml")) == 2


def test_a_kept_text_that_no_longer_loads_is_not_restored(rules_dir: Path) -> None:
    broken = V1.replace('rules_version: "2026.11.1"', 'rules_version: "2025.1.1"').replace(
        "to: Shipped,", "to: Shiped,"
    )
    kept = rules_dir / ".history" / "demo.20250101T000000000000Z.yaml"
    kept.write_text(broken, encoding="utf-8")  # written by hand, or by an older loader
    with pytest.raises(RuleFileInvalid, match="unknown status 'Shiped'"):
        restore(rules_dir, "demo.yaml", "2025.1.1", THIRD)
    assert read(rules_dir, "demo.yaml") == V3
    assert len(history(rules_dir, "demo.yaml")) == 3


def test_a_rules_version_written_as_a_number_is_read_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "demo.yaml").write_text(V1.replace('"2026.11.1"', "1.10"), encoding="utf-8")
    [current] = versions(folder, "demo.yaml")
    assert current.rules_version == "1.10"
    assert resolve(folder, "demo.yaml", "1.10").sha256 == current.sha256
