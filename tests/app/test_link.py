"""The sidebar's filters live in the page's address: chosen, they are written there; an address
opens a session on them; one naming what the store's log lacks stops the page (fails closed).
On the two-marketplace store of tests/analytics/populations.py (`two_markets`)."""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from tests.app.test_pages import APP, metrics, start


def opened(**params: str | list[str]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(params)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_chosen_filters_are_written_to_the_address(two_markets: str) -> None:
    app = start()
    assert app.query_params == {}
    app.multiselect(key="filter:market").select("cdiscount").run()
    assert app.query_params == {"market": "cdiscount"}
    app.multiselect(key="filter:field:fulfilled_by_marketplace").select(False).run()
    app.number_input(key="filter:longer").set_value(2.5).run()
    assert app.query_params == {
        "market": "cdiscount",
        "field:fulfilled_by_marketplace": "false",
        "longer": "2.5",
    }
    app.switch_page("app_pages/flow.py").run()
    assert app.query_params["market"] == "cdiscount"  # the next page's address says it too


def test_an_address_opens_the_session_on_its_filters(two_markets: str) -> None:
    app = opened(**{"field:carrier": "LAPOSTE", "period": ["2026-03-02", "2026-03-03"]})
    assert app.multiselect(key="filter:field:carrier").value == ["LAPOSTE"]
    assert app.date_input(key="filter:period").value == (date(2026, 3, 2), date(2026, 3, 3))
    assert metrics(app)["Orders created"] == "1"  # G1, the one order with that carrier
    app.switch_page("app_pages/orders.py").run()
    assert app.dataframe[0].value["order_id"].tolist() == ["G1"]


def test_a_bool_field_in_the_address_is_read_back_as_a_bool(two_markets: str) -> None:
    app = opened(**{"field:fulfilled_by_marketplace": "false"})
    assert app.multiselect(key="filter:field:fulfilled_by_marketplace").value == [False]


def test_an_address_naming_what_the_log_lacks_shows_no_figure_and_says_why(
    two_markets: str,
) -> None:
    app = opened(market="fnac", colour="red", longer="-3", period=["2020-01-01", "2020-01-02"])
    assert app.metric.len == 0
    (error,) = app.error
    assert error.value.splitlines()[2:] == [
        "- `market`: 'fnac' is not a value the log holds",
        "- `colour`: no filter of the sidebar has this name",
        "- `longer`: -3 is not a number of hours (0 or more)",
        "- `period`: 2020-01-01 to 2020-01-02 is not within the log's 2026-03-02 to 2026-03-04",
    ]
    app.button(key="link:drop").click().run()
    assert not app.error
    assert metrics(app)["Orders created"] == "6"
    assert app.query_params == {}


def test_part_of_a_link_is_never_applied_alone(two_markets: str) -> None:
    app = opened(**{"field:carrier": "LAPOSTE", "stage": "nowhere"})
    assert app.metric.len == 0
    assert "`stage`: 'nowhere' is not a value the log holds" in app.error[0].value
    app.button(key="link:drop").click().run()
    assert app.multiselect(key="filter:field:carrier").value == []
