"""The store's fetch runs as the polls that narrow an inferred status's poll bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.store import FetchKind, FetchRun, RunStatus
from workspace.sources import poll_instants

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def run(
    ident: int, hour: int, status: RunStatus = RunStatus.OK, account: str | None = "a"
) -> FetchRun:
    end = T0 + timedelta(hours=hour)
    start = end - timedelta(hours=1)
    return FetchRun(
        ident, FetchKind.INCREMENTAL, start, end, end, end, status, 1, 1, 0, None, account=account
    )  # fmt: skip


def test_the_polls_are_the_window_ends_of_the_runs_that_finished() -> None:
    runs = [run(1, 1), run(2, 2, RunStatus.FAILED), run(3, 3)]
    assert poll_instants(runs) == [T0 + timedelta(hours=1), T0 + timedelta(hours=3)]


def test_several_accounts_give_no_polls() -> None:
    # A poll of one account says nothing of the other's orders, and events do not name theirs.
    assert poll_instants([run(1, 1, account="a"), run(2, 2, account="b")]) is None
    assert poll_instants([]) is None
