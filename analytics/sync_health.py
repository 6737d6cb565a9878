"""How the fetching goes: the runs, how far the committed data reaches, what failed.

The watermark of each kind of fetch is the end of the latest window whose run finished ok: the
data up to there is in the store (the scheduler plans its next window from the same rule).
Failed runs and runs that counted errors are listed with their message, the latest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

OK = "ok"
FAILED = "failed"


@dataclass(frozen=True)
class SyncHealth:
    watermarks: pd.DataFrame  # kind, watermark, last_run_at, runs, failed
    problems: pd.DataFrame  # failed runs and runs with errors, latest first
    counts: dict[str, int]  # runs per status


def sync_health(runs: pd.DataFrame) -> SyncHealth:
    """From the fetch runs frame (workspace.read_runs)."""
    ok = runs.loc[runs["status"] == OK]
    grouped = runs.groupby("kind")
    watermarks = pd.DataFrame(
        {
            "watermark": ok.groupby("kind")["window_to"].max(),
            "last_run_at": grouped["started_at"].max(),
            "runs": grouped.size(),
            "failed": grouped["status"].apply(lambda s: int((s == FAILED).sum())),
        }
    )
    watermarks.index.name = "kind"
    problems = runs.loc[(runs["status"] == FAILED) | (runs["errors"] > 0)]
    return SyncHealth(
        watermarks=watermarks.reset_index(),
        problems=problems.sort_values("started_at", ascending=False, ignore_index=True),
        counts={str(k): int(v) for k, v in runs["status"].value_counts().items()},
    )
