"""Where the app and the command line find their data: the rule files and the order store.

A rule book is every rule file of a directory, loaded and checked: the valid ones by marketplace
code (the event log names its marketplace, the rules say what its statuses mean), the broken
ones with their problems so the app can show them instead of failing. The readers turn the
store's records into the frames the analytics take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from analytics import attributes
from analytics.anomalies import anomaly_frame
from analytics.eventlog import prepare
from analytics.lines import mix_frame
from analytics.outbox_health import outbox_frame
from engine.model.definition import RuleSet
from engine.model.problems import Problem
from engine.rulefile.loader import check_file
from engine.store import FetchRun, RunStatus, Store
from workspace.rule_files import rule_files


@dataclass(frozen=True)
class RuleBook:
    rules: dict[str, RuleSet] = field(default_factory=dict)  # by marketplace code
    files: dict[str, Path] = field(default_factory=dict)  # marketplace code -> its file
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # file name -> problems

    def rule_sets(self) -> list[RuleSet]:
        return list(self.rules.values())


def load_rulebook(directory: Path) -> RuleBook:
    book = RuleBook()
    for path in rule_files(directory):
        rules, problems = check_file(path)
        if rules is None:
            book.problems[path.name] = problems
        elif rules.marketplace.code not in book.rules:
            book.rules[rules.marketplace.code] = rules
            book.files[rules.marketplace.code] = path
    return book


def read_log(store: Store, rules: Iterable[RuleSet]) -> pd.DataFrame:
    """The store's event log, prepared for analytics: stages from the rules, every enum and bool
    field the rules declare as a case attribute (`analytics.attributes`), and the polls of its
    fetch runs, which narrow the poll bounds of inferred statuses (`analytics.censoring`). The
    store reads the texts as the categoricals `prepare` keeps, from their distinct values."""
    rules = tuple(rules)
    frame = store.events_frame(fields=attributes.names(rules), categorical=True)
    return prepare(frame, rules, polls=poll_instants(store.fetch_runs(status=RunStatus.OK)))


def poll_instants(runs: Iterable[FetchRun]) -> list[datetime] | None:
    """When the finished fetch runs polled: each one's window end (every order updated before it
    and not since was fetched by then). None when they walked several accounts' windows: a poll
    of one account says nothing of another's orders, and the store's events do not name theirs."""
    done = [r for r in runs if r.status is RunStatus.OK]
    if not done or len({r.account for r in done}) > 1:
        return None
    return [r.window_to for r in done]


def read_anomalies(store: Store) -> pd.DataFrame:
    return anomaly_frame(store.anomalies())


def read_line_mixes(store: Store, log: pd.DataFrame) -> pd.DataFrame:
    """Each order with cart lines and how its lines disagree, numbered as in `log` (the store's
    prepared event log, `read_log`; see `analytics.lines.mix_frame`)."""
    return mix_frame(store.line_states(), log)


def read_outbox(store: Store) -> pd.DataFrame:
    return outbox_frame(store.outbox())


def read_runs(store: Store) -> pd.DataFrame:
    """Fetch runs, the latest first."""
    columns = ["id", "kind", "status", "window_from", "window_to", "started_at", "finished_at"]
    columns += ["pages", "orders", "errors", "error"]
    frame = pd.DataFrame([asdict(r) for r in store.fetch_runs()], columns=columns)
    frame[["kind", "status"]] = frame[["kind", "status"]].astype(str)
    return frame.sort_values("id", ascending=False, ignore_index=True)


def read_set_aside(store: Store) -> pd.DataFrame:
    """The orders fetch runs saw and stored nothing of, and why; the latest first."""
    columns = ["fetch_run", "marketplace", "order_id", "reason", "updated_at"]
    columns += ["stored_updated_at", "at", "id"]
    frame = pd.DataFrame([asdict(a) for a in store.set_aside()], columns=columns)
    frame["reason"] = frame["reason"].astype(str)
    frame = frame.sort_values("id", ascending=False, ignore_index=True)
    return frame.drop(columns="id").rename(columns={"fetch_run": "run", "order_id": "order"})


def read_quarantine(store: Store) -> pd.DataFrame:
    columns = ["id", "at", "marketplace", "order_id", "fetch_run", "reason"]
    frame = pd.DataFrame([asdict(q) for q in store.quarantined()])
    return frame.reindex(columns=columns).sort_values("at", ascending=False, ignore_index=True)
