"""Load a rule file: read, build, validate; all problems or one immutable `RuleSet`.

Problems come back sorted by position, each once, so `orderflow validate` and an editor show a
file's mistakes in reading order. A rule set is returned only when there is no problem at all.
A file past a size limit of `engine.rulefile.limits` gets that one problem, found before the costly
part: its size before it is read, a section's entries before the section is built.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Location, Problem
from engine.rulefile.builder import RuleBuilder
from engine.rulefile.limits import MAX_FIELD_VALUES, MAX_FILE_BYTES, SECTION_LIMITS
from engine.rulefile.yaml_source import LocatedDict, LocatedList, load_located, too_large
from engine.validation.checks import validate

SPLIT_HINT = "a rule file describes one marketplace: is it the right file?"


def check_text(text: str, file: str) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem of a rule file's text, and the rule set when there are none."""
    data, problems = load_located(text, file)
    if data is None and problems:
        return None, _in_order(problems)
    crowded = _crowded_sections(data)
    if crowded:
        return None, _in_order(crowded)  # building and checking them would take minutes
    builder = RuleBuilder(file)
    rules = builder.build(data)
    complete = builder.complete and not problems
    problems = [*problems, *builder.problems]
    if rules is not None:
        problems.extend(validate(rules, complete))
    return (rules if not problems else None), _in_order(problems)


def _crowded_sections(data: Any) -> list[Problem]:
    """A problem for each section (and enum field) with more entries than a rule file holds."""
    if not isinstance(data, LocatedDict):
        return []
    found = []
    for key, limit in SECTION_LIMITS.items():
        section = data.get(key)
        if isinstance(section, LocatedDict | LocatedList) and len(section) > limit:
            what = "status codes in 'mapping'" if key == "mapping" else key
            message = f"the file is too large: {len(section):,} {what}; a rule file holds at most"
            found.append(Problem(data.key_at(key), f"{message} {limit:,}", SPLIT_HINT))
    fields = data.get("fields")
    for name, field in fields.items() if isinstance(fields, LocatedDict) else ():
        values = field.get("values") if isinstance(field, LocatedDict) else None
        if isinstance(values, LocatedDict | LocatedList) and len(values) > MAX_FIELD_VALUES:
            message = (
                f"the file is too large: field '{name}' has {len(values):,} values; a field "
                f"holds at most {MAX_FIELD_VALUES:,}"
            )
            found.append(Problem(field.key_at("values"), message, SPLIT_HINT))
    return found


def _in_order(problems: list[Problem]) -> list[Problem]:
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.where.line, p.where.column, p.message, p.hint))


def check_file(path: str | Path) -> tuple[RuleSet | None, list[Problem]]:
    name = str(path)
    try:
        raw, size = _head(Path(path))
    except OSError as exc:
        return None, [Problem(Location(name, 1, 1), f"cannot read the file: {exc.strerror or exc}")]
    large = too_large(size, name)
    if large is not None:
        return None, [large]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = Location(name, 1, 1)
        return None, [
            Problem(where, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")
        ]
    # Line ends as `Path.read_text` reads them: CR LF and CR are LF.
    return check_text(text.replace("\r\n", "\n").replace("\r", "\n"), name)


def _head(path: Path) -> tuple[bytes, int]:
    """The file's bytes up to one past `MAX_FILE_BYTES`, and its size (at least what was read).

    A file whose size says it is too large is not read at all; a pipe or a device, whose size
    is not known beforehand, is read only that far.
    """
    with path.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        raw = stream.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
    return raw, max(size, len(raw))


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
