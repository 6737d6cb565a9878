"""What one sync run did: the windows it fetched, the orders, events and anomalies it stored, what
it set aside, the outbox's sends, and why it failed, if it did; `summary` says it in one line
(what `orderflow sync` prints after each run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engine.sync.outbox_sender import OutboxReport
from engine.sync.scheduler import Window


@dataclass
class SyncReport:
    windows: list[Window] = field(default_factory=list)
    pages: int = 0
    orders: int = 0
    applied: int = 0
    unchanged: int = 0
    quarantined: int = 0
    anomalies: int = 0
    events: int = 0
    skipped_fulfilled: int = 0
    timer_events: int = 0
    walked_again: int = 0
    failed: str | None = None
    outbox: OutboxReport = field(default_factory=OutboxReport)
    notes: list[str] = field(default_factory=list)
    # Another sync held the window lease: who and until when, and when to ask again.
    skipped: list[str] = field(default_factory=list)
    held_until: datetime | None = None
    # Orders run under the version they are pinned to, not the file's, by "marketplace version";
    # and how many were pinned to a version that could not be run (the current file ran).
    older_rules: dict[str, int] = field(default_factory=dict)
    version_missing: int = 0

    def fail(self, reason: str) -> None:
        self.failed = f"{self.failed}; {reason}" if self.failed else reason

    def summary(self) -> str:
        spans = ", ".join(f"{w.kind} {_span(w.start, w.end)}" for w in self.windows)
        text = (
            f"{len(self.windows)} window(s){': ' + spans if spans else ''}; {self.pages} page(s), "
            f"{self.orders} order(s): {self.applied} changed, {self.unchanged} unchanged, "
            f"{self.events} event(s), {self.anomalies} anomaly(ies), "
            f"{self.quarantined} quarantined, {self.skipped_fulfilled} fulfilled skipped, "
            f"{self.timer_events} timer event(s); "
            f"{self.outbox.summary()}"
        )
        if self.walked_again:
            text += f"; {self.walked_again} window walk(s) repeated: the listing changed"
        text += _pinned_summary(self.older_rules, self.version_missing)
        text += "".join(f"; {skipped}" for skipped in self.skipped)
        return text + (f"; FAILED: {self.failed}" if self.failed else "")


def _span(start: datetime, end: datetime) -> str:
    """A window as `2026-11-28 10:01..10:16`, the end's day written when it is another one
    (`2026-11-27 10:01..2026-11-28 10:01`): a sweep's five days never read as fifteen minutes."""
    same_day = start.date() == end.date()
    return (
        f"{start:%Y-%m-%d %H:%M}..{end:%H:%M}"
        if same_day
        else f"{start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M}"
    )


def _pinned_summary(older: Mapping[str, int], missing: int) -> str:
    text = ""
    if older:
        by = ", ".join(f"{name}: {count}" for name, count in sorted(older.items()))
        text += (
            f"; {sum(older.values())} order(s) ran under the rules version they are pinned to, "
            f"not the file's ({by}): `orderflow migrate --db URL --to FILE` moves them"
        )
    if missing:
        text += (
            f"; {missing} order(s) pinned to a rules version the store cannot run ran under the "
            "current file (anomaly rules_version_missing)"
        )
    return text
