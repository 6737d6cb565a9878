"""Finding and loading the rule files an account runs under.

Commands name rule files or directories of them (`rules/` by default); every `*.yaml` of a
directory is a rule file, one per marketplace. Each order then runs under the rule set whose
marketplace code matches its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Location, Problem
from engine.rulefile.loader import load_rules

DEFAULT_RULES = Path("rules")


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """The rule files named, a directory standing for every `*.yaml` directly in it."""
    found: list[Path] = []
    for path in map(Path, paths):
        found.extend(
            sorted(p for p in path.glob("*.yaml") if p.is_file()) if path.is_dir() else [path]
        )
    return found


def load_rule_sets(paths: Iterable[str | Path] = (DEFAULT_RULES,)) -> list[RuleSet]:
    """Every rule set named; raises `RuleFileInvalid` for the first file with problems.

    Two files for one marketplace code are refused: each order runs under exactly one rule set,
    and silently keeping the last one read would depend on file names.
    """
    loaded: dict[str, RuleSet] = {}
    for path in rule_files(paths):
        rules = load_rules(path)
        code = rules.marketplace.code.casefold()
        if code in loaded:
            first = loaded[code].source
            message = (
                f"marketplace '{rules.marketplace.code}' already has a rule file, {first}: "
                "keep one file per marketplace"
            )
            raise RuleFileInvalid(str(path), [Problem(Location(str(path), 1, 1), message)])
        loaded[code] = rules
    return list(loaded.values())
