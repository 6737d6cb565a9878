"""Every page says which store it reads: the demo store or yours, its URL with no password."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_pages.settings import Settings
from tests.app.test_pages import start, texts

PAGES = ("overview", "flow", "orders", "rules", "simulate", "sync")


def header(app: object) -> tuple[str, str]:
    sidebar = app.sidebar  # type: ignore[attr-defined]
    return texts(sidebar.markdown)[0], texts(sidebar.caption)[0]


def test_every_page_names_your_store(store_url: str) -> None:
    app = start()
    for page in PAGES:
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, (page, [e.value for e in app.exception])
        named, note = header(app)
        assert named == f"**Reading your store**: `{store_url}`", page
        assert note.startswith("The orders a sync stored, and the actions queued for them.")


def test_the_demo_store_is_named_as_such(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERFLOW_DEMO", "1")
    named, note = header(start("sync"))
    assert named == f"**Reading the demo store**: `{store_url}`"
    assert note == (
        "A simulated month that ends when `orderflow run` filled it. `orderflow sync` fills your "
        "own store (sqlite:///orderflow.db unless --db names another), never this one."
    )


def test_the_url_is_shown_without_its_password() -> None:
    where = Settings("postgresql://analyst:s3cret@db.example:5432/orders", Path("r"), Path("s"))
    assert where.store_shown == "postgresql://analyst:***@db.example:5432/orders"
    assert (where.store_kind, Settings("sqlite:///x.db", Path(), Path(), True).store_kind) == (
        "your store",
        "the demo store",
    )
