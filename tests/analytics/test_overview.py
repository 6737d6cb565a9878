"""The Overview's key figures and their trend, on a log whose answers are known by construction."""

from datetime import timedelta

import pandas as pd

from analytics.eventlog import prepare
from analytics.overview import overview
from analytics.selection import LogFilter, filter_log
from engine.rulefile.loader import load_rules
from tests.analytics.conftest import AS_OF, DAY0, raw_log


def figures(log: pd.DataFrame, **kwargs: object) -> dict[str, tuple[object, object]]:
    view = overview(log, AS_OF, days=2, trend_days=5, **kwargs)  # type: ignore[arg-type]
    return {f.label: (f.value, f.previous) for f in view.figures}


def test_key_figures_and_previous_period(log: pd.DataFrame) -> None:
    # The period is day 1 12:00 .. day 3 12:00; the previous one the two days before.
    got = figures(log)
    assert got["Orders created"] == (4, 4)
    assert got["Orders shipped"] == (2, 0)
    assert got["Orders lost"] == (3, 1)
    assert got["Lost share"] == (60.0, 100.0)
    assert got["Median to shipped"] == (28.0, None)
    assert got["Open orders"] == (2, 3)


def test_open_orders_from_the_rules_final_statuses(log: pd.DataFrame) -> None:
    finals = load_rules("rules/cdiscount.yaml").final_statuses
    assert figures(log, finals=finals)["Open orders"] == (2, 3)


def test_daily_trend(log: pd.DataFrame) -> None:
    trend = overview(log, AS_OF, days=2, trend_days=5).trend
    assert [str(d.date()) for d in trend["day"]] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
    ]
    assert trend["created"].tolist() == [0, 2, 3, 2, 1]
    assert trend["shipped"].tolist() == [0, 0, 1, 1, 0]
    assert trend["lost"].tolist() == [0, 1, 0, 1, 2]


def test_overview_carries_the_funnel(log: pd.DataFrame) -> None:
    view = overview(log, AS_OF)
    assert view.funnel.orders == 8
    assert str(view.as_of) == "2026-03-05 12:00:00+00:00"


def test_as_of_defaults_to_the_latest_event(log: pd.DataFrame) -> None:
    assert str(overview(log).as_of) == "2026-03-05 09:00:00+00:00"


def test_an_order_back_from_a_withdrawn_cancellation_request_is_not_lost() -> None:
    # O9 waits for shipment on day 2, its customer asks to cancel (a 'canceled' stage status),
    # withdraws the request, and the order ships on day 3: shipped, never lost.
    day2 = DAY0 + timedelta(days=2)
    rows = [
        (1, None, "WaitingForShipmentAcceptation", "create", 6, "waiting_shipment"),
        (2, "WaitingForShipmentAcceptation", "CancellationRequestPending", "request_cancellation",
         10, "canceled"),
        (3, "CancellationRequestPending", "WaitingForShipmentAcceptation", "withdraw_cancellation",
         16, "waiting_shipment"),
        (4, "WaitingForShipmentAcceptation", "ShippedBySeller", "ship", 26, "shipped"),
    ]  # fmt: skip
    o9 = pd.DataFrame(
        {
            "marketplace": "cdiscount",
            "order_id": "O9",
            "seq": seq,
            "from_status": source,
            "to_status": target,
            "trigger": trigger,
            "actor": "customer",
            "source": "fetch",
            "inferred": False,
            "at": day2 + timedelta(hours=hour),
            "stage": stage,
            "delivery_mode": "STD",
        }
        for seq, source, target, trigger, hour, stage in rows
    )
    log = prepare(pd.concat([raw_log(), o9], ignore_index=True), fields=["delivery_mode"])
    got = figures(log)
    assert got["Orders created"] == (5, 4)
    assert got["Orders shipped"] == (3, 0)
    assert got["Orders lost"] == (3, 1)
    assert got["Lost share"] == (50.0, 100.0)
    # Standard delivery only (O1, O4, O5 out): lost O3, O6, O8 and before them O2; shipped O9.
    standard = figures(filter_log(log, LogFilter(fields=(("delivery_mode", ("STD",)),))))
    assert (standard["Orders lost"], standard["Orders shipped"]) == ((3, 1), (1, 0))
