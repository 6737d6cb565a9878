"""Everything the pages read, loaded once and kept: the store, the rule files, the event log,
the orders' line mixes.

The store and the prepared event log are loaded once per process (`st.cache_resource`: a
million events are read once, not per click); aggregates are cached per filter
(`st.cache_data`), so only small tables ever reach the browser. Rule files and scenarios are
keyed by their modification times, so an edited file is read again by itself. `reload` ("Reload
data" in the sidebar, or a saved rule file) drops the caches after a sync or a simulation has
written to the store.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from analytics.selection import LogFilter, filter_log
from app_pages.settings import settings
from engine.runtime.runtime import Runtime
from engine.store import Store, open_store
from simulator.scenario.loader import load_scenario
from simulator.scenario.values import Scenario
from workspace.rule_files import rule_files
from workspace.sources import (
    RuleBook,
    load_rulebook,
    read_anomalies,
    read_line_mixes,
    read_log,
    read_outbox,
)

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return open_store(url)


def store() -> Store:
    """The store of the settings, opened once per process."""
    return _store(settings().store_url)


def _stamp(directory: Path) -> tuple[tuple[str, int], ...]:
    """The rule files of `directory` with their modification times: a key that changes with them."""
    return tuple((p.name, p.stat().st_mtime_ns) for p in rule_files(directory))


@st.cache_resource(show_spinner=False)
def _rulebook(directory: str, stamp: tuple[tuple[str, int], ...]) -> RuleBook:
    return load_rulebook(Path(directory))


def rulebook() -> RuleBook:
    """The rule files, reloaded whenever one of them changes on disk."""
    directory = settings().rules_dir
    return _rulebook(str(directory), _stamp(directory))


@st.cache_resource(show_spinner=False, max_entries=16)
def _runtime(code: str, stamp: tuple[tuple[str, int], ...]) -> Runtime:
    return Runtime(rulebook().rules[code])


def runtime(code: str) -> Runtime:
    """The runtime of marketplace `code`'s rule set (one machine, built once per file version)."""
    return _runtime(code, _stamp(settings().rules_dir))


@st.cache_resource(show_spinner="Reading the event log…", max_entries=2)
def _log(url: str, markets: tuple[str, ...]) -> pd.DataFrame:
    return read_log(_store(url), rulebook().rule_sets())


def full_log() -> pd.DataFrame:
    """The whole prepared event log of the store."""
    return _log(settings().store_url, tuple(sorted(rulebook().rules)))


def cached(name: str, where: LogFilter, compute: Callable[[pd.DataFrame], T]) -> T:
    """`compute` over the filtered log, cached per data set, page figure and filter."""
    key = f"{settings().store_url}|{sorted(rulebook().rules)}|{name}|{where!r}"
    return _cached(key, compute, where)  # type: ignore[no-any-return]


@st.cache_data(show_spinner=False, max_entries=64)
def _cached(key: str, _compute: Callable[[pd.DataFrame], Any], _where: LogFilter) -> Any:
    return _compute(filter_log(full_log(), _where))


@st.cache_resource(show_spinner=False, max_entries=2)
def _anomalies(url: str) -> pd.DataFrame:
    return read_anomalies(_store(url))


def anomalies() -> pd.DataFrame:
    """Every anomaly the store kept."""
    return _anomalies(settings().store_url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _line_mixes(url: str, markets: tuple[str, ...]) -> pd.DataFrame:
    return read_line_mixes(_store(url), _log(url, markets))


def line_mixes() -> pd.DataFrame:
    """Each order with cart lines and its mix, numbered as in `full_log()` and read with it,
    once per store read: the Orders page's "lines" column and filter and the Overview's line
    figures take it."""
    return _line_mixes(settings().store_url, tuple(sorted(rulebook().rules)))


@st.cache_resource(show_spinner=False, max_entries=2)
def _outbox(url: str) -> pd.DataFrame:
    return read_outbox(_store(url))


def outbox() -> pd.DataFrame:
    """The outbox as last read (queueing an action reloads it)."""
    return _outbox(settings().store_url)


def reload_outbox() -> None:
    _outbox.clear()


def reload() -> None:
    """Drop what was read from the store and the rule files: the next page reads them again."""
    for cache in (_log, _cached, _rulebook, _anomalies, _line_mixes, _outbox, _runtime):
        cache.clear()


@st.cache_resource(show_spinner=False)
def _scenario(path: str, stamp: int) -> Scenario:
    return load_scenario(path)


def scenario(path: Path) -> Scenario:
    """The scenario file at `path`, read again when it changes; raises `ScenarioInvalid`."""
    return _scenario(str(path), path.stat().st_mtime_ns)
