"""Every store test runs on SQLite and on PostgreSQL (`store_url`, from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    try:
        yield opened
    finally:
        opened.close()
