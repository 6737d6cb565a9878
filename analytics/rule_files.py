"""The rule files as the app's editor reads and saves them.

The editor may only ever write a valid rule file, only inside the rules directory, and never
lose what was there: a save checks the text with the loader first (every problem, located),
resolves the target and refuses any name that leaves the directory (separators, `..`, links),
copies the previous version to `.history/NAME.TIMESTAMP.yaml`, then writes a temporary file in
the same directory and renames it over the old one, so a reader sees the old file or the new
one, never half of one.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine import rulebook
from engine.definition import RuleSet
from engine.errors import RuleFileInvalid
from engine.loader import check_text
from engine.yamlsource import Problem

HISTORY = ".history"
SUFFIX = ".yaml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.yaml$")


class RuleFileRefused(ValueError):
    """A name the editor will not write to (outside the rules directory, or not a rule file)."""


@dataclass(frozen=True)
class Saved:
    path: Path
    previous: Path | None  # where the replaced version was kept, None for a new file
    rules: RuleSet


def rule_files(directory: Path) -> list[Path]:
    """The rule files of `directory`, by name (the history is not listed)."""
    return rulebook.rule_files([directory])


def target(directory: Path, name: str) -> Path:
    """The path `name` designates inside `directory`; refused when it would be anywhere else."""
    if not _NAME.match(name) or ".." in name:
        raise RuleFileRefused(
            f"'{name}' is not a rule file name: use letters, digits, '_', '-' or '.', "
            f"ending in {SUFFIX}, without any directory"
        )
    root = directory.resolve()
    path = (root / name).resolve()
    if path.parent != root:
        raise RuleFileRefused(f"'{name}' resolves to {path}, outside the rules directory {root}")
    return path


def label(directory: Path, name: str) -> str:
    """How problems name the file: the rules directory's name and the file's."""
    return f"{directory.name}/{name}"


def check(directory: Path, name: str, text: str) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem of `text` as the rule file `name`, and its rule set when there are none."""
    return check_text(text, label(directory, name))


def save(directory: Path, name: str, text: str, now: datetime) -> Saved:
    """Write `text` as rule file `name` if it is valid; raises RuleFileInvalid otherwise."""
    path = target(directory, name)
    rules, problems = check(directory, name, text)
    if rules is None:
        raise RuleFileInvalid(label(directory, name), problems)
    previous = _keep_previous(path, now) if path.exists() else None
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Saved(path, previous, rules)


def _keep_previous(path: Path, now: datetime) -> Path:
    history = path.parent / HISTORY
    history.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    kept = history / f"{path.stem}.{stamp}{SUFFIX}"
    kept.write_bytes(path.read_bytes())
    return kept


def history(directory: Path, name: str) -> list[Path]:
    """The kept versions of rule file `name`, newest first."""
    stem = target(directory, name).stem
    folder = directory / HISTORY
    if not folder.is_dir():
        return []
    mine = re.compile(rf"^{re.escape(stem)}\.\d{{8}}T\d{{12}}Z{re.escape(SUFFIX)}$")
    return sorted((p for p in folder.iterdir() if mine.match(p.name)), reverse=True)


def excerpt(text: str, problem: Problem, around: int = 2) -> str:
    """The lines around a problem, numbered, with a caret under its column."""
    lines = text.splitlines()
    line = min(max(problem.where.line, 1), max(len(lines), 1))
    first, last = max(line - around, 1), min(line + around, len(lines))
    width = len(str(last))
    shown = []
    for number in range(first, last + 1):
        shown.append(f"{number:>{width}} | {lines[number - 1]}")
        if number == line:
            shown.append(f"{'':>{width}} | {' ' * (problem.where.column - 1)}^ {problem.message}")
    return "\n".join(shown)
