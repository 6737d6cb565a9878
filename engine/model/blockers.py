"""The answer to "may this order do that now?", as values.

A seller command is either allowed, with the `ChannelCommand` to send and the status it should
lead to, or blocked by `Blocker`s: each has a stable `code` a program can branch on, a whole
sentence quoting the field or status for a person, and the `params` behind the sentence. So
"why can't this order ship?" is answered as data, for the app, the CLI and the simulator alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class BlockerCode(StrEnum):
    NOT_ALLOWED_AT_STATUS = "not_allowed_at_status"
    FINAL_STATUS = "final_status"
    NO_TRANSITION = "no_transition"
    CONDITION_FAILED = "condition_failed"
    FIELD_REQUIRED = "field_required"
    VALUE_NOT_ALLOWED = "value_not_allowed"
    # A requirement or a guard of the action reads a value its enum field does not list.
    VALUE_NOT_RECOGNISED = "value_not_recognised"
    # The command names cart lines and the marketplace takes no `line` for the action.
    LINES_NOT_TAKEN = "lines_not_taken"
    # The command names a cart line the order does not have.
    UNKNOWN_LINE = "unknown_line"


@dataclass(frozen=True)
class Blocker:
    code: BlockerCode
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ChannelCommand:
    """What goes to the channel: the marketplace's action type and its arguments as text."""

    action_type: str
    args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """One action checked against one order: allowed with its command, or blocked and why."""

    action: str
    allowed: bool
    blockers: tuple[Blocker, ...] = ()
    command: ChannelCommand | None = None
    expected_status: str | None = None
    # The cart lines the command acts on, each sent on its own; () for the whole order. A
    # command on lines expects no status: the order's follows what the marketplace reports.
    lines: tuple[str, ...] = ()
