"""The Simulate page's "calibrated from this store" section: the store's own scenario as the
baseline, one policy changed at a time, both replicated for the differences' 95 % intervals.

The scenario is fitted from the store's event log (`workspace.calibrated`, what `orderflow
calibrate` writes), with the page's baseline scenario giving the lines the log cannot (too few
orders, the seller's refunds). The policies: the seller accepts within N hours, ships within N
days, or a share of a delivery mode (`workspace.simulation`); each replication runs both on the
calibrated scenario's arrivals with a seed of its own, as `orderflow simulate --compare` does.
"""

from __future__ import annotations

import streamlit as st

from app_pages import caches
from calibration.calibrate import NothingToFit
from engine.model.definition import ChannelActionType, RuleSet
from engine.model.errors import OrderflowError
from simulator.scenario.values import Scenario
from workspace.calibrated import from_store
from workspace.simulation import (
    interval_table,
    knobs_of,
    replicated,
    seller_within,
    with_share,
)

POLICIES = ("The seller accepts within", "The seller ships within", "Share of a delivery mode")
HOUR, DAY = 3600.0, 86400.0


def section(baseline: Scenario) -> None:
    st.subheader("Calibrated from this store")
    st.caption(
        "The store's own scenario, fitted from its event log as `orderflow calibrate` fits it: "
        "arrivals, field mix, each status's shares and delays. Change one policy and compare, "
        "with replications and their 95 % intervals."
    )
    rules = _store_rules()
    if rules is None:
        st.info("The store holds no order of a marketplace the rule files describe.")
        return
    if st.button("Calibrate from this store"):
        base = baseline if baseline.rules.marketplace.code == rules.marketplace.code else None
        try:
            with st.spinner("Fitting the store's event log…"):
                st.session_state["calibrated"] = from_store(caches.store(), rules, base)
        except (OrderflowError, NothingToFit) as error:
            st.error(str(error))
            return
    found = st.session_state.get("calibrated")
    if found is None:
        return
    fitted = found.fitted
    st.write(
        f"Fitted from {fitted.arrivals.orders:,} orders over {fitted.arrivals.days:.1f} days: "
        f"{fitted.arrivals.per_day:,.1f} orders a day."
    )
    with st.expander("The calibrated scenario (each figure says from how many orders)"):
        st.code(found.text, language="yaml")
        st.download_button("Download calibrated.yaml", found.text, "calibrated.yaml")
    changed = policy(found.scenario)
    compared(found.scenario, changed)


def _store_rules() -> RuleSet | None:
    store = caches.store()
    present = [r for code, r in sorted(caches.rulebook().rules.items()) if store.count_orders(code)]
    return present[0] if present else None


def policy(scenario: Scenario) -> Scenario:
    """The calibrated scenario with the one policy the analyst changes."""
    chosen = st.radio("Change one policy", POLICIES, key="calibrated_policy", horizontal=True)
    if chosen == POLICIES[0]:
        hours = st.slider("Hours", 1, 72, 6, key="accept_within")
        return seller_within(scenario, ChannelActionType.ACCEPT.value, hours * HOUR)
    if chosen == POLICIES[1]:
        days = st.slider("Days", 1, 10, 1, key="ship_within")
        return seller_within(scenario, ChannelActionType.SHIP.value, days * DAY)
    mixes = [m for m in scenario.fields if m.shares]
    if not mixes:
        st.info("The calibrated scenario has no field mix to change.")
        return scenario
    mix = mixes[0]
    codes = [c for c, _ in mix.shares]
    code = st.selectbox(f"Value of {mix.field}", codes, key="share_code")
    total = sum(w for _, w in mix.shares)
    now = dict(mix.shares)[code] / total if total else 0.0
    share = st.slider("Share of the orders", 0.0, 1.0, round(now, 2), 0.01, key="share_value")
    return with_share(scenario, mix.field, code, share)


def compared(calibrated: Scenario, changed: Scenario) -> None:
    count = int(st.number_input("Replications", 2, 50, 5, key="calibrated_replications"))
    days = int(st.slider("Days", 1, 60, calibrated.days, key="calibrated_days"))
    if st.button(f"Compare over {count} replications"):
        bar = st.progress(0.0, text=f"Running {count} replications…")

        def tick(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Replication {done:,} of {total:,} done")

        knobs = knobs_of(calibrated)
        knobs = type(knobs)(days, knobs.per_day, knobs.fulfilled_share, 1.0, knobs.seed)
        found = replicated(calibrated, knobs, changed, knobs, count, tick)
        st.session_state["calibrated_compared"] = (interval_table(found), days, count)
    done = st.session_state.get("calibrated_compared")
    if done is None:
        return
    table, days_run, runs = done
    st.caption(f"the changed policy against the calibrated store, {days_run} days, {runs} runs")
    st.dataframe(table.round(2), hide_index=True)
