"""Where something is wrong in a file a person wrote, and what: located problems as values.

Every reader of hand-written files (rule files, scenarios) and every check reports problems as
`file:line:col: message (hint)`, collected rather than raised one at a time; the place and the
problem are plain values so validation, the loaders and the app's editor share them without
knowing YAML.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A place in a rule file, 1-based like an editor shows it."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, at a place, with an optional hint of what to do."""

    where: Location
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text
