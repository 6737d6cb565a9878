"""Rules page: the rule files, their diagram, and an editor that validates as you type and saves
only a valid file (atomically, the previous version kept, never outside the rules directory)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages import caches, formats
from app_pages.settings import settings
from engine.model.clock import SystemClock
from engine.model.definition import RuleSet
from engine.model.errors import RuleFileInvalid
from engine.model.problems import Problem
from engine.rulefile.diagram import dot
from workspace.rule_files import (
    RuleFileRefused,
    check,
    excerpt,
    history,
    read,
    read_kept,
    rule_files,
    save,
)


def render() -> None:
    st.title("Rules")
    directory = settings().rules_dir
    files = rule_files(directory)
    if not files:
        st.info(f"No rule file in {directory}.")
        return
    name = st.selectbox("Rule file", [p.name for p in files])
    text = read(directory, name)
    diagram, editor, kept = st.tabs(["Diagram", "Edit", "History"])
    with diagram:
        rules, problems = check(directory, name, text)
        show(rules, problems, text)
    with editor:
        edit(directory, name, text)
    with kept:
        versions(directory, name)


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


def edit(directory: Path, name: str, text: str) -> None:
    st.caption(
        "Edit the YAML; it is checked every time the text changes (Ctrl+Enter or click away). "
        "The diagram below is drawn from the text in the editor."
    )
    edited = st.text_area("YAML", value=text, height=480, key=f"editor:{name}")
    rules, problems = check(directory, name, edited)
    if rules is None:
        errors(problems, edited)
    else:
        st.success("Valid: the rule file loads without any problem.")
    changed = edited != text
    if st.button("Save", type="primary", disabled=rules is None or not changed):
        try:
            saved = save(directory, name, edited, SystemClock().now())
        except (RuleFileInvalid, RuleFileRefused) as refused:
            st.error(str(refused))
        else:
            kept = (
                f"; the previous version is kept as {saved.previous.name}" if saved.previous else ""
            )
            st.success(f"Saved {saved.path.name}{kept}.")
            caches.reload()
    if rules is not None:
        st.graphviz_chart(formats.upright(dot(rules)), width="stretch")


def versions(directory: Path, name: str) -> None:
    kept = history(directory, name)
    if not kept:
        st.write("No earlier version: the file was never saved from the editor.")
        return
    chosen = st.selectbox("Earlier version", [p.name for p in kept])
    st.code(read_kept(directory, name, chosen), language="yaml")


if __name__ == "__main__":
    render()
