"""Orders page: find an order (its cart lines' mix in the list, a filter to the orders whose lines
disagree), read its timeline and its lines, see what the seller may do now and why not, and
queue an allowed action with exactly the fields it needs. Opened from a figure of another page
(a map edge, a variant, a funnel exit, an SLA row, an anomaly kind), it lists the orders behind
that figure, says so, and offers to clear it; a row picked in the list opens that order."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from analytics.attributes import case_fields
from analytics.selection import filter_log
from app_pages import caches, filters
from engine.model.clock import SystemClock
from engine.model.definition import FieldType
from engine.model.lines import OrderLine
from engine.runtime.runtime import Runtime
from engine.store import OrderState
from engine.sync.seller_actions import submit
from workspace.order_desk import FormField, Option, find_orders, options, order_runtime
from workspace.order_story import line_table, lines_note, timeline

KIND_COLORS = {"observed": "#1f77b4", "inferred": "#aec7e8", "anomaly": "#d62728"}
KIND_COLORS |= {"action": "#2ca02c", "field change": "#9467bd"}


def render() -> None:
    opened = filters.open_page("Orders")
    if opened is None:
        return
    where, log = opened
    where = filters.drilled(where)
    left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
    text = left.text_input("Order id contains", placeholder="e.g. 1234")
    statuses = middle.multiselect("Status now", filters.names(log["to_status"]))
    disagreeing = right.checkbox(
        "Only orders whose lines disagree",
        help="Orders whose cart lines are not all in one state: one accepted and one refused, "
        "one shipped and one refunded...",
    )
    found = find_orders(
        filter_log(log, where), text, statuses, mixes=caches.line_mixes(), disagreeing=disagreeing
    )
    st.caption(
        f"{len(found):,} order(s) shown (at most 200, the most recently changed first). "
        "Pick a row to open its timeline."
    )
    listed = st.dataframe(
        found,
        hide_index=True,
        height=220,
        on_select="rerun",
        selection_mode="single-row",
        key="orders:list",
    )
    if found.empty:
        return
    keys = list(zip(found["marketplace"], found["order_id"], strict=True))
    rows = [r for r in listed.selection.rows if r < len(keys)]
    if rows:
        chosen: tuple[str, str] | None = keys[rows[0]]
    else:
        chosen = st.selectbox("Open order", keys, format_func=lambda k: f"{k[1]} ({k[0]})")
    if chosen is not None:
        order_section(chosen)


def order_section(key: tuple[str, str]) -> None:
    marketplace, order_id = key
    store = caches.store()
    state = store.get_order(marketplace, order_id)
    if state is None or state.status is None:
        st.warning(f"Order {order_id} has no known status in the store.")
        return
    fields = dict(state.fields)
    st.header(f"Order {order_id}")
    since = "–" if state.entered_at is None else f"{state.entered_at:%Y-%m-%d %H:%M} UTC"
    rules = caches.rulebook().rules.get(marketplace)
    described = [
        f"**{f.name}** {f.label(fields[f.name])}"
        for f in case_fields([rules] if rules is not None else [])
        if fields.get(f.name) is not None
    ]
    head = [f"**Status** `{state.status}`", f"**marketplace** {marketplace}", *described]
    st.markdown(" · ".join([*head, f"**in this status since** {since}"]))
    outbox = caches.outbox()
    mine = outbox.loc[(outbox["marketplace"] == marketplace) & (outbox["order_id"] == order_id)]
    story = timeline(
        store.events(marketplace, order_id),
        store.anomalies(marketplace, order_id),
        mine,
        store.field_changes(marketplace, order_id),
    )
    timeline_section(story)
    lines_section(store.lines(marketplace, order_id))
    if marketplace not in caches.rulebook().rules:
        st.warning(f"No valid rule file for marketplace '{marketplace}'.")
        return
    actions_section(key, state, fields)


def timeline_section(story: pd.DataFrame) -> None:
    st.subheader("Timeline")
    if len(story) < 2:
        st.dataframe(story, hide_index=True)
        return
    chart = px.scatter(
        story, x="at", y="what", color="kind", color_discrete_map=KIND_COLORS, hover_data=["detail"]
    )
    chart.update_traces(marker={"size": 12})
    # Rows in the order the order met them, read top down: the traces alone would group the
    # inferred statuses apart from the observed ones.
    met = list(dict.fromkeys(story["what"].astype(str)))
    chart.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.12, "x": 0, "title": None},
        yaxis={
            "title": None,
            "categoryorder": "array",
            "categoryarray": met,
            "autorange": "reversed",
        },
        xaxis={"title": None},
    )
    st.plotly_chart(chart, width="stretch")
    st.dataframe(story, hide_index=True)


def lines_section(lines: list[OrderLine]) -> None:
    """The order's cart lines, the mix stated first when they disagree."""
    st.subheader("Lines")
    if not lines:
        st.caption("The store holds no cart line for this order.")
        return
    note = lines_note(lines)
    if note is not None:
        st.warning(note)
    st.dataframe(line_table(lines), hide_index=True)


