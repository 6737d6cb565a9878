"""Sync page: the fetch runs, how far the committed data reaches, errors, the quarantine, the
orders the runs set aside (and why) and the outbox of seller actions, the failed and unconfirmed
ones listed with their orders and reasons. On the demo store the runs are its simulated polls."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.outbox_health import STATES, outbox_health
from analytics.sync_health import sync_health
from app_pages import caches, filters, formats
from app_pages.settings import settings
from engine.model.clock import SystemClock
from engine.store import SetAsideReason
from engine.sync.syncer import WATERMARK
from workspace.outbox_problems import read_outbox_problems
from workspace.sources import read_quarantine, read_runs, read_set_aside

# What the demo store's fetch runs are (workspace.sample_store writes them).
DEMO_RUNS = (
    "The demo store's runs are the simulated polls of its last day (the month's earlier polls "
    "are not recorded); a run's orders are those it brought a change of."
)


def render() -> None:
    st.title("Sync")
    filters.sidebar()
    store = caches.store()
    runs = read_runs(store)
    fetches(runs)
    st.subheader("Quarantine: input the engine could not read, kept with the reason")
    quarantine = read_quarantine(store)
    st.caption(f"{len(quarantine):,} entries (the latest 200 shown).")
    st.dataframe(quarantine.head(200), hide_index=True)
    set_aside(read_set_aside(store))
    actions()


def set_aside(aside: pd.DataFrame) -> None:
    st.subheader("Set aside: orders a fetch run saw and stored nothing of, and why")
    counts = aside["reason"].value_counts()
    reasons = [str(r) for r in SetAsideReason]
    for column, reason in zip(st.columns(len(reasons)), reasons, strict=True):
        column.metric(reason.replace("_", " ").capitalize(), f"{int(counts.get(reason, 0)):,}")
    st.caption(f"{len(aside):,} entries (the latest 200 shown).")
    st.dataframe(aside.head(200), hide_index=True)


def fetches(runs: pd.DataFrame) -> None:
    st.subheader("Fetch runs")
    if runs.empty:
        st.write("No fetch has run yet (`orderflow sync` runs them).")
        return
    health = sync_health(runs)
    if settings().demo:
        st.caption(DEMO_RUNS)
    columns = st.columns(3)
    columns[0].metric("Fetch runs", f"{len(runs):,}")
    columns[1].metric("Failed runs", f"{health.counts.get('failed', 0):,}")
    columns[2].metric("Running now", f"{health.counts.get('running', 0):,}")
    store = caches.store()
    mark = store.watermark(WATERMARK)
    st.markdown(
        f"**Watermark** `{WATERMARK}`: {'–' if mark is None else f'{mark:%Y-%m-%d %H:%M:%S} UTC'}"
        " (orders updated before it are in the store). By kind of fetch:"
    )
    st.dataframe(health.watermarks, hide_index=True)
    st.markdown("**Errors**")
    if health.problems.empty:
        st.write("No failed run, no run with errors.")
    else:
        st.dataframe(health.problems.head(100), hide_index=True)
    st.markdown("**Latest runs**")
    st.dataframe(runs.head(100), hide_index=True)


def actions() -> None:
    st.subheader("Outbox: seller actions on their way to the marketplace")
    now = SystemClock().now()
    health = outbox_health(caches.outbox(), now)
    for column, state in zip(st.columns(len(STATES)), STATES, strict=True):
        column.metric(state.capitalize(), f"{health.counts[state]:,}")
    if health.oldest_pending_s is not None:
        st.caption(
            f"Oldest pending action: waiting for {formats.duration(health.oldest_pending_s)}."
        )
    problems(read_outbox_problems(caches.store()))
    st.markdown("**Stuck** (sent more than 3 days ago without confirmation, or unconfirmed)")
    if health.stuck.empty:
        st.write("None.")
    else:
        shown = formats.durations(health.stuck.head(100), ["waiting_s"])
        st.dataframe(shown, hide_index=True)


def problems(table: pd.DataFrame) -> None:
    st.markdown("**Failed and unconfirmed**, with their orders and why (the latest queued first)")
    if table.empty:
        st.write("None: every action sent was confirmed or is still on its way.")
        return
    shown = table.drop(columns="id").rename(
        columns={
            "order_id": "order",
            "created_at": "queued",
            "attempted_at": "last attempt",
            "sent_at": "sent",
        }
    )
    st.caption(f"{len(table):,} actions (the latest 200 shown).")
    st.dataframe(shown.head(200), hide_index=True)


if __name__ == "__main__":
    render()
