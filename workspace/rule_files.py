"""The rule files as the app's editor reads and saves them.

The editor may only ever write a valid rule file, only inside the rules directory, and never
lose what was there: a save checks the text with the loader first (every problem, located),
resolves the target and refuses any name that leaves the directory (separators, `..`, links),
copies the previous version to `.history/NAME.TIMESTAMP.yaml`, then writes a temporary file in
the same directory and renames it over the old one, so a reader sees the old file or the new
one, never half of one.

A symbolic link in the rules directory or in its history is refused, never followed, for reading
as for writing: the app has no login, and a link would let it show or overwrite any file the
process can reach.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Problem
from engine.rulefile import rulebook
from engine.rulefile.loader import check_text

HISTORY = ".history"
SUFFIX = ".yaml"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.yaml")


class RuleFileRefused(ValueError):
    """A name the editor will not write to (outside the rules directory, or not a rule file)."""


@dataclass(frozen=True)
class Saved:
    path: Path
    previous: Path | None  # where the replaced version was kept, None for a new file
    rules: RuleSet


def rule_files(directory: Path) -> list[Path]:
    """The rule files of `directory`, by name (the history and links are not listed)."""
    return [p for p in rulebook.rule_files([directory]) if not p.is_symlink()]


def target(directory: Path, name: str) -> Path:
    """The path `name` designates inside `directory`; refused when it would be anywhere else."""
    if not _NAME.fullmatch(name) or ".." in name:
        raise RuleFileRefused(
            f"'{name}' is not a rule file name: use letters, digits, '_', '-' or '.', "
            f"ending in {SUFFIX}, without any directory"
        )
    root = directory.resolve()
    if (root / name).is_symlink():
        raise RuleFileRefused(
            f"'{name}' is a symbolic link in {root}: the editor does not follow links"
        )
    path = (root / name).resolve()
    if path.parent != root:
        raise RuleFileRefused(f"'{name}' resolves to {path}, outside the rules directory {root}")
    return path


def read(directory: Path, name: str) -> str:
    """The text of rule file `name`; a link is refused, never followed."""
    return _read_plain(target(directory, name))


def read_kept(directory: Path, name: str, kept: str) -> str:
    """The text of the kept version `kept` of rule file `name` (a name `history` listed)."""
    versions = {p.name: p for p in history(directory, name)}
    if kept not in versions:
        raise RuleFileRefused(f"'{kept}' is not a kept version of '{name}'")
    return _read_plain(versions[kept])


def _read_plain(path: Path) -> str:
    # O_NOFOLLOW closes the gap between the check for a link and the open.
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise RuleFileRefused(f"cannot read {path.name}: {exc.strerror}") from None
    with os.fdopen(handle, encoding="utf-8") as file:
        return file.read()


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
    history = _history_folder(path.parent)
    history.mkdir(exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    kept = history / f"{path.stem}.{stamp}{SUFFIX}"
    # O_EXCL | O_NOFOLLOW: a link (or any file) already at that name is never written through.
    try:
        handle = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        raise RuleFileRefused(f"{kept} already exists: the previous version was not kept") from None
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(_read_plain(path))
    return kept


def _history_folder(directory: Path) -> Path:
    folder = directory / HISTORY
    if folder.is_symlink():
        raise RuleFileRefused(
            f"{folder} is a symbolic link: the editor keeps versions only in a real folder"
        )
    return folder


def history(directory: Path, name: str) -> list[Path]:
    """The kept versions of rule file `name`, newest first."""
    stem = target(directory, name).stem
    folder = _history_folder(directory)
    if not folder.is_dir():
        return []
    mine = re.compile(rf"{re.escape(stem)}\.\d{{8}}T\d{{12}}Z{re.escape(SUFFIX)}")
    kept = (p for p in folder.iterdir() if mine.fullmatch(p.name) and not p.is_symlink())
    return sorted(kept, reverse=True)


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
