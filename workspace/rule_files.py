"""The rule files as the app's editor reads and saves them.

The editor may only ever write a valid rule file, only inside the rules directory, and never
lose what was there: a save checks the text with the loader first (every problem, located),
resolves the target and refuses any name that leaves the directory (separators, `..`, links),
copies the previous version to `.history/NAME.TIMESTAMP.yaml`, then writes a temporary file in
the same directory and renames it over the old one, so a reader sees the old file or the new
one, never half of one.

Every kept version stays addressable: by its `marketplace.rules_version` or by a prefix of the
sha256 of its text, so an author can diff any two versions and restore one. A restore is a save
like any other (checked, atomic, the version it replaces kept), so it can itself be undone.

A symbolic link in the rules directory or in its history is refused, never followed, for reading
as for writing: the app has no login, and a link would let it show or overwrite any file the
process can reach.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Problem
from engine.rulefile import rulebook
from engine.rulefile.loader import check_text
from engine.rulefile.yaml_source import LocatedDict, load_located

HISTORY = ".history"
SUFFIX = ".yaml"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.yaml")
_STAMP = "%Y%m%dT%H%M%S%fZ"
SHORT = 12  # hex digits of a content hash shown to the author
MIN_PREFIX = 4  # the shortest hash prefix taken as a reference
_HEX = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},64}}")


class RuleFileRefused(ValueError):
    """A name the editor will not write to (outside the rules directory, or not a rule file)."""


class UnknownVersion(LookupError):
    """A reference that names no version of the rule file."""


class AmbiguousVersion(LookupError):
    """A reference that names several different texts of the rule file."""


@dataclass(frozen=True)
class Version:
    """One version of a rule file: its current text, or one a save replaced and kept."""

    name: str  # the kept file's name in the history, or the rule file's own for the current text
    replaced_at: datetime | None  # when a save replaced it; None for the current text
    rules_version: str | None  # `marketplace.rules_version` as written; None when there is none
    sha256: str
    text: str

    @property
    def current(self) -> bool:
        return self.replaced_at is None

    @property
    def short(self) -> str:
        return self.sha256[:SHORT]

    def describe(self) -> str:
        """`2026.11.1 1a2b3c4d5e6f`, and `(current)` after the current text."""
        shown = f"{self.rules_version or 'no rules_version'} {self.short}"
        return f"{shown} (current)" if self.current else shown


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
    stamp = now.strftime(_STAMP)
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


def versions(directory: Path, name: str) -> list[Version]:
    """Every version of rule file `name`: the current text first, then the kept ones, newest
    first."""
    path = target(directory, name)
    found = [_version(name, None, _read_plain(path))] if path.exists() else []
    for kept in history(directory, name):
        stamp = kept.name[len(path.stem) + 1 : -len(SUFFIX)]
        replaced = datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        found.append(_version(kept.name, replaced, _read_plain(kept)))
    return found


def _version(own: str, replaced: datetime | None, text: str) -> Version:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Version(own, replaced, _rules_version(text), digest, text)


# The page lists every version on each run and parsing one takes tens of milliseconds: a text's
# rules_version is a function of the text alone, so it is worked out once.
@functools.lru_cache(maxsize=256)
def _rules_version(text: str) -> str | None:
    data, _ = load_located(text, "<kept version>")
    market = data.get("marketplace") if isinstance(data, LocatedDict) else None
    if not isinstance(market, LocatedDict) or "rules_version" not in market:
        return None
    written = market.as_written("rules_version")
    return None if isinstance(written, dict | list) or written is None else str(written)


def resolve(directory: Path, name: str, reference: str) -> Version:
    """The version of rule file `name` that `reference` names: a kept file's name, a
    `rules_version`, or a prefix of at least four hex digits of its sha256 (a rules_version
    that matches is taken before a hash prefix). Several versions with the same text are one:
    the newest is returned. Raises UnknownVersion or AmbiguousVersion."""
    every = versions(directory, name)
    wanted = reference.strip()
    matches = [v for v in every if wanted in (v.name, v.rules_version)]
    if not matches and _HEX.fullmatch(wanted.lower()):
        matches = [v for v in every if v.sha256.startswith(wanted.lower())]
    if not matches:
        known = ", ".join(dict.fromkeys(v.rules_version for v in every if v.rules_version))
        raise UnknownVersion(
            f"'{reference}' names no version of {name}: give a rules_version ({known or 'none'}) "
            f"or at least {MIN_PREFIX} hex digits of a sha256 that the history lists"
        )
    texts = dict.fromkeys(v.sha256 for v in matches)
    if len(texts) > 1:
        shown = ", ".join(v.describe() for v in matches)
        raise AmbiguousVersion(
            f"'{reference}' names {len(texts)} different versions of {name} ({shown}): "
            "give more hex digits of the sha256 of the one you mean"
        )
    return matches[0]


def diff(older: Version, newer: Version, name: str, context: int = 3) -> list[str]:
    """The unified diff from `older` to `newer`, one line per item, without line ends."""
    return list(
        difflib.unified_diff(
            older.text.splitlines(),
            newer.text.splitlines(),
            f"{name} {older.describe()}",
            f"{name} {newer.describe()}",
            n=context,
            lineterm="",
        )
    )


def restore(directory: Path, name: str, reference: str, now: datetime) -> Saved:
    """Save the version `reference` names as the current text of rule file `name`, through
    `save` (checked, atomic, the replaced version kept: a restore can be undone)."""
    version = resolve(directory, name, reference)
    if version.current or version.text == read(directory, name):
        raise RuleFileRefused(
            f"{version.describe()} is already the current text of {name}: nothing to restore"
        )
    return save(directory, name, version.text, now)
