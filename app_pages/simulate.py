"""Simulate page: pick a scenario, turn its main knobs, run it with a progress bar next to a
baseline on the same arrivals, and compare what the change does and which commands each refused
and why; then replicate the pair, as `orderflow simulate --compare --replications N` does, for
the differences with their 95 % intervals. Last, the store's own scenario, calibrated from its
event log, with one policy changed (`app_pages.simulate_calibrated`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app_pages import caches
from app_pages.settings import settings
from app_pages.simulate_calibrated import section as calibrated_section
from simulator.results.compare import render as render_compared
from simulator.scenario.values import Scenario, ScenarioInvalid
from workspace.simulation import (
    Knobs,
    SimResult,
    adjusted,
    baseline_knobs,
    compare,
    compare_exits,
    interval_table,
    knobs_of,
    refused,
    replicated,
    run,
    shared_arrivals,
)

BASELINE = "baseline.yaml"


def load(path: Path) -> Scenario | None:
    try:
        return caches.scenario(path)
    except ScenarioInvalid as invalid:
        st.error(str(invalid))
        return None


def render() -> None:
    st.title("Simulate")
    folder = settings().scenarios_dir
    files = sorted(p.name for p in folder.glob("*.yaml"))
    if not files:
        st.info(f"No scenario file in {folder}.")
        return
    left, right = st.columns(2)
    chosen = left.selectbox("Scenario", files, index=_index(files, "slow_seller.yaml"))
    against = right.selectbox("Baseline", files, index=_index(files, BASELINE))
    scenario, baseline = load(folder / chosen), load(folder / against)
    if scenario is None or baseline is None:
        return
    left.caption(scenario.description)
    right.caption(baseline.description)
    knobs = controls(scenario, chosen)
    same = st.checkbox(
        "Give the baseline the same orders (orders per day, fulfilment share)",
        value=True,
        help="Then both runs see the very same arrivals and differ only by behaviour.",
    )
    if st.button("Run both", type="primary"):
        st.session_state["simulation"] = execute(scenario, baseline, knobs, same)
    outcome = st.session_state.get("simulation")
    if outcome is not None:
        results(*outcome)
    replications(scenario, baseline, knobs, baseline_knobs(baseline, knobs, same))
    calibrated_section(baseline)


def _index(files: list[str], name: str) -> int:
    return files.index(name) if name in files else 0


KNOBS = ("days", "per_day", "share", "delay")


def controls(scenario: Scenario, name: str) -> Knobs:
    st.subheader("Main parameters of the scenario")
    if st.session_state.get("knobs_of") != name:
        # The knobs keep their values across reruns: a newly picked scenario must start from
        # its own settings, not from the previous one's (peak season ran at 400 orders a day).
        for key in KNOBS:
            st.session_state.pop(key, None)
        st.session_state["knobs_of"] = name
    own = knobs_of(scenario)
    a, b, c = st.columns(3)
    days = a.slider("Days", 1, max(60, own.days), own.days, key="days")
    per_day = own.per_day
    if per_day is not None:
        top = max(5000, int(per_day))
        per_day = float(b.slider("Orders per day", 1, top, int(per_day), key="per_day"))
    share = c.slider(
        "Fulfilled by the marketplace",
        0.0,
        max(0.5, own.fulfilled_share),
        float(own.fulfilled_share),
        0.01,
        key="share",
    )
    d, e = st.columns(2)
    delay = d.select_slider(
        "Seller delays ×",
        options=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0],
        value=1.0,
        key="delay",
        help="Every delay of the seller (answering, shipping) multiplied by this.",
    )
    seed = int(e.number_input("Seed", 0, 2**31 - 1, own.seed, key="seed"))
    return Knobs(days, per_day, share, float(delay), seed)


def execute(
    scenario: Scenario, baseline: Scenario, knobs: Knobs, same: bool
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    base_knobs = baseline_knobs(baseline, knobs, same)
    arrivals = None
    if adjusted(baseline, base_knobs).arrivals == adjusted(scenario, knobs).arrivals:
        arrivals = shared_arrivals(scenario, knobs)
    done: list[SimResult] = []
    for name, world, its_knobs in (
        ("baseline", baseline, base_knobs),
        ("scenario", scenario, knobs),
    ):
        bar = st.progress(0.0, text=f"Simulating the {name} ({world.name})…")

        def tick(step: int, total: int, bar: Any = bar, name: str = name) -> None:
            text = f"Simulating the {name}: poll {step:,} of {total:,}"
            bar.progress(step / max(total, 1), text=text)

        done.append(run(world, its_knobs, arrivals, tick))
        bar.progress(1.0, text=f"The {name} ({world.name}) is done.")
    triggers = [a.transition for a in scenario.rules.actions if a.transition is not None]
    note = "on the same arrivals" if arrivals is not None else "on their own arrivals"
    header = f"{done[1].name} against {done[0].name}, {knobs.days} days, seed {knobs.seed}, {note}"
    tables = compare(done[0], done[1], triggers), compare_exits(done[0], done[1])
    return (*tables, refused(done[0], done[1]), header)


def results(table: pd.DataFrame, exits: pd.DataFrame, refusals: pd.DataFrame, header: str) -> None:
    st.subheader("Compared with the baseline")
    st.caption(header)
    st.dataframe(table.round(2), hide_index=True)
    chart = go.Figure(
        [
            go.Bar(name="baseline", x=exits["status"], y=exits["baseline"], marker_color="#7f7f7f"),
            go.Bar(name="scenario", x=exits["status"], y=exits["scenario"], marker_color="#d62728"),
        ]
    )
    chart.update_layout(
        barmode="group",
        height=380,
        yaxis={"title": "% of orders"},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title="Where lost orders end",
    )
    st.plotly_chart(chart, width="stretch")
    st.dataframe(exits.round(2), hide_index=True)
    st.subheader("Commands refused, and why")
    if refusals.empty:
        st.write("Neither run refused a command of the seller.")
        return
    st.caption("Commands the engine refused the seller in each run, by action and reason.")
    st.dataframe(refusals, hide_index=True)


def replications(scenario: Scenario, baseline: Scenario, knobs: Knobs, base: Knobs) -> None:
    st.subheader("Replications: which differences are more than luck")
    st.caption(
        "As `orderflow simulate --scenario BASELINE --compare SCENARIO --replications N` runs "
        "them: each replication runs both sides on the baseline's arrivals with a seed of its "
        "own drawn from the seed above; each difference has its 95 % interval (Student's t)."
    )
    count = int(st.number_input("Replications", 2, 50, 5, key="replications"))
    if st.button(f"Run {count} replications"):
        bar = st.progress(0.0, text=f"Running {count} replications on this machine's cores…")

        def tick(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Replication {done:,} of {total:,} done")

        found = replicated(baseline, base, scenario, knobs, count, tick)
        text = render_compared(found, baseline.name, scenario.name, count)
        header = f"{scenario.name} against {baseline.name}, {knobs.days} days, seed {knobs.seed}"
        st.session_state["replicated"] = (interval_table(found), text, f"{header}, {count} runs")
    done = st.session_state.get("replicated")
    if done is None:
        return
    table, text, header = done
    st.caption(header)
    st.dataframe(table.round(2), hide_index=True)
    with st.expander("As `orderflow simulate --compare` prints it"):
        st.code(text, language=None)


if __name__ == "__main__":
    render()
