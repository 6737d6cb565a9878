"""Order JSON to snapshots on every Lengow sample of samples/; unreadable orders are quarantined."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from engine.channels.order_mapping import OrderMapper, Quarantined
from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.events import AnomalyKind
from engine.model.lines import LineState, OrderLine
from engine.model.snapshot import OrderSnapshot
from engine.rulefile.field_paths import PathSyntaxError
from engine.rulefile.loader import load_rules, load_rules_text
from engine.runtime.runtime import Runtime
from tests.channels.conftest import GALERIES_RULES, REPO, sample


def results(name: str) -> list[object]:
    page = sample(name)
    assert isinstance(page["results"], list)
    return page["results"]


def only_snapshot(mapped: object) -> OrderSnapshot:
    assert isinstance(mapped, OrderSnapshot), mapped
    return mapped


def test_import_orders_page_maps_four_orders(galeries_rules: RuleSet) -> None:
    mapped = OrderMapper(galeries_rules).map_page(results("import_orders.json"))
    snapshots = [only_snapshot(m) for m in mapped]
    assert [(s.order_id, s.status_code) for s in snapshots] == [
        ("1300435653830-A", "STAGING"),
        ("1300435653831-A", "WAITING_DEBIT_PAYMENT"),
        ("1300435653832-A", "SHIPPED"),
        ("1300435653833-A", "CANCELED"),
    ]
    first = snapshots[0]
    assert first.marketplace == "galeries_lafayette"
    assert first.updated_at == datetime(2015, 11, 25, 14, 9, 23, 449078, tzinfo=UTC)
    assert first.ordered_at is None
    assert first.fields == {
        "carrier": None,
        "tracking_number": None,
        "relay_id": None,
        "fulfilled_by_marketplace": False,
        "total_order": 229.0,
        "shipping": None,
        "processing_fee": None,
        "first_line_status": "SHIPPED",
        "line_created_at": "2015-11-17T10:02:49+00:00",
    }
    assert first.raw["comments"] is None


def test_flag_in_the_trackings_of_older_data(galeries_rules: RuleSet) -> None:
    (order,) = results("check_shipped_mp.json")
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(order))
    assert snapshot.status_code == "SHIPPED"
    assert snapshot.fields["fulfilled_by_marketplace"] is True
    assert snapshot.fields["carrier"] == "LAPOSTE"
    assert snapshot.fields["tracking_number"] == "8V4564654654"
    assert snapshot.fields["relay_id"] == "15632"


def test_flag_in_order_types_of_current_data(galeries_rules: RuleSet) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    current = copy.deepcopy(order)
    current["order_types"] = [
        {"type": "is_express", "label": "Express"},
        {"type": "is_delivered_by_marketplace", "label": "Fulfilled by marketplace"},
    ]
    current["packages"][0]["delivery"]["trackings"][0].pop("is_delivered_by_marketplace")
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(current))
    assert snapshot.fields["fulfilled_by_marketplace"] is True
    current["order_types"] = [{"type": "is_express", "label": "Express"}]
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(current))
    assert snapshot.fields["fulfilled_by_marketplace"] is False


def test_amounts_as_strings_and_an_order_date(galeries_rules: RuleSet) -> None:
    (order,) = results("order_amount.json")
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(order))
    assert snapshot.ordered_at == datetime(2015, 11, 23, 17, 8, 0, 98728, tzinfo=UTC)
    assert snapshot.fields["total_order"] == 26.5
    assert snapshot.fields["shipping"] == 5.0
    assert snapshot.fields["processing_fee"] == 3.5
    assert snapshot.fields["first_line_status"] is None  # the line's status is null
    assert snapshot.fields["fulfilled_by_marketplace"] is False
    assert snapshot.fields["relay_id"] is None


def test_blank_dates_read_as_no_date_like_blank_amounts(galeries_rules: RuleSet) -> None:
    # A blank amount was already no amount; a blank date quarantined the whole order.
    (order,) = results("order_amount.json")
    assert isinstance(order, dict)
    changed = broken(order, marketplace_order_date=" ", total_order="")
    changed["packages"][0]["cart"][0]["created_at"] = ""
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(changed))
    assert snapshot.ordered_at is None
    assert snapshot.fields["line_created_at"] is None
    assert snapshot.fields["total_order"] is None


def test_amounts_as_numbers_in_the_2024_shape(zalando_rules: RuleSet) -> None:
    # samples/zalando_orders_page.json: total_order is a number there, total_tax a text.
    (order,) = results("zalando_orders_page.json")
    snapshot = only_snapshot(OrderMapper(zalando_rules).map(order))
    assert snapshot.marketplace == "zalando"
    assert snapshot.order_id == "ZF-2410-0385"
    assert snapshot.status_code == "approved"
    assert snapshot.ordered_at == datetime(2024, 10, 3, 14, 27, 51, tzinfo=UTC)
    assert snapshot.updated_at == datetime(2024, 10, 4, 6, 15, 30, tzinfo=UTC)
    assert snapshot.fields == {
        "fulfilled_by_marketplace": False,  # its only order type is is_express
        "total_order": 89.9,
        "total_tax": 14.98,
        "currency": "EUR",
    }
    # Two cart lines, read as the file lists them; `approved` is no line code of the file, so
    # Lengow's normalised status decides.
    assert snapshot.lines == (
        OrderLine(
            "ZF-2410-0385-1", "approved", "waiting_acceptance", LineState.WAITING, 1, "59.95"
        ),
        OrderLine(
            "ZF-2410-0385-2", "approved", "waiting_acceptance", LineState.WAITING, 2, "12.50"
        ),
    )


def test_cart_lines_are_read_leniently_and_never_quarantine_their_order(
    cdiscount_rules: RuleSet,
) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    order = copy.deepcopy(order)
    order["marketplace"] = "cdiscount"
    (line,) = order["packages"][0]["cart"]
    order["packages"][0]["cart"] = [
        {**line, "marketplace_status": "RefusedBySeller", "lengow_status": None, "amount": 9.5},
        {**line, "marketplace_status": "Lost", "lengow_status": "nonsense", "quantity": "x"},
        {"id": 7, "marketplace_status": None, "lengow_status": "partial_refunded", "quantity": "3"},
        "not a line",
        {"lengow_status": "shipped"},
    ]
    snapshot = only_snapshot(OrderMapper(cdiscount_rules).map(order))
    assert snapshot.lines == (
        # The rule file's line code first, whatever Lengow says.
        OrderLine("1300435653833-A-1", "RefusedBySeller", None, LineState.REFUSED, 1, "9.5"),
        # A repeated id and an unknown code: named by place, state unknown, quantity unknown.
        OrderLine("#2", "Lost", "nonsense", LineState.UNKNOWN, None, "229.00"),
        OrderLine("7", None, "partial_refunded", LineState.REFUNDED, 3, None),
        OrderLine("#4", None, "shipped", LineState.SHIPPED, None, None),
    )


def test_cdiscount_rules_read_an_order_of_their_marketplace(cdiscount_rules: RuleSet) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    order = copy.deepcopy(order)
    order.update(marketplace="cdiscount", marketplace_status="WaitingForShipmentAcceptation")
    delivery = order["packages"][0]["delivery"]
    delivery["shipping_method"] = "Suivi"
    delivery["trackings"][0]["carrier"] = "Chronopost"
    snapshot = only_snapshot(OrderMapper(cdiscount_rules).map(order))
    assert snapshot.fields == {
        "delivery_mode": "TRK",
        "carrier": "13",
        "tracking_number": "8V4564654654",
        "tracking_url": None,
        "fulfilled_by_marketplace": True,
    }


def test_an_unknown_enum_spelling_is_kept_as_received(cdiscount_rules: RuleSet) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    order = dict(order, marketplace="cdiscount")
    snapshot = only_snapshot(OrderMapper(cdiscount_rules).map(order))
    assert snapshot.fields["carrier"] == "LAPOSTE"
    assert snapshot.fields["delivery_mode"] == "delivery"  # the fallback path: delivery.type


CDISCOUNT_MODES = "'STD', 'TRK', 'REG', 'EXP', 'LV1', 'LV2', 'LV3', 'REL', 'RCO', 'SO1', 'MAG'"


def test_an_unlisted_delivery_mode_keeps_the_order_and_is_reported_once(
    cdiscount_rules: RuleSet,
) -> None:
    """`Sivi` (a misspelt `Suivi`) is no spelling of the rule file: the order is mapped all the
    same, and observing it reports the field, the value and the listed values, once."""
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    order = copy.deepcopy(order)
    order.update(marketplace="cdiscount", marketplace_status="WaitingForShipmentAcceptation")
    delivery = order["packages"][0]["delivery"]
    delivery["shipping_method"] = " Sivi "
    delivery["trackings"][0]["carrier"] = "Chronopost"
    snapshot = only_snapshot(OrderMapper(cdiscount_rules).map(order))
    assert snapshot.fields["delivery_mode"] == "Sivi"
    runtime = Runtime(cdiscount_rules)
    at = snapshot.updated_at
    first = runtime.observe("S1", None, snapshot.status_code, snapshot.fields, at)
    assert first.status == "WaitingForShipmentAcceptation"
    (anomaly, *others) = first.anomalies
    assert others == []
    assert (anomaly.kind, anomaly.reported, anomaly.from_status) == (
        AnomalyKind.UNLISTED_VALUE, "delivery_mode=Sivi", None,
    )  # fmt: skip
    assert anomaly.message == (
        "field 'delivery_mode' has value 'Sivi', which none of its values or aliases lists; "
        f"its values are {CDISCOUNT_MODES}; add 'Sivi' as an alias of one of them in "
        f"{cdiscount_rules.source}"
    )
    # The next fetch of the same value reports nothing new; another unlisted value is news.
    again = runtime.observe(
        "S1", first.status, "WaitingForShipmentAcceptation", snapshot.fields, at,
        previous=snapshot.fields,
    )  # fmt: skip
    assert again.anomalies == ()
    other = {**snapshot.fields, "delivery_mode": "Sui"}
    news = runtime.observe(
        "S1", first.status, "WaitingForShipmentAcceptation", other, at, previous=snapshot.fields
    )
    assert [a.reported for a in news.anomalies] == ["delivery_mode=Sui"]


def test_orders_of_several_marketplaces_each_under_its_rules(
    galeries_rules: RuleSet, zalando_rules: RuleSet
) -> None:
    mapper = OrderMapper([galeries_rules, zalando_rules])
    pages = results("zalando_orders_page.json") + results("check_shipped_mp.json")
    snapshots = [only_snapshot(m) for m in mapper.map_page(pages)]
    assert [(s.marketplace, sorted(s.fields)[:2]) for s in snapshots] == [
        ("zalando", ["currency", "fulfilled_by_marketplace"]),
        ("galeries_lafayette", ["carrier", "first_line_status"]),
    ]


def broken(order: dict[str, object], **changes: object) -> dict[str, object]:
    copied = copy.deepcopy(order)
    for key, value in changes.items():
        if value is ...:
            copied.pop(key)
        else:
            copied[key] = value
    return copied


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"marketplace_order_id": ...}, "'marketplace_order_id' is missing"),
        ({"marketplace_order_id": "  "}, "'marketplace_order_id' is empty"),
        ({"marketplace_order_id": ["x"]}, "'marketplace_order_id' is not a text"),
        (
            {"marketplace_order_id": "A\ud800"},
            "'marketplace_order_id': 'A\\ud800' is not valid Unicode text",
        ),
        (
            {"marketplace_status": "\udcffShipped"},
            "'marketplace_status': '\\udcffShipped' is not valid Unicode text",
        ),
        ({"marketplace": ...}, "'marketplace' is missing"),
        (
            {"marketplace": "fnac"},
            "no rule file for marketplace 'fnac' (loaded: galeries_lafayette)",
        ),
        ({"updated_at": ...}, "'updated_at' is missing"),
        ({"updated_at": "yesterday"}, "'updated_at': 'yesterday' is not an ISO 8601 date"),
        ({"updated_at": 1448460563}, "'updated_at': expected an ISO 8601 date, found 1448460563"),
        (
            {"marketplace_order_date": "2015-13-01"},
            "'marketplace_order_date': '2015-13-01' is not an ISO 8601 date",
        ),
        (
            {"updated_at": "9999-12-31T23:30:00-05:00"},
            "'updated_at': '9999-12-31T23:30:00-05:00' is out of the range of dates",
        ),
        ({"marketplace_status": None}, "'marketplace_status' is missing"),
        (
            {"total_order": "229,00 EUR"},
            "field 'total_order': expected a number, found '229,00 EUR'",
        ),
        ({"total_order": "NaN"}, "field 'total_order': expected a finite number, found 'NaN'"),
        (
            {"total_order": 10**400},
            "field 'total_order': expected a finite number, found 1" + "0" * 56 + "...",
        ),
        ({"shipping": {"amount": 1}}, "field 'shipping': expected a number, found {'amount': 1}"),
    ],
)
def test_an_unreadable_order_is_quarantined_with_its_reason(
    galeries_rules: RuleSet, changes: dict[str, object], reason: str
) -> None:
    (order,) = results("order_amount.json")
    assert isinstance(order, dict)
    bad = broken(order, **changes)
    mapped = OrderMapper(galeries_rules).map(bad)
    assert mapped == Quarantined(reason, bad, mapped.marketplace, mapped.order_id)
    assert mapped.raw is bad


def test_quarantine_keeps_the_ids_it_could_read(galeries_rules: RuleSet) -> None:
    (order,) = results("order_amount.json")
    assert isinstance(order, dict)
    mapped = OrderMapper(galeries_rules).map(broken(order, updated_at=None))
    assert isinstance(mapped, Quarantined)
    assert (mapped.marketplace, mapped.order_id) == ("galeries_lafayette", "1300435653833-A")


def test_a_field_text_that_is_not_unicode_is_quarantined(galeries_rules: RuleSet) -> None:
    # A lone surrogate ("\\ud800" in the JSON) cannot be written to any database as UTF-8.
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    bad = copy.deepcopy(order)
    bad["packages"][0]["delivery"]["trackings"][0]["number"] = "8V\ud83d"
    mapped = OrderMapper(galeries_rules).map(bad)
    assert isinstance(mapped, Quarantined)
    assert mapped.reason == "field 'tracking_number': '8V\\ud83d' is not valid Unicode text"


def test_a_bad_flag_value_is_quarantined(galeries_rules: RuleSet) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    bad = copy.deepcopy(order)
    bad["packages"][0]["delivery"]["trackings"][0]["is_delivered_by_marketplace"] = "maybe"
    mapped = OrderMapper(galeries_rules).map(bad)
    assert isinstance(mapped, Quarantined)
    assert (
        mapped.reason == "field 'fulfilled_by_marketplace': expected true or false, found 'maybe'"
    )


@pytest.mark.parametrize(
    ("flag", "expected"), [("1", True), ("true", True), (1, True), ("0", False), ("False", False)]
)
def test_flags_from_text_and_numbers(galeries_rules: RuleSet, flag: object, expected: bool) -> None:
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    changed = copy.deepcopy(order)
    changed["packages"][0]["delivery"]["trackings"][0]["is_delivered_by_marketplace"] = flag
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(changed))
    assert snapshot.fields["fulfilled_by_marketplace"] is expected


def test_dates_with_an_offset_are_read_in_utc(galeries_rules: RuleSet) -> None:
    (order,) = results("order_amount.json")
    assert isinstance(order, dict)
    changed = broken(order, updated_at="2015-11-25T16:09:23+02:00")
    snapshot = only_snapshot(OrderMapper(galeries_rules).map(changed))
    assert snapshot.updated_at == datetime(2015, 11, 25, 14, 9, 23, tzinfo=UTC)


def test_a_malformed_order_does_not_stop_the_page(galeries_rules: RuleSet) -> None:
    orders = results("import_orders.json")
    page = [orders[0], "not an order", None, broken(orders[1], updated_at="never"), orders[2]]
    mapped = OrderMapper(galeries_rules).map_page(page)
    assert [type(m).__name__ for m in mapped] == [
        "OrderSnapshot",
        "Quarantined",
        "Quarantined",
        "Quarantined",
        "OrderSnapshot",
    ]
    reasons = [m.reason for m in mapped if isinstance(m, Quarantined)]
    assert reasons == [
        "an order must be a JSON object, not str",
        "an order must be a JSON object, not NoneType",
        "'updated_at': 'never' is not an ISO 8601 date",
    ]


def test_the_shipped_galeries_rule_file_reads_the_mirakl_samples() -> None:
    rules = load_rules(REPO / "rules" / "galeries_lafayette.yaml")
    mapped = OrderMapper(rules).map_page(results("import_orders.json"))
    snapshots = [only_snapshot(m) for m in mapped]
    assert [rules.status_for_code(s.status_code) for s in snapshots] == [
        "Staging",
        "WaitingDebitPayment",
        "Shipped",
        "Canceled",
    ]
    (shipped,) = results("check_shipped_mp.json")
    fields = only_snapshot(OrderMapper(rules).map(shipped)).fields
    assert (fields["carrier"], fields["tracking_number"]) == ("LAPOSTE", "8V4564654654")


def test_a_malformed_source_path_is_a_problem_of_the_rule_file() -> None:
    text = GALERIES_RULES.replace("sources: [total_order]", "sources: ['packages[0.total']")
    with pytest.raises(RuleFileInvalid) as caught:
        load_rules_text(text, "bad-path.yaml")
    assert [str(p) for p in caught.value.problems] == [
        "bad-path.yaml:25:41: 'sources' of field 'total_order' holds an invalid path "
        "'packages[0.total': '[' is never closed (column 9 of the path) (keys joined by '.', "
        "[0] for an item of a list, [key=value] for the first item whose key holds value)"
    ]


def test_a_malformed_source_path_fails_when_the_mapper_is_built() -> None:
    # A rule set built in code skips the loader's checks: the mapper still refuses the path.
    rules = load_rules_text(GALERIES_RULES, "galeries.yaml")
    total = rules.field_by_name["total_order"]
    broken = replace(total, sources=("packages[0.total",))
    fields = tuple(broken if f is total else f for f in rules.fields)
    with pytest.raises(PathSyntaxError) as caught:
        OrderMapper(replace(rules, fields=fields))
    assert caught.value.path == "packages[0.total"
    assert caught.value.reason == "'[' is never closed"


def test_an_order_id_holding_a_nul_is_quarantined(galeries_rules: RuleSet) -> None:
    # PostgreSQL refuses NUL in a text column: the order must not stop its page at the store.
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    bad = copy.deepcopy(order)
    bad["marketplace_order_id"] = "A\x00B"
    mapped = OrderMapper(galeries_rules).map(bad)
    assert isinstance(mapped, Quarantined)
    assert mapped.reason == (
        "'marketplace_order_id': 'A\\x00B' holds a NUL character, which no text column takes"
    )


def test_texts_longer_than_the_store_keeps_quarantine_the_order_not_the_batch(
    cdiscount_rules: RuleSet,
) -> None:
    # On PostgreSQL a longer text fails the whole batch at the database: it must stop here.
    (order,) = results("check_shipped_mp.json")
    assert isinstance(order, dict)
    order = {**copy.deepcopy(order), "marketplace": "cdiscount"}
    mapper = OrderMapper(cdiscount_rules)
    long_status = mapper.map({**order, "marketplace_status": "S" * 129})
    assert isinstance(long_status, Quarantined)
    assert long_status.reason == (
        "'marketplace_status' is 129 characters long; the store keeps 128"
    )
    long_id = mapper.map({**order, "marketplace_order_id": "1" * 129})
    assert isinstance(long_id, Quarantined)
    assert (long_id.reason, long_id.order_id) == (
        "'marketplace_order_id' is 129 characters long; the store keeps 128",
        None,
    )
    # A status of exactly 128 characters is kept, as is a line whose texts are too long
    # (those texts become unknown; the line stays, named by its place).
    line = {"marketplace_order_line_id": "L" * 129, "marketplace_status": "x" * 129,
            "lengow_status": "shipped"}  # fmt: skip
    kept = mapper.map({**order, "marketplace_status": "S" * 128, "packages": [{"cart": [line]}]})
    assert isinstance(kept, OrderSnapshot)
    assert kept.lines == (OrderLine("#1", None, "shipped", LineState.SHIPPED),)
