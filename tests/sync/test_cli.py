"""`orderflow sync` as a user runs it: once, twice, watching, and without settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.model.clock import SystemClock
from engine.rulefile.loader import load_rules
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync.support import RULES


@pytest.fixture
def live_twin() -> Iterator[Twin]:
    # On the real clock: the CLI runs on the system clock too.
    service = build_service([load_rules(RULES)], plan=Generation(count=120, seed=4))
    with Twin(service) as twin:
        yield twin


def env(twin: Twin) -> dict[str, str]:
    return {
        "LENGOW_API_URL": twin.url,
        "LENGOW_ACCESS_TOKEN": "t",
        "LENGOW_SECRET": "s",
        "LENGOW_ACCOUNT_ID": "1",
    }


def test_sync_once_twice(live_twin: Twin, tmp_path: Path) -> None:
    args = ["sync", "--once", "--db", f"sqlite:///{tmp_path / 's.db'}", "--rules", str(RULES)]
    first = CliRunner().invoke(main, args, env=env(live_twin))
    second = CliRunner().invoke(main, args, env=env(live_twin))
    assert first.exit_code == 0, first.output
    assert "Cdiscount: orders fulfilled by the marketplace skipped" in first.output
    assert "5 window(s): sweep" in first.output and "120 order(s)" in first.output
    assert second.exit_code == 0 and "0 window(s); 0 page(s)" in second.output


def test_sync_watch_waits_for_the_next_window_and_stops_on_ctrl_c(
    live_twin: Twin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(self: SystemClock, seconds: float) -> None:
        assert 0 < seconds <= 15 * 60
        raise KeyboardInterrupt

    monkeypatch.setattr(SystemClock, "sleep", interrupted)
    args = ["sync", "--watch", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=env(live_twin))
    assert result.exit_code == 0, result.output
    assert "next fetch at" in result.output and result.output.endswith("sync stopped\n")


def test_sync_without_settings_names_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["sync", "--once", "--db", f"sqlite:///{tmp_path / 'n.db'}"],
        env={"LENGOW_ACCESS_TOKEN": "", "LENGOW_SECRET": "", "LENGOW_ACCOUNT_ID": ""},
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: the Lengow settings 'access_token', 'secret', 'account_id' are missing: set "
        "LENGOW_ACCESS_TOKEN, LENGOW_SECRET, LENGOW_ACCOUNT_ID\n"
    )
