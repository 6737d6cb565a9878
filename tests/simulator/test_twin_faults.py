"""The twin's order faults over real HTTP: lines that disagree, a status no path reaches for the
order's fields, a code the rule file does not declare; and the truth the twin reads back.

What a test checks is the JSON the client receives, against the rule file as written: the
statuses `rules/cdiscount.yaml` reaches only for click and collect (`MAG`), and only for the
other modes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cli.sync_commands import _service
from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules
from simulator.twin.api import Credentials
from simulator.twin.faults import FaultError, Faults, parse_fault_options
from simulator.twin.odd_orders import UNDECLARED_CODE, OddOrders, OrderFault
from simulator.twin.orders import GeneratedOrders, Generation
from simulator.twin.server import Twin, build_service
from tests.channels.fakes import FakeClock

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVERYTHING = (NOW - timedelta(days=30), NOW + timedelta(days=1))
# rules/cdiscount.yaml: `ship` leads to AvailableOnStore (then PickedUp or NonPickedUpByCustomer)
# for MAG only, and to ShippedBySeller (then Shipped) for every other mode.
ONLY_MAG = {"AvailableOnStore", "PickedUp", "NonPickedUpByCustomer"}
NEVER_MAG = {"ShippedBySeller", "Shipped"}
LINE_KEYS = {"id", "marketplace_order_line_id", "quantity", "amount"}
LINE_KEYS |= {"marketplace_status", "lengow_status"}


@pytest.fixture(scope="module")
def cdiscount() -> RuleSet:
    return load_rules(REPO / "rules" / "cdiscount.yaml")


@pytest.fixture
def twin(cdiscount: RuleSet) -> Iterator[Twin]:
    service = build_service([cdiscount], plan=Generation(count=250, seed=3), clock=FixedClock())
    with Twin(service) as running:
        yield running


class FixedClock:
    """The twin's time: these faults make nothing wait."""

    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError(f"nothing may wait, yet the twin waits {seconds} s")


def set_faults(twin: Twin, **faults: object) -> httpx.Response:
    return httpx.post(f"{twin.url}/_twin/faults", json=faults)


def served(twin: Twin) -> dict[str, dict[str, object]]:
    """Every order the client receives over HTTP, by id."""
    settings = LengowSettings(twin.url, Secret("access"), Secret("secret"), 1)
    with LengowClient(settings, clock=FakeClock()) as client:
        pages = list(client.order_pages(*EVERYTHING))
    orders = [o for p in pages for o in p.results if isinstance(o, dict)]
    return {str(o["marketplace_order_id"]): o for o in orders}


def cart(order: dict[str, object]) -> list[dict[str, object]]:
    packages = order["packages"]
    assert isinstance(packages, list)
    lines = packages[0]["cart"]
    assert isinstance(lines, list)
    return lines


def statuses(order: dict[str, object]) -> list[tuple[object, object]]:
    return [(line["marketplace_status"], line["lengow_status"]) for line in cart(order)]


def faulted(twin: Twin, fault: OrderFault) -> list[str]:
    return sorted(o for (_, o), odd in twin.service.odd.chosen.items() if odd.fault is fault)


def test_mixed_lines_serve_orders_whose_lines_disagree(twin: Twin) -> None:
    assert set_faults(twin, mixed_lines=4).json()["mixed_lines"] == 4
    orders = served(twin)
    mixed = faulted(twin, OrderFault.MIXED_LINES)
    assert mixed == ["TW003-000101", "TW003-000172", "TW003-000177", "TW003-000217"]
    assert sorted(o for o, order in orders.items() if len(set(statuses(order))) > 1) == mixed
    # One line refused and the others accepted; or, the order shipped, one line refunded.
    assert [(orders[o]["marketplace_status"], statuses(orders[o])) for o in mixed] == [
        (
            "PaymentInProgress",
            [
                ("AcceptedBySeller", "accepted"),
                ("AcceptedBySeller", "accepted"),
                ("RefusedBySeller", "refused"),
            ],
        ),
        ("ValidatedFianet", [("AcceptedBySeller", "accepted"), ("RefusedBySeller", "refused")]),
        (
            "AcceptedBySeller",
            [
                ("AcceptedBySeller", "accepted"),
                ("AcceptedBySeller", "accepted"),
                ("RefusedBySeller", "refused"),
            ],
        ),
        ("Shipped", [("ShippedBySeller", "shipped"), ("Shipped", "refunded")]),
    ]
    first = cart(orders["TW003-000172"])
    assert all(set(line) >= LINE_KEYS for line in first)
    assert [(line["marketplace_order_line_id"], line["quantity"]) for line in first] == [
        ("TW003-000172-1", 3),
        ("TW003-000172-2", 1),
    ]
    assert len({line["id"] for order in orders.values() for line in cart(order)}) == sum(
        len(cart(order)) for order in orders.values()
    )


def test_unreachable_orders_are_at_a_status_their_delivery_mode_cannot_reach(twin: Twin) -> None:
    set_faults(twin, unreachable=5)
    orders = served(twin)
    odd = faulted(twin, OrderFault.UNREACHABLE)
    assert len(odd) == 5
    for order_id in odd:
        order = orders[order_id]
        mode = order["packages"][0]["delivery"]["shipping_method"]  # type: ignore[index]
        code = order["marketplace_status"]
        assert code in (NEVER_MAG if mode == "MAG" else ONLY_MAG), (order_id, mode, code)
        assert {status for status, _ in statuses(order)} == {code}
        assert order["order_types"] == []  # not fulfilled by Cdiscount: no import policy path
    assert Counter(str(orders[o]["marketplace_status"]) for o in odd) == {
        "NonPickedUpByCustomer": 1,
        "PickedUp": 4,
    }


