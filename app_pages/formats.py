"""How the pages show what they compute: durations for people, tables without inner scroll
bars, rule diagrams drawn top to bottom. Formatting only: nothing here reads data."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from engine.rulefile.diagram import span


def duration(seconds: float | None) -> str:
    """Seconds for people (`3h 20m`), or a dash when unknown."""
    return "–" if seconds is None or pd.isna(seconds) else span(float(seconds))


def durations(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `table` with its seconds `columns` written as durations (`_s` suffix dropped)."""
    shown = table.copy()
    for column in columns:
        shown[column] = shown[column].map(duration)
    return shown.rename(columns={c: c.removesuffix("_s") for c in columns})


def bounds(table: pd.DataFrame) -> pd.DataFrame:
    """`table` (its durations already written) with `median_low_s` and `median_high_s` as one
    column, `median between`: "1h – 2h"."""
    if "median_low_s" not in table.columns:
        return table
    low = table["median_low_s"].map(duration)
    high = table["median_high_s"].map(duration)
    between = [f"{a} – {b}" if a != b else a for a, b in zip(low, high, strict=True)]
    shown = table.drop(columns=["median_low_s", "median_high_s"])
    where = list(shown.columns).index("p99") + 1 if "p99" in shown.columns else len(shown.columns)
    shown.insert(where, "median between", between)
    return shown


def upright(diagram: str) -> str:
    """A DOT diagram drawn top to bottom: the page is narrower than a long left-to-right chain."""
    return diagram.replace("rankdir=LR;", "rankdir=TB;", 1)


def table(frame: pd.DataFrame, rows: int = 15, **options: Any) -> None:
    """A dataframe tall enough for up to `rows` rows without an inner scroll bar."""
    height = 38 + 35 * min(max(len(frame), 1), rows)
    st.dataframe(frame, hide_index=options.pop("hide_index", True), height=height, **options)
