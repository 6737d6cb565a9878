"""Fixtures every test package may use: the PostgreSQL server for store-backed tests.

PostgreSQL comes from ORDERFLOW_TEST_PG_URL (default: the project's local server). Each test
gets a schema of its own, named at random, put first on the search path and dropped afterwards,
so tests never see one another's rows. An unreachable server (or no psycopg, the `postgres`
extra) skips the PostgreSQL half, or fails it under CI (CI=true) or with ORDERFLOW_REQUIRE_PG=1:
CI never passes by skipping what it was meant to test. The browser test follows the same rule
with ORDERFLOW_REQUIRE_BROWSER (`must_run`, `unavailable`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pg_url() -> str:
    return os.environ.get("ORDERFLOW_TEST_PG_URL", DEFAULT_PG_URL)


def must_run(flag: str) -> bool:
    """Whether a test missing what it needs fails rather than skips: under CI, or with flag=1."""
    return os.environ.get("CI", "").lower() in ("true", "1") or os.environ.get(flag) == "1"


def unavailable(problem: str, flag: str) -> NoReturn:
    """Skip the test for `problem`, or fail it where it must run (see `must_run`)."""
    if must_run(flag):
        pytest.fail(f"{problem} (CI=true or {flag}=1: this test may not skip)", pytrace=False)
    pytest.skip(problem)


@cache
def pg_problem() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed: pip install 'orderflow[postgres]'"
    try:
        with psycopg.connect(pg_url(), connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL at {pg_url()} is unreachable: {exc}".strip()
    return None


def require_pg() -> None:
    problem = pg_problem()
    if problem is not None:
        unavailable(problem, "ORDERFLOW_REQUIRE_PG")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL store URL whose tables live in a fresh schema, dropped after the test."""
    require_pg()
    import psycopg

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