def test_unknown_status_serves_a_code_the_rule_file_does_not_declare(
    twin: Twin, cdiscount: RuleSet
) -> None:
    set_faults(twin, unknown_status=2)
    orders = served(twin)
    odd = faulted(twin, OrderFault.UNKNOWN_STATUS)
    assert [orders[o]["marketplace_status"] for o in odd] == [UNDECLARED_CODE] * 2
    assert cdiscount.status_for_code(UNDECLARED_CODE) is None
    assert sum(o["marketplace_status"] == UNDECLARED_CODE for o in orders.values()) == 2


def test_the_order_faults_take_disjoint_orders_and_no_more_than_qualify(twin: Twin) -> None:
    set_faults(twin, mixed_lines=1000, unreachable=1000, unknown_status=3)
    served(twin)
    chosen = Counter(odd.fault for odd in twin.service.odd.chosen.values())
    # Seed 3: 228 of the 250 orders are not fulfilled by the marketplace, and each has a status
    # its mode cannot reach: all are unreachable (drawn first). unknown_status takes 3 of the 22
    # fulfilled ones; of the 19 left, 15 can be mixed (two lines or more, at Shipped).
    assert chosen == {
        OrderFault.UNREACHABLE: 228,
        OrderFault.UNKNOWN_STATUS: 3,
        OrderFault.MIXED_LINES: 15,
    }
    assert httpx.delete(f"{twin.url}/_twin/faults").json()["unreachable"] == 0
    assert twin.service.truth()[0].fault is None and twin.service.odd.chosen == {}


def test_the_same_seed_and_setting_draw_the_same_orders(cdiscount: RuleSet) -> None:
    faults = Faults(mixed_lines=5, unreachable=5, unknown_status=1)

    def draw(seed: int) -> tuple[dict[tuple[str, str], object], list[Mapping[str, object]]]:
        source = GeneratedOrders([cdiscount], EVERYTHING[1], Generation(count=200, seed=seed))
        odd = OddOrders([cdiscount])
        documents = [o.document for o in odd.served(source.orders(), faults)]
        assert documents == [o.document for o in odd.served(source.orders(), faults)]
        return dict(odd.chosen), documents

    assert draw(7) == draw(7)
    assert draw(7)[0].keys() != draw(8)[0].keys()
    assert (len(draw(7)[0]), len(draw(8)[0])) == (11, 11)


def test_the_truth_is_what_the_client_receives(twin: Twin) -> None:
    set_faults(twin, mixed_lines=3, unreachable=2, unknown_status=1)
    orders = served(twin)
    truth = {t.order_id: t for t in twin.service.truth()}
    assert truth.keys() == orders.keys()
    for order_id, order in orders.items():
        told = truth[order_id]
        assert told.code == order["marketplace_status"]
        assert [(x.marketplace_status, x.lengow_status) for x in told.lines] == statuses(order)
        assert [(x.line_id, x.lengow_id, x.quantity, x.amount) for x in told.lines] == [
            (x["marketplace_order_line_id"], x["id"], x["quantity"], x["amount"])
            for x in cart(order)
        ]
    assert Counter((t.fault, t.mixed, t.status is None) for t in truth.values()) == {
        (None, False, False): 244,
        (OrderFault.MIXED_LINES, True, False): 3,
        (OrderFault.UNREACHABLE, False, False): 2,
        (OrderFault.UNKNOWN_STATUS, False, True): 1,
    }


def test_order_faults_are_parsed_and_reach_the_twin_from_the_command_line(
    cdiscount: RuleSet,
) -> None:
    options = ("mixed_lines=2", "unreachable=1", "unknown_status=1")
    faults = Faults().changed(parse_fault_options(options))
    assert (faults.mixed_lines, faults.unreachable, faults.unknown_status) == (2, 1, 1)
    with pytest.raises(FaultError, match="fault 'unreachable' takes a whole number, not 'x'"):
        Faults().changed({"unreachable": "x"})
    rules = (REPO / "rules" / "cdiscount.yaml",)
    service, codes = _service(rules, options, Credentials(), Generation(count=40, seed=3))
    assert codes == "cdiscount" and service.faults.faults == faults
    assert Counter(t.fault for t in service.truth() if t.fault) == {
        OrderFault.MIXED_LINES: 2,
        OrderFault.UNREACHABLE: 1,
        OrderFault.UNKNOWN_STATUS: 1,
    }


def test_an_action_on_an_order_served_at_another_status_is_refused_as_there(
    twin: Twin,
) -> None:
    set_faults(twin, unreachable=40)
    orders = served(twin)
    source = twin.service.source
    assert isinstance(source, GeneratedOrders)
    odd = faulted(twin, OrderFault.UNREACHABLE)
    (order_id, *_) = [
        o for o in odd if source.facts_of("cdiscount", o).status == "WaitingForSellerAcceptation"
    ]
    shown = orders[order_id]["marketplace_status"]
    settings = LengowSettings(twin.url, Secret("access"), Secret("secret"), 1)
    with LengowClient(settings, clock=FakeClock()) as client:
        assert client.send_action("cdiscount", order_id, "accept").sent
        assert served(twin)[order_id]["marketplace_status"] == shown
        (record,) = client.list_actions(filters={"marketplace_order_id": order_id})
    assert (record.processed, record.errors) == (
        True,
        f"action 'accept' is not possible at status '{shown}'",
    )
    assert source.facts_of("cdiscount", order_id).status == "WaitingForSellerAcceptation"
