"""The Rules editor's confirmation (`app_pages.rule_impact.confirm_save`) on a tiny page of its
own, over a store a simulated day filled: the impact shown, and the save held until confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.store import open_store
from tests.authoring.stores import CDISCOUNT, TEXT, edited, fill_day

ROOT = Path(__file__).resolve().parents[2]
SIX_HOURS = edited(("after: 48h", "after: 6h"))


def page(new_text: str) -> AppTest:
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
import streamlit as st
from app_pages.rule_impact import confirm_save
from tests.authoring.stores import TEXT
st.write("may save: " + str(confirm_save(Path({str(CDISCOUNT.parent)!r}), "cdiscount.yaml",
                                          TEXT, {new_text!r})))
"""
    return AppTest.from_string(script, default_timeout=60).run()


@pytest.fixture(scope="module")
def day_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('impact_app') / 'store.db'}"
    with open_store(url) as store:
        fill_day(store)
    return url


def _said(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown]


def test_a_change_affecting_orders_in_flight_waits_for_the_confirmation(
    day_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERFLOW_DB", day_store)
    app = page(SIX_HOURS)
    assert not app.exception, [e.value for e in app.exception]
    assert [w.value for w in app.warning] == [
        "This change affects 8 of the 25 orders of cdiscount in flight (rules 2026.11.1 -> "
        "2026.12.1)."
    ]
    table = app.dataframe[0].value
    # The page judges deadlines on the real clock: the simulated day (March 2026) is long past,
    # so its orders were overdue under 48 h already, and none is overdue at once.
    assert table["what"].tolist() == ["deadline moved"]
    assert table["orders"].tolist() == [8]
    assert _said(app)[-1] == "may save: False"
    app.checkbox[0].check().run()
    assert _said(app)[-1] == "may save: True"


def test_with_no_store_or_the_same_rules_there_is_nothing_to_confirm(
    day_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERFLOW_DB", day_store)
    assert _said(page(TEXT))[-1] == "may save: True"
    monkeypatch.setenv("ORDERFLOW_DB", f"sqlite:///{tmp_path / 'none.db'}")
    app = page(SIX_HOURS)
    assert (_said(app)[-1], app.warning) == ("may save: True", [])
    assert not (tmp_path / "none.db").exists()


def test_a_change_keeping_its_rules_version_says_what_that_means(
    day_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERFLOW_DB", day_store)
    assert TEXT.count("after: 48h") == 1
    app = page(TEXT.replace("after: 48h", "after: 6h"))  # rules_version 2026.11.1 kept
    assert not app.exception, [e.value for e in app.exception]
    assert [w.value for w in app.warning][1:] == [
        "The file rules/cdiscount.yaml keeps rules_version 2026.11.1 but its rules differ from "
        "those kept under 2026.11.1: the orders pinned to 2026.11.1 will run under the new rules "
        "from the next sync on, without a migration; give the new file a rules_version of its own "
        "(marketplace.rules_version) to move them deliberately."
    ]
    assert _said(app)[-1] == "may save: False"
