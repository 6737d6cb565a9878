"""The three kinds of failure, typed by cause.

A rule file that is wrong (`RuleFileInvalid`, with every located problem), a command the rules
refuse at run time (`CommandRefused`, with its blockers), and a request for something that does
not exist (`UnknownName`). Anything else is a bug and is left to surface as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.model.problems import Problem


class OrderflowError(Exception):
    """Base of the errors orderflow raises on purpose."""


class FileInvalid(OrderflowError):
    """A hand-written file has problems; `problems` lists every one of them, located."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{file} has {count} problem{'s' if count != 1 else ''}:\n{lines}")


class RuleFileInvalid(FileInvalid):
    """A rule file has problems."""


class UnknownName(OrderflowError):
    """A status, action or trigger that the rule set does not declare."""


class CommandRefused(OrderflowError):
    """A seller command the rules refuse; `blockers` says why, as data."""

    def __init__(self, action: str, blockers: Sequence[object]) -> None:
        self.action = action
        self.blockers = tuple(blockers)
        reasons = "; ".join(str(b) for b in self.blockers)
        super().__init__(f"action '{action}' is refused: {reasons}")
