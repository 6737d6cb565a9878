"""How an order's cart lines read together: one label per state some lines are in."""

from __future__ import annotations

from engine.model.lines import LineState, line_mix, line_state

S = LineState


def test_lines_that_agree_or_no_lines_make_no_mix() -> None:
    assert line_mix([]) == ()
    assert line_mix([S.SHIPPED]) == ()
    assert line_mix([S.REFUSED, S.REFUSED]) == ()


def test_a_partly_refused_order_names_both_states_in_a_fixed_order() -> None:
    assert line_mix([S.REFUSED, S.ACCEPTED]) == ("partial acceptance", "partial refusal")
    assert line_mix(["refunded", "shipped", "shipped"]) == ("partial shipment", "partial refund")


def test_a_line_in_an_unknown_state_is_never_taken_as_agreeing() -> None:
    assert line_mix([S.SHIPPED, S.UNKNOWN]) == ("partial shipment", "line status unknown")
    # Waiting lines are no partial of anything by themselves, but they still make a mix.
    assert line_mix([S.WAITING, S.CANCELED]) == ("partial cancellation",)


def test_the_rule_files_code_comes_before_lengows_status() -> None:
    codes = {"RefusedBySeller": S.REFUSED}
    assert line_state("RefusedBySeller", "accepted", codes) is S.REFUSED
    assert line_state("Other", "Waiting_Shipment", codes) is S.ACCEPTED
    assert line_state("Other", "nonsense", codes) is S.UNKNOWN
    assert line_state(None, None, codes) is S.UNKNOWN
