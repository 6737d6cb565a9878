"""Load a rule file: read, build, validate; all problems or one immutable `RuleSet`.

Problems come back sorted by position, each once, so `orderflow validate` and an editor show a
file's mistakes in reading order. A rule set is returned only when there is no problem at all.
"""

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
    if data is None and problems:
        return None, _in_order(problems)
    builder = RuleBuilder(file)
    rules = builder.build(data)
    complete = builder.complete and not problems
    problems = [*problems, *builder.problems]
    if rules is not None:
        problems.extend(validate(rules, complete))
    return (rules if not problems else None), _in_order(problems)


def _in_order(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.where.line, p.where.column, p.message, p.hint))


def check_file(path: str | Path) -> tuple[RuleSet | None, list[Problem]]:
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        where = Location(name, 1, 1)
        return None, [
            Problem(where, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        ]
    except OSError as exc:
        return None, [Problem(Location(name, 1, 1), f"cannot read the file: {exc.strerror or exc}")]
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
