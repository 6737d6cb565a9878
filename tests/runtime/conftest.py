"""Shared fixtures of the runtime tests: the shipped rule files, loaded once per session."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
# Every shipped rule file: a new marketplace file is tested without touching these tests.
RULE_FILES = tuple(sorted(RULES_DIR.glob("*.yaml")))
CDISCOUNT = RULES_DIR / "cdiscount.yaml"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@cache
def rules_of(path: Path) -> RuleSet:
    return load_rules(path)


@cache
def runtime_of(path: Path) -> Runtime:
    return Runtime(rules_of(path))


@pytest.fixture
def cdiscount() -> Runtime:
    return runtime_of(CDISCOUNT)


# A rule set whose one seller transition is guarded by a condition on a field.
GUARDED = """
format: 1
marketplace: {code: demo, rules_version: "1"}
fields:
  mode: {type: enum, values: {A: {label: a}, B: {label: b}}}
statuses:
  Open: {stage: new, initial: true}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: finish, from: Open, to: Done, actor: seller, when: {field: mode, in: [A]}}
actions:
  finish: {at: [Open], transition: finish, action_type: ship}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""
