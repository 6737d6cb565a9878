"""An order's story: rule-field changes among its events in history order, and its cart lines
with their mix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.model.lines import LineState, OrderLine
from engine.store import StoredAnomaly, StoredEvent, StoredFieldChange
from workspace.order_story import line_table, lines_note, timeline

T0 = datetime(2026, 3, 2, 10, tzinfo=UTC)
MP = "cdiscount"
WFSA = "WaitingForSellerAcceptation"
ACC = "AcceptedBySeller"
ACCEPTED = OrderLine("L1", "AcceptedBySeller", "accepted", LineState.ACCEPTED, 2, "36.00")
REFUSED = OrderLine("L2", "RefusedBySeller", "refused", LineState.REFUSED, 1, "9.50")


def _event(seq: int, status: str, hours: float, inferred: bool = False) -> StoredEvent:
    before = None if seq == 1 else WFSA
    trigger = "create" if seq == 1 else "accept"
    at = T0 + timedelta(hours=hours)
    return StoredEvent(MP, "A1", seq, before, status, trigger, "seller", "fetch", inferred, at)


def _change(seq: int, field: str, old: object, new: object, hours: float) -> StoredFieldChange:
    return StoredFieldChange(MP, "A1", seq, field, old, new, T0 + timedelta(hours=hours))


def test_a_field_change_comes_after_the_events_before_it_and_before_the_next() -> None:
    events = [_event(1, WFSA, 0), _event(2, ACC, 2)]
    story = timeline(events, changes=[_change(1, "delivery_mode", "TRK", "MAG", 2)])
    assert story[["kind", "what"]].values.tolist() == [
        ["observed", WFSA],
        ["field change", "delivery_mode changed: TRK -> MAG"],
        ["observed", ACC],
    ]
    assert story["detail"][1] == "a newer snapshot reported 'delivery_mode' with another value"


def test_history_order_holds_when_the_change_is_dated_after_the_next_event() -> None:
    # The snapshot that reported the changes (at 13:00) also reported the acceptance, dated
    # 12:00: kept after event 1, the changes still come before event 2. An anomaly falls among
    # them by time: at 12:30, before the changes (13:00) that precede event 2.
    events = [_event(1, WFSA, 0), _event(2, ACC, 2)]
    changes = [
        _change(1, "delivery_mode", "TRK", "MAG", 3),
        _change(1, "address", None, "1 rue de la Paix", 3),
    ]
    at = T0 + timedelta(hours=2.5)
    anomaly = StoredAnomaly(1, MP, "A1", WFSA, "X", "unknown_status", "status 'X'", at)
    story = timeline(events, [anomaly], changes=changes)
    assert story["what"].tolist() == [
        WFSA,
        "X",
        "delivery_mode changed: TRK -> MAG",
        "address changed: (none) -> 1 rue de la Paix",
        ACC,
    ]
    times = ["10:00", "12:30", "13:00", "13:00", "12:00"]
    assert story["at"].dt.strftime("%H:%M").tolist() == times


def test_a_timeline_of_only_field_changes_or_of_nothing_keeps_its_columns() -> None:
    story = timeline([], changes=[_change(0, "delivery_mode", "TRK", "REG", 1)])
    assert story["what"].tolist() == ["delivery_mode changed: TRK -> REG"]
    assert timeline([]).columns.tolist() == ["at", "kind", "what", "detail"]


def test_lines_that_disagree_are_named_with_their_mix() -> None:
    assert lines_note([ACCEPTED, REFUSED]) == "Lines disagree: partial acceptance, partial refusal"
    assert lines_note([ACCEPTED, ACCEPTED]) is None
    assert lines_note([]) is None
    table = line_table([ACCEPTED, REFUSED, OrderLine("L3", None, None, LineState.UNKNOWN)])
    assert table.columns.tolist() == [
        "line",
        "marketplace status",
        "Lengow status",
        "state",
        "quantity",
        "amount",
    ]
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        ["L1", "AcceptedBySeller", "accepted", "accepted", 2, "36.00"],
        ["L2", "RefusedBySeller", "refused", "refused", 1, "9.50"],
        ["L3", None, None, "unknown", None, None],
    ]
