"""The bulk path and the machine give the same statuses, events, anomalies and blockers.

For every rule file in rules/, random orders (random status, random fields) and random event
sequences run once through the `transitions` machine (`Runtime`) and once through the bulk path
(`BulkTable` arrays and `TableRuntime` rows, both compiled from the machine's table).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.errors import CommandRefused
from engine.model.events import Event, Source
from engine.model.outcome import Outcome
from engine.runtime.bulk import BulkTable, OrderColumns
from engine.runtime.table import TableRuntime
from tests.runtime.conftest import AT, RULE_FILES, rules_of, runtime_of
from tests.runtime.strategies import arrivals_of, codes_of, currents_of, fields_of

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
FILES = pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])


def table_runtime(path: Path) -> TableRuntime:
    runtime = runtime_of(path)
    return TableRuntime(runtime.rules, runtime.machine)


@FILES
def test_trigger_sequences(path: Path) -> None:
    rules, runtime = rules_of(path), runtime_of(path)
    bulk = BulkTable(runtime)
    order = st.tuples(
        currents_of(rules),
        fields_of(rules),
        st.lists(st.sampled_from(runtime.table.triggers), max_size=6),
    )

    @SETTINGS
    @given(st.lists(order, min_size=1, max_size=12))
    def check(orders: list[tuple[str | None, dict[str, object], list[str]]]) -> None:
        ids = [f"o{i}" for i in range(len(orders))]
        width = max(len(seq) for _, _, seq in orders) or 1
        times = [[AT + timedelta(minutes=k) for k in range(width)] for _ in orders]
        matrix = bulk.trigger_matrix([seq for _, _, seq in orders])
        initial = [status for status, _, _ in orders]
        result = bulk.run(
            bulk.encode_statuses(initial), bulk.signatures([f for _, f, _ in orders]), matrix
        )
        got = bulk.outcomes(result, ids, initial, times)
        for i, (status, fields, seq) in enumerate(orders):
            events, anomalies = [], []
            for k, trigger in enumerate(seq):
                outcome = runtime.trigger(ids[i], status, trigger, fields, times[i][k])
                status = outcome.status
                events.extend(outcome.events)
                anomalies.extend(outcome.anomalies)
            assert got[i] == Outcome(status, tuple(events), tuple(anomalies))

    check()


@FILES
def test_observations(path: Path) -> None:
    rules, runtime, table = rules_of(path), runtime_of(path), table_runtime(path)
    row = st.tuples(currents_of(rules), codes_of(rules), arrivals_of(rules))

    @SETTINGS
    @given(st.lists(row, min_size=1, max_size=20))
    def check(rows: list[tuple[str | None, str, dict[str, object]]]) -> None:
        ids = [f"o{i}" for i in range(len(rows))]
        got = table.observe_batch(
            ids, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], AT
        )
        expected = [
            runtime.observe(i, c, code, f, AT) for i, (c, code, f) in zip(ids, rows, strict=True)
        ]
        assert got == expected

    check()


@FILES
def test_commands(path: Path) -> None:
    rules, runtime, table = rules_of(path), runtime_of(path), table_runtime(path)
    names = [a.name for a in rules.actions]
    row = st.tuples(
        st.sampled_from([s.name for s in rules.statuses]), st.sampled_from(names), fields_of(rules)
    )

    @SETTINGS
    @given(st.lists(row, min_size=1, max_size=20))
    def check(rows: list[tuple[str, str, dict[str, object]]]) -> None:
        decisions = table.command_batch(
            [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        )
        assert decisions == [runtime.command("o", c, a, f, AT) for c, a, f in rows]
        for current, action, fields in rows:
            assert applied(table, current, action, fields) == applied(
                runtime, current, action, fields
            )

    check()


def applied(runtime: object, current: str, action: str, fields: dict[str, object]) -> object:
    try:
        return runtime.apply_command("o", current, action, fields, AT)  # type: ignore[attr-defined]
    except CommandRefused as refused:
        return refused.blockers


@FILES
def test_timers(path: Path) -> None:
    rules, runtime, table = rules_of(path), runtime_of(path), table_runtime(path)
    bulk = BulkTable(runtime)
    longest = max((t.after_seconds for t in rules.timers), default=3600)
    row = st.tuples(
        st.sampled_from([s.name for s in rules.statuses]),
        st.integers(0, 2 * longest),
        fields_of(rules),
    )

    @SETTINGS
    @given(st.lists(row, min_size=1, max_size=20))
    def check(rows: list[tuple[str, int, dict[str, object]]]) -> None:
        ids = [f"o{i}" for i in range(len(rows))]
        entered = [AT - timedelta(seconds=age) for _, age, _ in rows]
        statuses = [r[0] for r in rows]
        got = table.fire_due_batch(ids, statuses, entered, AT, [r[2] for r in rows])
        expected = [
            runtime.fire_due(i, s, e, AT, r[2])
            for i, s, e, r in zip(ids, statuses, entered, rows, strict=True)
        ]
        assert got == expected
        columns = OrderColumns(
            ids, bulk.encode_statuses(statuses),
            np.array([int(e.timestamp()) for e in entered], dtype=np.int64),
            bulk.signatures([r[2] for r in rows]),
        )  # fmt: skip
        due = [i for i, s in enumerate(statuses) if is_due(runtime.deadline(s, entered[i]))]
        assert bulk.due(columns, AT).tolist() == due

    check()


def is_due(deadline: tuple[object, datetime] | None) -> bool:
    return deadline is not None and deadline[1] <= AT


def test_trigger_matrix_pads_shorter_sequences() -> None:
    bulk = BulkTable(runtime_of(RULE_FILES[0]))
    first, second = bulk.triggers[:2]
    matrix = bulk.trigger_matrix([[first, second], [], [second]])
    code = bulk.trigger_code
    assert matrix.tolist() == [[code[first], code[second]], [-1, -1], [code[second], -1]]


def test_run_on_no_orders_gives_empty_columns() -> None:
    bulk = BulkTable(runtime_of(RULE_FILES[0]))
    result = bulk.run(bulk.encode_statuses([]), bulk.signatures([]), bulk.trigger_matrix([]))
    assert result.statuses.tolist() == []
    assert {name: column.tolist() for name, column in result.events.items()} == {
        "order": [], "step": [], "source": [], "dest": [], "trigger": [], "actor": [],
        "deviation": [],
    }  # fmt: skip
    assert result.refusals["order"].tolist() == []


def test_run_groups_large_signatures_as_small_ones() -> None:
    """A signature far above the order count is grouped by sorting instead of counting."""
    runtime = runtime_of(RULE_FILES[0])
    bulk = BulkTable(runtime)
    fields = [{"delivery_mode": "MAG"}, {"delivery_mode": "TRK"}, {}]
    small = bulk.signatures(fields)
    large = small | np.uint32(1 << 30)  # a bit no guard reads
    statuses = bulk.encode_statuses([runtime.rules.initial_statuses[0], None, "Gone"])
    matrix = bulk.trigger_matrix([list(runtime.table.triggers)] * 3)
    first, second = bulk.run(statuses, small, matrix), bulk.run(statuses, large, matrix)
    assert first.statuses.tolist() == second.statuses.tolist()
    assert first.statuses.tolist()[1:] == [-1, -1]
    for name in ("order", "step", "dest", "actor"):
        assert first.events[name].tolist() == second.events[name].tolist()
    assert first.refusals["kind"].tolist() == second.refusals["kind"].tolist()


@FILES
def test_observations_in_bulk_take_the_reported_status(path: Path) -> None:
    """A row's path (the observation's triggers) then its reported status: `Runtime.observe`.

    Where the runtime finds no path it moves the order by one deviation; the arrays, given the
    reported status, add the same event after the path (empty then) in the `deviation` column.
    A new order starts where the runtime created it (as the simulator's engine view does): an
    initial status, or where an order fulfilled by the marketplace arrives; the arrays move it
    on from there. The arrays refuse a guard of unknown truth, which a reported path may cross:
    rows with a value their field does not list are the runtime's alone.
    """
    rules, runtime = rules_of(path), runtime_of(path)
    bulk = BulkTable(runtime)
    names = [s.name for s in rules.statuses]
    current = st.one_of(st.none(), st.sampled_from(names))
    row = st.tuples(current, st.sampled_from(names), arrivals_of(rules)).filter(
        lambda r: not rules.unlisted(r[2])
    )

    @SETTINGS
    @given(st.lists(row, min_size=1, max_size=20))
    def check(rows: list[tuple[str | None, str, dict[str, object]]]) -> None:
        ids = [f"o{i}" for i in range(len(rows))]
        expected = [runtime.observe(i, c, r, f, AT) for i, (c, r, f) in zip(ids, rows, strict=True)]
        created = [created_at(o) for o in expected]
        starts = [
            c if new is None else new.to_status
            for (c, _, _), new in zip(rows, created, strict=True)
        ]
        paths = [
            [e.trigger for e in o.events if not e.deviation and e.from_status is not None]
            for o in expected
        ]
        result = bulk.run(
            bulk.encode_statuses(starts),
            bulk.signatures([f for _, _, f in rows]),
            bulk.trigger_matrix(paths),
            bulk.encode_statuses([r for _, r, _ in rows]),
        )
        got = bulk.outcomes(result, ids, starts, AT, Source.FETCH)
        # The arrays know steps, not observations: the inferred flags are the caller's to set.
        assert [(o.status, o.events) for o in got] == [
            (o.status, tuple(replace(e, inferred=False) for e in o.events if e is not new))
            for o, new in zip(expected, created, strict=True)
        ]
        deviated = result.events["deviation"].astype(bool)
        assert sorted(result.events["order"][deviated].tolist()) == [
            i for i, o in enumerate(expected) if any(e.deviation for e in o.events)
        ]

    check()


def created_at(outcome: Outcome) -> Event | None:
    """The event that created a new order at a status the rules declare (not a deviation)."""
    first = outcome.events[0] if outcome.events else None
    return (
        first if first is not None and first.from_status is None and not first.deviation else None
    )
