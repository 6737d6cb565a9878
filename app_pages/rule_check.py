"""The Rules page's "Check" button: `orderflow check` on the text being edited, its result as the
command prints it, and a counterexample drawn on the diagram (the order's path in bold blue,
each edge with its step numbers).

The Rules page (`app_pages.rules`) calls `render` with the file it shows. The result is kept in
the session with the text it was run on, so it stays shown until the text changes.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages import formats
from authoring.check import DEFAULT_EXAMPLES, CheckResult, check
from authoring.report import report, summary
from authoring.timeline import path_notes
from engine.rulefile.diagram import dot
from workspace.rule_files import check as load

# Progress is drawn every so many orders: a bar update per order costs more than the order.
PROGRESS_EVERY = 50


def render(rules_dir: Path, name: str, text: str) -> None:
    """The check of rule file `name` whose text is `text`, run when the button is clicked."""
    key = f"rule-check:{name}"
    left, right = st.columns(2)
    examples = int(
        left.number_input(
            "Orders to explore", 10, 100_000, DEFAULT_EXAMPLES, step=100, key=f"{key}:examples"
        )
    )
    seed = int(right.number_input("Seed", 0, 2**31 - 1, 0, key=f"{key}:seed"))
    if st.button(
        "Check", key=f"{key}:button", help="Explore the rules for an order that breaks a property"
    ):
        rules, problems = load(rules_dir, name, text)
        if rules is None:
            st.error(f"The file has {len(problems)} problem(s): fix them before checking it.")
            return
        bar = st.progress(0.0, text="Exploring orders")

        def progress(done: int) -> None:
            if done % PROGRESS_EVERY == 0 or done == examples:
                bar.progress(min(done / examples, 1.0), text=f"{done:,} of {examples:,} orders")

        st.session_state[key] = (text, check(rules, examples, seed, progress))
        bar.empty()
    kept = st.session_state.get(key)
    if kept is not None and kept[0] == text:
        show(name, kept[1])


def show(name: str, result: CheckResult) -> None:
    headline = summary(name, result)
    (st.success if result.passed else st.error)(headline)
    st.code("\n".join(list(report(name, result))[1:]), language=None)
    if result.counterexample is not None:
        notes = path_notes(result.counterexample.timeline)
        st.caption("The counterexample's path, in blue, each edge with its step numbers.")
        st.graphviz_chart(formats.upright(dot(result.rules, path=notes)), width="stretch")
