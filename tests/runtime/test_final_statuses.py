"""A final status never changes, even in a rule set that bypassed validation."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine.model.blockers import BlockerCode
from engine.model.events import AnomalyKind
from engine.runtime.bulk import BulkTable
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT, CDISCOUNT, rules_of


def unchecked_runtime() -> Runtime:
    """Cdiscount's rules with 'WaitingForSellerAcceptation' marked final after validation."""
    rules = rules_of(CDISCOUNT)
    statuses = tuple(
        dataclasses.replace(s, final=True) if s.name == "WaitingForSellerAcceptation" else s
        for s in rules.statuses
    )
    return Runtime(dataclasses.replace(rules, statuses=statuses))


def test_trigger_out_of_a_final_status_is_an_anomaly_on_both_paths() -> None:
    runtime = unchecked_runtime()
    outcome = runtime.trigger("F1", "WaitingForSellerAcceptation", "auto_cancel", {}, AT)
    assert outcome.status == "WaitingForSellerAcceptation"
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.FINAL_CHANGED]
    bulk = BulkTable(runtime)
    result = bulk.run(
        bulk.encode_statuses(["WaitingForSellerAcceptation"]),
        bulk.signatures([{}]),
        np.array([[bulk.trigger_code["auto_cancel"]]], dtype=np.int16),
    )
    assert bulk.outcomes(result, ["F1"], ["WaitingForSellerAcceptation"], AT) == [outcome]


def test_an_action_leaving_a_final_status_is_blocked() -> None:
    decision = unchecked_runtime().command("F2", "WaitingForSellerAcceptation", "accept", {}, AT)
    assert [b.code for b in decision.blockers] == [BlockerCode.FINAL_STATUS]
    assert decision.blockers[0].message == (
        "status 'WaitingForSellerAcceptation' is final; action 'accept' would leave it"
    )


def test_paths_and_timers_never_leave_a_final_status() -> None:
    runtime = unchecked_runtime()
    outcome = runtime.observe("F3", "WaitingForSellerAcceptation", "AcceptedBySeller", {}, AT)
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.FINAL_CHANGED]
    assert runtime.deadline("WaitingForSellerAcceptation", AT) is None


def test_a_trigger_the_status_does_not_allow_is_a_refused_trigger_on_both_paths() -> None:
    runtime = Runtime(rules_of(CDISCOUNT))
    outcome = runtime.trigger("R1", "WaitingForSellerAcceptation", "pick_up", {}, AT)
    assert outcome.status == "WaitingForSellerAcceptation" and outcome.events == ()
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.reported) == (AnomalyKind.REFUSED_TRIGGER, "pick_up")
    assert anomaly.message == (
        "the rules refuse trigger 'pick_up' at status 'WaitingForSellerAcceptation'"
    )
    bulk = BulkTable(runtime)
    result = bulk.run(
        bulk.encode_statuses(["WaitingForSellerAcceptation"]),
        bulk.signatures([{}]),
        np.array([[bulk.trigger_code["pick_up"]]], dtype=np.int16),
    )
    assert bulk.outcomes(result, ["R1"], ["WaitingForSellerAcceptation"], AT) == [outcome]
