"""Rules page: the rule files, their diagram, an editor that validates as you type and saves only
a valid file (atomically, the previous version kept, never outside the rules directory), and
the history: every kept version, a diff between any two, and a restore that can be undone. The
Check tab runs `orderflow check` on the editor's text (`app_pages.rule_check`).

A save or a restore reruns the page, so the diagram and every other page are drawn from the new
file at once (the caches that read the rule files are dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages import caches, formats, rule_check, rule_editor, rule_impact
from app_pages.settings import settings
from engine.model.clock import SystemClock
from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Problem
from engine.rulefile.diagram import dot
from workspace.rule_files import (
    AmbiguousVersion,
    RuleFileRefused,
    Saved,
    UnknownVersion,
    Version,
    check,
    diff,
    excerpt,
    read,
    restore,
    rule_files,
    save,
    versions,
)

DONE = "rules:done"  # the message of the last save or restore, shown after the rerun


def render() -> None:
    st.title("Rules")
    directory = settings().rules_dir
    files = rule_files(directory)
    if not files:
        st.info(f"No rule file in {directory}.")
        return
    name = st.selectbox("Rule file", [p.name for p in files])
    text = read(directory, name)
    if DONE in st.session_state:
        st.success(st.session_state.pop(DONE))
    diagram, editor, checked, kept = st.tabs(["Diagram", "Edit", "Check", "History"])
    with diagram:
        rules, problems = check(directory, name, text)
        show(rules, problems, text)
    with editor:
        edited = edit(directory, name, text)
    with checked:
        rule_check.render(directory, name, edited)  # `orderflow check` on the editor's text
    with kept:
        history(directory, name)


def show(rules: RuleSet | None, problems: list[Problem], text: str) -> None:
    if rules is None:
        errors(problems, text)
        return
    st.caption(
        f"{rules.marketplace.name}, rules {rules.marketplace.rules_version}: "
        f"{len(rules.statuses)} statuses, {len(rules.transitions)} transitions, "
        f"{len(rules.actions)} actions, {len(rules.timers)} timers."
    )
    st.graphviz_chart(formats.upright(dot(rules)), width="stretch")


def errors(problems: list[Problem], text: str) -> None:
    count = len(problems)
    st.error(f"{count} problem{'s' if count != 1 else ''}: the file cannot be saved as it is.")
    for problem in problems:
        where = problem.where
        hint = f" ({problem.hint})" if problem.hint else ""
        st.markdown(f"**line {where.line}, column {where.column}**: {problem.message}{hint}")
        st.code(excerpt(text, problem), language=None)


def edit(directory: Path, name: str, text: str) -> str:
    """The editor of rule file `name`, its problems, Save and the edited text's diagram; returns
    the text in the editor."""
    st.caption(
        "Edit the YAML; it is checked when you press Ctrl+Enter or click outside the editor. "
        "Problems name the line and column the editor numbers; the diagram below is drawn from "
        "the text in the editor."
    )
    edited = rule_editor.edited(name, text)
    rules, problems = check(directory, name, edited)
    rule_editor.draw(name, text)
    if rules is None:
        errors(problems, edited)
    else:
        st.success("Valid: the rule file loads without any problem.")
    ready = rules is not None and edited != text and save_confirmed(directory, name, text, edited)
    if st.button("Save", type="primary", disabled=not ready):
        saved(lambda now: save(directory, name, edited, now))
    if rules is not None:
        st.graphviz_chart(formats.upright(dot(rules)), width="stretch")
    return edited


def save_confirmed(directory: Path, name: str, old_text: str, new_text: str) -> bool:
    """Whether `new_text` may replace `old_text` as rule file `name`: with orders in flight under
    the file in the app's store, what the change does to them is shown and the author confirms
    (`app_pages.rule_impact.confirm_save`); otherwise there is nothing to confirm."""
    return rule_impact.confirm_save(directory, name, old_text, new_text)


def saved(write: Callable[[datetime], Saved], done_as: str = "Saved") -> None:
    """Run a save (`write(now)`); on success drop the caches that read rule files and rerun the
    page on the new file, its message ("Saved NAME; ...") kept for the rerun."""
    try:
        done = write(SystemClock().now())
    except (RuleFileInvalid, RuleFileRefused, UnknownVersion, AmbiguousVersion) as refused:
        st.error(str(refused))
        return
    kept = f"; the previous version is kept as {done.previous.name}" if done.previous else ""
    st.session_state[DONE] = f"{done_as} {done.path.name}{kept}."
    caches.reload()
    st.rerun()


def history(directory: Path, name: str) -> None:
    """Every version of rule file `name`, a diff between two, and a restore."""
    every = versions(directory, name)
    if len(every) < 2:
        st.write("No earlier version: the file was never saved from the editor.")
        return
    formats.table(listing(every))
    shown = [v.describe() for v in every]
    older = st.selectbox("Version", range(1, len(every)), format_func=shown.__getitem__)
    newer = st.selectbox("Compared with", range(len(every)), format_func=shown.__getitem__)
    lines = diff(every[older], every[newer], name)
    if lines:
        st.code("\n".join(lines), language="diff")
    else:
        st.info(f"{shown[older]} and {shown[newer]} hold the same text.")
    chosen, current = every[older], every[0]
    ready = chosen.text != current.text and save_confirmed(
        directory, name, current.text, chosen.text
    )
    st.caption("A restore saves that text as the current file: the version it replaces is kept.")
    if st.button(f"Restore {chosen.describe()}", disabled=not ready):
        restored = f"Restored {chosen.describe()} as"
        saved(lambda now: restore(directory, name, chosen.sha256, now), restored)


def listing(every: list[Version]) -> pd.DataFrame:
    """The versions as a table: when each was replaced, its rules_version, its hash, its size."""
    return pd.DataFrame(
        {
            "replaced at": [
                "current" if v.replaced_at is None else f"{v.replaced_at:%Y-%m-%d %H:%M:%S} UTC"
                for v in every
            ],
            "rules_version": [v.rules_version or "–" for v in every],
            "sha256": [v.short for v in every],
            "lines": [len(v.text.splitlines()) for v in every],
            "kept as": ["" if v.current else v.name for v in every],
        }
    )


if __name__ == "__main__":
    render()
