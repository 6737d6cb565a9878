"""CI never passes by skipping: under CI=true (as CI runs .ci/run) or with the test's own flag
(ORDERFLOW_REQUIRE_PG, ORDERFLOW_REQUIRE_BROWSER) a missing PostgreSQL or Chromium fails the
test that needs it, with what to do; elsewhere the test skips with the same words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests import conftest
from tests.app import chromium

FLAGS = ("CI", "ORDERFLOW_REQUIRE_PG", "ORDERFLOW_REQUIRE_BROWSER")
DOWN = "PostgreSQL at postgresql://postgres@127.0.0.1:1/test is unreachable: connection refused"
NO_CHROMIUM = "chromium is not installed: apt-get install chromium (.ci/run installs it)"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for flag in FLAGS:
        monkeypatch.delenv(flag, raising=False)
    return monkeypatch


@pytest.fixture
def pg_down(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    clean_env.setattr(conftest, "pg_problem", lambda: DOWN)
    return clean_env


@pytest.fixture
def no_chromium(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """The real lookup, finding nothing: no /usr/bin/chromium, no chromium on the PATH."""
    clean_env.setattr(chromium, "BINARY", str(tmp_path / "chromium"))
    clean_env.setenv("PATH", str(tmp_path))
    return clean_env


@pytest.mark.parametrize(("name", "value"), [("CI", "true"), ("ORDERFLOW_REQUIRE_PG", "1")])
def test_postgresql_down_fails_where_it_must_run(
    pg_down: pytest.MonkeyPatch, name: str, value: str
) -> None:
    pg_down.setenv(name, value)
    with pytest.raises(pytest.fail.Exception) as failed:
        conftest.require_pg()
    reason = "CI=true or ORDERFLOW_REQUIRE_PG=1: this test may not skip"
    assert str(failed.value) == f"{DOWN} ({reason})"


@pytest.mark.parametrize("ci", [None, "false"])
def test_postgresql_down_skips_on_a_developer_machine(
    pg_down: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is not None:
        pg_down.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as skipped:
        conftest.require_pg()
    assert str(skipped.value) == DOWN


def test_without_psycopg_the_problem_names_the_extra(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setitem(sys.modules, "psycopg", None)
    problem = conftest.pg_problem.__wrapped__()  # past the cache: this process has psycopg
    assert problem == "psycopg is not installed: pip install 'orderflow[postgres]'"


@pytest.mark.parametrize(("name", "value"), [("CI", "true"), ("ORDERFLOW_REQUIRE_BROWSER", "1")])
def test_no_chromium_fails_where_it_must_run(
    no_chromium: pytest.MonkeyPatch, name: str, value: str
) -> None:
    no_chromium.setenv(name, value)
    with pytest.raises(pytest.fail.Exception) as failed:
        chromium.require()
    reason = "CI=true or ORDERFLOW_REQUIRE_BROWSER=1: this test may not skip"
    assert str(failed.value) == f"{NO_CHROMIUM} ({reason})"


def test_no_chromium_skips_on_a_developer_machine(no_chromium: pytest.MonkeyPatch) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped:
        chromium.require()
    assert str(skipped.value) == NO_CHROMIUM


def test_the_postgresql_flag_does_not_require_a_browser(no_chromium: pytest.MonkeyPatch) -> None:
    no_chromium.setenv("ORDERFLOW_REQUIRE_PG", "1")
    with pytest.raises(pytest.skip.Exception):
        chromium.require()
