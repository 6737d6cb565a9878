"""The sidebar's filters in the page's address, so a view can be bookmarked and shared.

Each filter chosen is a query parameter named after its key without the `filter:` prefix
(`?market=cdiscount&field:delivery_mode=TRK&period=2026-11-01&period=2026-11-30&longer=48`),
written on every run (`publish`) and read once, when a session opens on such an address
(`restore`), before the sidebar draws its widgets.

A link is read whole or not at all, and fails closed: a parameter that names no filter, or a
value the store's log does not hold (a marketplace, a status, a field's code, a period outside
the log), leaves every filter as it was and stops the page with an error naming each one, and a
button that opens the page without the link's filters. Showing the figures with part of the
link dropped would show other orders than the link's under its name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import streamlit as st

PREFIX = "filter:"
PERIOD = f"{PREFIX}period"
LONGER = f"{PREFIX}longer"
_READ = "link:read"  # the session read its address already
_PROBLEMS = "link:problems"  # what the address held that the log does not

# The values a list filter's key may take (None: the key is no filter of the sidebar).
Allowed = Callable[[str], Sequence[object] | None]


def publish(full_period: tuple[date, date]) -> None:
    """The address says every filter chosen: lists not empty, a period other than the whole
    log's (`full_period`), a duration over 0."""
    params: dict[str, list[str]] = {}
    for key, value in st.session_state.items():
        key = str(key)
        if not key.startswith(PREFIX) or not value:
            continue
        if key == PERIOD and tuple(value) == tuple(full_period):
            continue
        values: list[Any] = [value] if key == LONGER else list(value)
        params[key.removeprefix(PREFIX)] = [_text(v) for v in values]
    if params != _current():
        st.query_params.from_dict(params)


def restore(allowed: Allowed, full_period: tuple[date, date]) -> None:
    """On a session's first run, the filters the address names (see the module's docstring);
    stops the page while the address holds something the log does not."""
    if _READ not in st.session_state:
        st.session_state[_READ] = True
        choices, problems = _read(_current(), allowed, full_period)
        if problems:
            st.session_state[_PROBLEMS] = problems
        else:
            st.session_state.update(choices)
    if st.session_state.get(_PROBLEMS):
        _refuse(list(st.session_state[_PROBLEMS]))


def _current() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _read(
    params: dict[str, list[str]], allowed: Allowed, full_period: tuple[date, date]
) -> tuple[dict[str, Any], list[str]]:
    """The session's filter values the address names, and what in it cannot be one."""
    choices: dict[str, Any] = {}
    problems: list[str] = []
    for name, texts in params.items():
        key = PREFIX + name
        try:
            choices[key] = _value(key, texts, allowed, full_period)
        except ValueError as error:
            problems.append(f"`{name}`: {error}")
    return choices, problems


def _value(key: str, texts: list[str], allowed: Allowed, full_period: tuple[date, date]) -> Any:
    if key == PERIOD:
        return _period(texts, full_period)
    if key == LONGER:
        return _hours(texts)
    options = allowed(key)
    if options is None:
        raise ValueError("no filter of the sidebar has this name")
    by_text = {_text(option): option for option in options}
    unknown = [text for text in texts if text not in by_text]
    if unknown:
        raise ValueError(f"{', '.join(repr(t) for t in unknown)} is not a value the log holds")
    return [by_text[text] for text in dict.fromkeys(texts)]


def _period(texts: list[str], full_period: tuple[date, date]) -> tuple[date, date]:
    try:
        start, end = (date.fromisoformat(text) for text in texts)
    except ValueError:
        raise ValueError(f"{texts!r} is not two dates (YYYY-MM-DD)") from None
    first, last = full_period
    if not first <= start <= end <= last:
        raise ValueError(f"{start} to {end} is not within the log's {first} to {last}")
    return start, end


def _hours(texts: list[str]) -> float:
    try:
        (hours,) = (float(text) for text in texts)
    except ValueError:
        raise ValueError(f"{texts!r} is not one number of hours") from None
    if not hours >= 0:
        raise ValueError(f"{hours:g} is not a number of hours (0 or more)")
    return hours


def _text(value: object) -> str:
    """A filter value as the address writes it: a date in ISO form, a bool as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return value.isoformat() if isinstance(value, date) else str(value)


def _refuse(problems: list[str]) -> None:
    st.error(
        "This page's address names filters this store cannot apply, so no figure is shown "
        "(they would count other orders than the link's):\n\n"
        + "\n".join(f"- {problem}" for problem in problems)
    )
    if st.button("Open without the link's filters", key="link:drop"):
        del st.session_state[_PROBLEMS]
        st.query_params.clear()
        st.rerun()
    st.stop()
