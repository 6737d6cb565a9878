"""Fetch runs, watermarks and quarantine: how far the fetcher got, and what it could not read."""

from __future__ import annotations

import pytest

from engine.store import FetchKind, QuarantineEntry, RunStatus, SetAside, SetAsideReason, Store
from engine.store.fetch_log import INTERRUPTED
from tests.store.changes import MP, at, new_order


def test_a_watermark_advances_only_with_its_data(store: Store) -> None:
    with pytest.raises(ConnectionError), store.transaction() as tx:
        tx.apply([new_order("A1")])
        tx.advance_watermark("cdiscount:incremental", at(15))
        raise ConnectionError("connection reset in the middle of the page")
    assert store.watermark("cdiscount:incremental") is None
    assert store.count_orders() == 0

    with store.transaction() as tx:
        tx.apply([new_order("A1")])
        assert tx.advance_watermark("cdiscount:incremental", at(15)) == at(15)
        assert tx.watermark("cdiscount:incremental") == at(15)
    assert store.watermark("cdiscount:incremental") == at(15)
    assert store.count_orders() == 1


def test_apply_with_a_watermark_commits_both(store: Store) -> None:
    store.apply([new_order("A1")], watermark=("w", at(30)))
    assert (store.watermark("w"), store.count_orders()) == (at(30), 1)


def test_a_watermark_never_moves_back(store: Store) -> None:
    store.apply([], watermark=("w", at(30)))
    with store.transaction() as tx:
        assert tx.advance_watermark("w", at(10)) == at(30)
    assert store.watermark("w") == at(30)
    store.apply([], watermark=("w", at(45)))
    assert store.watermark("w") == at(45)
    assert store.watermark("other") is None


def test_a_fetch_run_is_counted_page_by_page_and_closed(store: Store) -> None:
    run = store.start_run(FetchKind.SWEEP, at(-7200), at(0), at(1))
    [running] = store.fetch_runs()
    assert (running.id, running.status, running.finished_at, running.pages) == (
        run,
        RunStatus.RUNNING,
        None,
        0,
    )
    for page in range(3):
        with store.transaction() as tx:
            tx.apply([new_order(f"P{page}")])
            tx.count_run(run, pages=1, orders=1, errors=page % 2)
    store.finish_run(run, RunStatus.OK, at(2))
    [done] = store.fetch_runs()
    assert (done.kind, done.window_from, done.window_to, done.started_at) == (
        FetchKind.SWEEP,
        at(-7200),
        at(0),
        at(1),
    )
    assert (done.status, done.finished_at, done.pages, done.orders, done.errors, done.error) == (
        RunStatus.OK,
        at(2),
        3,
        3,
        1,
        None,
    )


def test_runs_filter_by_kind_and_status_and_a_failure_keeps_its_reason(store: Store) -> None:
    first = store.start_run(FetchKind.SWEEP, at(0), at(10), at(10))
    store.finish_run(first, RunStatus.OK, at(11))
    second = store.start_run(FetchKind.INCREMENTAL, at(10), at(25), at(25))
    store.finish_run(second, RunStatus.FAILED, at(26), "HTTP 503 after 5 attempts")
    assert [r.id for r in store.fetch_runs(kind=FetchKind.INCREMENTAL)] == [second]
    assert [r.id for r in store.fetch_runs(status=RunStatus.OK)] == [first]
    assert store.fetch_runs(status=RunStatus.FAILED)[0].error == "HTTP 503 after 5 attempts"


def test_runs_left_running_by_a_killed_process_are_closed_as_interrupted(store: Store) -> None:
    done = store.start_run(FetchKind.INCREMENTAL, at(0), at(15), at(15))
    store.finish_run(done, RunStatus.OK, at(16))
    killed = store.start_run(FetchKind.INCREMENTAL, at(15), at(30), at(30))
    assert store.close_interrupted(at(40)) == 1
    closed = store.fetch_runs()[-1]
    assert (closed.id, closed.status, closed.finished_at, closed.error) == (
        killed,
        RunStatus.FAILED,
        at(40),
        INTERRUPTED,
    )
    assert store.fetch_runs()[0].status is RunStatus.OK


