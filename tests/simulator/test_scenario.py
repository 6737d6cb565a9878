"""Scenario files: the shipped ones load, a wrong one gets every problem located."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rulefile.loader import load_rules
from simulator.scenario.distributions import Exponential, Fixed, LogNormal
from simulator.scenario.loader import check_scenario_text, load_scenario
from simulator.scenario.values import ScenarioInvalid

from .small_world import SCENARIOS

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"
HEAD = f"format: 1\nrules: {RULES}\nstart: 2026-01-05T00:00:00Z\narrivals: {{per_day: 10}}\n"


def problems(body: str) -> list[str]:
    scenario, found = check_scenario_text(HEAD + body, "s.yaml")
    assert scenario is None
    return [str(p) for p in found]


@pytest.mark.parametrize("name", ["baseline", "slow_seller", "peak_season"])
def test_shipped_scenarios_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert scenario.name == name
    assert scenario.rules.marketplace.code == "cdiscount"
    assert scenario.seller_at["WaitingForSellerAcceptation"][0].action == "accept"


def test_peak_season_has_ten_times_the_orders_of_the_baseline() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml").arrivals.per_day
    peak = load_scenario(SCENARIOS / "peak_season.yaml").arrivals.per_day
    assert base is not None and peak == 10 * base


def test_delays_read_in_every_shape() -> None:
    scenario, found = check_scenario_text(
        HEAD + "seller:\n  retry_after: 90m\n  at:\n    WaitingForSellerAcceptation:\n"
        "      - {action: accept, probability: 0.5, after: {exponential: {mean: 2h}}}\n"
        "      - {action: refuse, probability: 0.1,"
        " after: {lognormal: {median: 1d, sigma: 0.5}}}\n",
        "s.yaml",
    )
    assert found == [] and scenario is not None
    accept, refuse = scenario.seller
    assert accept.after == Exponential(7200.0)
    assert refuse.after == LogNormal(86400.0, 0.5)
    assert scenario.retry_after == Fixed(5400.0)


def test_a_misspelt_trigger_is_located_with_a_suggestion() -> None:
    found = problems(
        "marketplace:\n  AcceptedBySeller:\n"
        "    - {trigger: start_paymnt, probability: 0.5, after: 10m}\n"
    )
    assert found == [
        "s.yaml:7:17: no transition 'start_paymnt' leaves status 'AcceptedBySeller' "
        "(did you mean 'start_payment'?)"
    ]


def test_a_seller_trigger_cannot_be_listed_as_a_marketplace_happening() -> None:
    found = problems(
        "marketplace:\n  WaitingForSellerAcceptation:\n"
        "    - {trigger: accept, probability: 0.5, after: 10m}\n"
    )
    assert found[0].startswith("s.yaml:7:17: transition 'accept' is caused by the seller")


def test_every_problem_of_a_file_is_reported() -> None:
    found = problems(
        "orders:\n  fields:\n    delivery_mod: {values: {STD: 1}}\n"
        "seller:\n  at:\n    WaitingForShipmentAcceptation:\n"
        "      - {action: accept, probability: 1.5, after: {gamma: 1}}\n"
    )
    assert found == [
        "s.yaml:7:5: 'orders' names an unknown field 'delivery_mod' (did you mean "
        "'delivery_mode'?)",
        "s.yaml:11:18: action 'accept' is not allowed at status 'WaitingForShipmentAcceptation' "
        "(the rule file allows it at: WaitingForSellerAcceptation)",
        "s.yaml:11:39: a seller move at 'WaitingForShipmentAcceptation' 'probability' must be "
        "between 0 and 1, found 1.5",
        "s.yaml:11:51: a seller move at 'WaitingForShipmentAcceptation' 'after' must be a "
        "duration or one of exponential, lognormal, fixed, empirical, such as 30m, "
        "{exponential: {mean: 2h}} or {lognormal: {median: 6h, sigma: 0.8}}",
    ]


def test_probabilities_at_a_status_cannot_exceed_one() -> None:
    found = problems(
        "marketplace:\n  PaymentInProgress:\n"
        "    - {trigger: confirm_payment, probability: 0.7, after: 10m}\n"
        "    - {trigger: refuse_payment, probability: 0.4, after: 10m}\n"
    )
    assert found == [
        "s.yaml:7:5: the probabilities at status 'PaymentInProgress' add up to 1.1, more than 1"
    ]


def test_an_unknown_field_value_is_located() -> None:
    found = problems("orders:\n  fields:\n    delivery_mode: {values: {Suivi: 1, TRAKD: 2}}\n")
    assert found == [
        "s.yaml:7:40: the mix of field 'delivery_mode': unknown value 'TRAKD' of "
        "field 'delivery_mode' (did you mean 'TRK'?)"
    ]


def test_a_missing_rule_file_is_reported_where_it_is_named() -> None:
    scenario, found = check_scenario_text(
        "format: 1\nrules: nowhere.yaml\nstart: 2026-01-05\narrivals: {count: 5}\n", "s.yaml"
    )
    assert scenario is None
    assert str(found[0]).startswith("s.yaml:2:8: the rule file 'nowhere.yaml' does not exist")


def test_arrivals_need_a_rate_or_a_count() -> None:
    _, found = check_scenario_text(
        f"format: 1\nrules: {RULES}\nstart: 2026-01-05\narrivals: {{hourly: [1]}}\n", "s.yaml"
    )
    assert [str(p) for p in found] == [
        "s.yaml:4:11: 'arrivals' needs exactly one of 'per_day' (a rate) or 'count' (a fixed "
        "number of orders)",
        "s.yaml:4:20: 'arrivals' 'hourly' must list 24 weights, none negative and not all zero, "
        "found 1 items",
    ]


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "days: 0\n", encoding="utf-8")
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(path)
    assert caught.value.problems[0].message == "the scenario's 'days' must be positive, found 0"


def test_another_rule_file_is_checked_against_the_scenario() -> None:
    octopia = RULES.parent / "cdiscount_octopia.yaml"
    if not octopia.exists():
        pytest.skip("no second Cdiscount rule file")
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario(SCENARIOS / "baseline.yaml", load_rules(octopia))
    assert any(
        "unknown status 'WaitingForSellerAcceptation'" in p.message for p in caught.value.problems
    )


def test_a_missing_key_is_reported_once_and_nothing_follows_from_it() -> None:
    assert problems(
        "marketplace:\n"
        "  AcceptedBySeller:\n"
        "    - {probability: 0.2}\n"
        "seller:\n"
        "  at:\n"
        "    WaitingForSellerAcceptation:\n"
        "      - {action: accept, after: 2h}\n"
        "      - {probability: 0.1, after: 2h}\n"
    ) == [
        "s.yaml:7:7: a happening at 'AcceptedBySeller' is missing the key 'after'",
        "s.yaml:7:7: a happening at 'AcceptedBySeller' is missing the key 'trigger'",
        "s.yaml:11:9: a seller move at 'WaitingForSellerAcceptation' is missing the key "
        "'probability'",
        "s.yaml:12:9: a seller move at 'WaitingForSellerAcceptation' is missing the key 'action'",
    ]


def test_a_negative_rate_or_count_says_what_was_found() -> None:
    rate = HEAD.replace("per_day: 10", "per_day: -5")
    _, found = check_scenario_text(rate, "s.yaml")
    assert [str(p) for p in found] == [
        "s.yaml:4:21: 'arrivals' 'per_day' must be positive, found -5"
    ]
    count = HEAD.replace("per_day: 10", "count: -3")
    _, found = check_scenario_text(count, "s.yaml")
    assert [str(p) for p in found] == [
        "s.yaml:4:19: 'arrivals' 'count' must not be negative, found -3"
    ]
