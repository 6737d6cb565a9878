"""Shared fixtures of the runtime tests: the shipped rule files, loaded once per session."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from engine.definition import RuleSet
from engine.loader import load_rules
from engine.runtime import Runtime

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
