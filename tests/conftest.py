"""Fixtures every test package may use: the PostgreSQL server for store-backed tests.

PostgreSQL comes from ORDERFLOW_TEST_PG_URL (default: the project's local server). Each test
gets a schema of its own, named at random, put first on the search path and dropped afterwards,
so tests never see one another's rows. An unreachable server skips the PostgreSQL half, or
fails it when ORDERFLOW_REQUIRE_PG=1 (as CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    return os.environ.get("ORDERFLOW_TEST_PG_URL", DEFAULT_PG_URL)


@cache
def pg_problem() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    try:
        with psycopg.connect(pg_url(), connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {pg_url()} is unreachable: {exc}".strip()
    return None


def require_pg() -> None:
    problem = pg_problem()
    if problem is None:
        return
    if os.environ.get("ORDERFLOW_REQUIRE_PG") == "1":
        pytest.fail(problem)
    pytest.skip(problem)


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL store URL whose tables live in a fresh schema, dropped after the test."""
    require_pg()
    schema = f"orderflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url(), autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(pg_url(), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url