def test_quarantine_keeps_the_raw_input_and_the_reason(store: Store) -> None:
    run = store.start_run(FetchKind.INCREMENTAL, at(0), at(15), at(15))
    unreadable = {"marketplace": "cdiscount", "marketplace_order_id": "Q1", "packages": "??"}
    entries = [
        QuarantineEntry("packages is not a list", unreadable, at(15), MP, "Q1", run),
        QuarantineEntry("no rule file for marketplace 'amazon_fr'", {"x": [1, 2]}, at(16)),
        QuarantineEntry("the page is not JSON", "<html>502 Bad Gateway</html>", at(17)),
    ]
    with store.transaction() as tx:
        tx.quarantine(entries)
    kept = store.quarantined()
    assert kept == entries
    assert [e.raw for e in kept] == [unreadable, {"x": [1, 2]}, "<html>502 Bad Gateway</html>"]
    assert [e.reason for e in store.quarantined(fetch_run=run)] == ["packages is not a list"]
    assert [e.id for e in kept] == sorted(e.id for e in kept if e.id is not None)


def test_quarantine_keeps_text_no_database_can_store_as_its_escape(store: Store) -> None:
    # JSON may carry a lone surrogate ("\ud800"); it must not fail the page that quarantines it.
    raw = {"marketplace_order_id": "Q\ud800", "lines": ["ok", "\udfff!", "nul\x00"]}
    entry = QuarantineEntry("an order id holds a lone surrogate", raw, at(15), MP, "Q\ud800")
    store.quarantine([entry])
    (kept,) = store.quarantined()
    assert kept.order_id == "Q\\ud800"
    assert kept.raw == {
        "marketplace_order_id": "Q\\ud800",
        "lines": ["ok", "\\udfff!", "nul\\u0000"],
    }


def test_the_same_quarantined_input_is_kept_once(store: Store) -> None:
    run = store.start_run(FetchKind.INCREMENTAL, at(0), at(15), at(15))
    raw = {"marketplace": "cdiscount", "marketplace_order_id": "Q1", "packages": "??"}
    entry = QuarantineEntry("packages is not a list", raw, at(15), MP, "Q1", run)
    assert store.quarantine([entry, entry]) == 1
    later = store.start_run(FetchKind.INCREMENTAL, at(15), at(30), at(30))
    assert (
        store.quarantine([QuarantineEntry(entry.reason, dict(raw), at(30), MP, "Q1", later)]) == 0
    )
    other = QuarantineEntry("another reason", raw, at(30), MP, "Q1", later)
    assert store.quarantine([other]) == 1
    assert [(e.reason, e.fetch_run) for e in store.quarantined()] == [
        ("packages is not a list", run),
        ("another reason", later),
    ]


def test_set_aside_orders_are_read_back_by_run_and_reason(store: Store) -> None:
    first = store.start_run(FetchKind.INCREMENTAL, at(0), at(15), at(15))
    second = store.start_run(FetchKind.SWEEP, at(0), at(30), at(30))
    aside = [
        SetAside(first, MP, "A", SetAsideReason.STALE, at(1), at(15), at(5)),
        SetAside(first, MP, "B", SetAsideReason.FULFILLED_NOT_IMPORTED, at(2), at(15)),
        SetAside(second, MP, "A", SetAsideReason.UNCHANGED, at(5), at(30), at(5)),
    ]
    with store.transaction() as tx:
        tx.record_set_aside(aside)
    assert store.set_aside() == aside
    assert store.set_aside(run_id=first) == aside[:2]
    assert store.set_aside(reason=SetAsideReason.UNCHANGED) == aside[2:]
    assert store.set_aside(run_id=second, reason=SetAsideReason.STALE) == []
    assert all(a.id is not None for a in store.set_aside())


def test_a_new_run_prunes_what_runs_started_two_weeks_before_it_set_aside(store: Store) -> None:
    old = store.start_run(FetchKind.INCREMENTAL, at(0), at(15), at(15))
    recent = store.start_run(FetchKind.INCREMENTAL, at(15), at(30), at(30))
    store.record_set_aside(
        [
            SetAside(old, MP, "A", SetAsideReason.UNCHANGED, at(5), at(15), at(5)),
            SetAside(recent, MP, "A", SetAsideReason.UNCHANGED, at(5), at(30), at(5)),
        ]
    )
    # 14 days after the old run started, to the minute: both are kept.
    store.start_run(FetchKind.INCREMENTAL, at(30), at(45), at(15 + 14 * 24 * 60))
    assert [s.fetch_run for s in store.set_aside()] == [old, recent]
    store.start_run(FetchKind.INCREMENTAL, at(45), at(60), at(16 + 14 * 24 * 60))
    assert [s.fetch_run for s in store.set_aside()] == [recent]
    # The runs themselves stay: only their trace of set-aside orders goes.
    assert len(store.fetch_runs()) == 4