def actions_section(key: tuple[str, str], state: OrderState, fields: dict[str, object]) -> None:
    status = state.status or ""
    rules = caches.rulebook().rules[key[0]]
    runtime, note = order_runtime(caches.store(), rules, state, caches.runtime(key[0]))
    if note:
        st.info(note[0].upper() + note[1:] + ".")
    choices = options(runtime, status, fields)
    st.subheader("What can be done now")
    describe(choices)
    doable = [o for o in choices if o.performable]
    if not doable:
        st.info(f"No seller action is possible at status '{status}'.")
        return
    st.subheader("Perform an action")
    by_name = {o.action: o for o in doable}
    option = by_name[st.selectbox("Action", list(by_name))]
    with st.form(f"perform:{key}:{option.action}"):
        if not option.fields:
            st.write(f"'{option.action}' needs no field for this order.")
        inputs = {f.name: field_input(f) for f in option.fields}
        sent = st.form_submit_button(f"Queue '{option.action}'")
    if sent:
        queue(runtime, key, status, fields, option.action, inputs)


def describe(choices: list[Option]) -> None:
    """Allowed actions, actions that only need fields, then every blocked one with its blockers."""
    for option in choices:
        if option.decision.allowed:
            st.success(f"**{option.action}**: allowed. {option.description}")
        elif option.performable:
            needs = ", ".join(f.name for f in option.fields)
            st.info(f"**{option.action}**: needs {needs}. {option.description}")
    blocked = [o for o in choices if not o.performable]
    if blocked:
        lines = [f"- **{o.action}**: " + "; ".join(b.message for b in o.blockers) for o in blocked]
        st.warning("**Blocked now**\n" + "\n".join(lines))


def field_input(field: FormField) -> object:
    label = f"{field.name}" + (f": {field.description}" if field.description else "")
    if field.choices:
        codes = [c for c, _ in field.choices]
        labels = dict(field.choices)
        start = codes.index(str(field.current)) if str(field.current) in codes else None
        return st.selectbox(label, codes, index=start, format_func=lambda c: f"{c} {labels[c]}")
    if field.type is FieldType.BOOL:
        return st.checkbox(label, value=bool(field.current))
    return st.text_input(label, value="" if field.current is None else str(field.current))


def queue(
    runtime: Runtime,
    key: tuple[str, str],
    status: str,
    fields: dict[str, object],
    action: str,
    inputs: dict[str, object],
) -> None:
    store = caches.store()
    result = submit(runtime, store, key, status, fields, action, inputs, SystemClock().now())
    if not result.decision.allowed:
        reasons = "\n".join(f"- {b.message}" for b in result.decision.blockers)
        st.error(f"'{action}' is still refused:\n{reasons}")
        return
    caches.reload_outbox()
    if result.created:
        st.success(f"'{action}' queued in the outbox as entry {result.outbox_id}.")
    else:
        st.info(f"'{action}' was already waiting in the outbox (entry {result.outbox_id}).")


if __name__ == "__main__":
    render()
