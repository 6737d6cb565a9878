"""PostgreSQL's driver and Dask are extras (`orderflow[postgres]`, `orderflow[dask]`): without
one, the feature that needs it says which extra to install, instead of a traceback.

The tests install both, so each missing module is simulated: `None` in `sys.modules` makes its
import fail as a missing package's does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.store import StoreError, open_store
from simulator.results.compare import DaskMissing, dask_map
from tests.simulator.test_cli import small_scenario

DRIVER_MISSING = (
    "PostgreSQL needs the driver psycopg: pip install 'orderflow[postgres]' "
    "(import of psycopg halted; None in sys.modules)"
)
DASK_MISSING = (
    "--dask needs Dask: pip install 'orderflow[dask]' "
    "(import of dask.distributed halted; None in sys.modules)"
)
# Never reached: the driver is missing before any connection is tried.
PG_URL = "postgresql://postgres@127.0.0.1:1/nowhere"


@pytest.fixture
def no_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)


@pytest.fixture
def no_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)


@pytest.mark.usefixtures("no_psycopg")
def test_a_postgresql_store_without_its_driver_names_the_extra() -> None:
    with pytest.raises(StoreError) as raised:
        open_store(PG_URL)
    assert str(raised.value) == DRIVER_MISSING


@pytest.mark.usefixtures("no_psycopg")
def test_the_cli_prints_the_missing_driver_as_an_error() -> None:
    result = CliRunner().invoke(main, ["act", "O1", "ship", "--db", PG_URL])
    assert result.exit_code == 1
    assert result.output == f"Error: {DRIVER_MISSING}\n"


@pytest.mark.usefixtures("no_psycopg")
def test_sqlite_needs_no_extra(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert store.count_orders() == 0


@pytest.mark.usefixtures("no_dask")
def test_dask_replications_without_dask_name_the_extra() -> None:
    with pytest.raises(DaskMissing) as raised:
        list(dask_map("tcp://127.0.0.1:1")(str, []))
    assert str(raised.value) == DASK_MISSING


@pytest.mark.usefixtures("no_dask")
def test_simulate_dask_without_dask_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    scenario = str(small_scenario(tmp_path))
    args = ["simulate", "--scenario", scenario, "--compare", scenario, "--days", "1"]
    args += ["--dask", "tcp://127.0.0.1:1", "--out", str(tmp_path / "o"), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output == f"Error: {DASK_MISSING}\n"
