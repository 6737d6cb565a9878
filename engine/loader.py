"""Load a rule file: read, build, validate; all problems or one immutable `RuleSet`."""

from __future__ import annotations

from pathlib import Path

from engine.builder import RuleBuilder
from engine.definition import Location, RuleSet
from engine.errors import RuleFileInvalid
from engine.validation import validate
from engine.yamlsource import Problem, load_located


def check_text(text: str, file: str) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem of a rule file's text, and the rule set when there are none."""
    data, problems = load_located(text, file)
    if data is None:
        return None, problems
    builder = RuleBuilder(file)
    rules = builder.build(data)
    problems = [*problems, *builder.problems]
    if rules is not None:
        problems.extend(validate(rules))
    problems.sort(key=lambda p: (p.where.line, p.where.column, p.message))
    return (rules if not problems else None), problems


def check_file(path: str | Path) -> tuple[RuleSet | None, list[Problem]]:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(name, 1, 1), f"cannot read the file: {exc}")]
    return check_text(text, name)


def load_rules(path: str | Path) -> RuleSet:
    """The validated rule set of `path`; raises `RuleFileInvalid` with every problem."""
    rules, problems = check_file(path)
    if rules is None:
        raise RuleFileInvalid(str(path), problems)
    return rules


def load_rules_text(text: str, file: str = "<text>") -> RuleSet:
    rules, problems = check_text(text, file)
    if rules is None:
        raise RuleFileInvalid(file, problems)
    return rules
