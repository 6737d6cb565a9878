"""The sidebar's filters come from the rule files and apply to every page; the Overview draws a
funnel per rule file. On a store holding tests/analytics/populations.py (Cdiscount and Galeries
Lafayette orders, with their fields)."""

from __future__ import annotations

import pandas as pd

from tests.app.test_pages import metrics, start


def steps(app: object, index: int) -> pd.DataFrame:
    return app.dataframe[index].value  # type: ignore[attr-defined]


def test_the_overview_draws_a_funnel_per_rule_file(two_markets: str) -> None:
    app = start()
    labels = [t.label for t in app.tabs]
    assert labels == [
        "Cdiscount (cdiscount.yaml)",
        "Galeries Lafayette (galeries_lafayette.yaml)",
        "All marketplaces",
    ]
    cdiscount = steps(app, 0)
    assert cdiscount["stage"].tolist() == ["new", "waiting_shipment", "shipped"]
    assert cdiscount["reached"].tolist() == [4, 2, 2]
    galeries = steps(app, 2)
    assert galeries["stage"].tolist()[:3] == ["new", "waiting_acceptance", "accepted"]


def test_a_marketplace_filter_leaves_its_own_funnel_only(two_markets: str) -> None:
    app = start()
    app.multiselect(key="filter:market").select("cdiscount").run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.label for t in app.tabs] == []
    funnel = steps(app, 0)
    assert funnel["stage"].tolist() == ["new", "waiting_shipment", "shipped"]
    assert funnel["skipped"].tolist() == [0, 0, 0]


def test_a_field_of_the_second_rule_file_filters_every_page(two_markets: str) -> None:
    app = start()
    carrier = app.multiselect(key="filter:field:carrier")
    # The values the orders hold, with the rule file's labels; "Suivi" was put back to TRK.
    assert carrier.options == ["LAPOSTE · La Poste"]
    modes = app.multiselect(key="filter:field:delivery_mode").options
    assert modes == ["STD · Standard", "TRK · Tracked"]
    assert app.multiselect(key="filter:field:fulfilled_by_marketplace").options == ["yes", "no"]
    carrier.select("LAPOSTE").run()
    assert not app.exception, [e.value for e in app.exception]
    assert metrics(app)["Orders created"] == "1"  # G1
    app.switch_page("app_pages/flow.py").run()
    assert not app.exception, [e.value for e in app.exception]
    # The choice carried over, and the Flow page offers the one rule file left.
    assert app.multiselect(key="filter:field:carrier").value == ["LAPOSTE"]
    assert app.selectbox[0].options == ["Galeries Lafayette (galeries_lafayette.yaml)"]
    app.switch_page("app_pages/orders.py").run()
    assert app.dataframe[0].value["order_id"].tolist() == ["G1"]


def test_every_figure_says_which_orders_it_counts(two_markets: str) -> None:
    app = start()
    helps = {m.label: m.proto.help for m in app.metric}
    assert set(helps) == {
        "Orders created",
        "Orders shipped",
        "Orders lost",
        "Lost share",
        "Median to shipped",
        "Open orders",
    }
    assert all("Counted:" in text for text in helps.values())
    assert "Counted: 2 lost of 5 decided." in helps["Lost share"]
