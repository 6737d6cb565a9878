"""`orderflow sync` as a user runs it: once, twice, watching, without settings, and with a
proxy's error page answering an action's POST (a summary and exit 1, or the watch going on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.model.clock import SystemClock
from engine.rulefile.loader import load_rules
from engine.store import open_store
from simulator.twin.faults import Faults
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


def queued_accept(twin: Twin, db: Path) -> str:
    """A store filled by `sync --once` with `accept` queued by `act`; the order's id."""
    args = ["sync", "--once", "--db", f"sqlite:///{db}", "--rules", str(RULES)]
    assert CliRunner().invoke(main, args, env=env(twin)).exit_code == 0
    with open_store(f"sqlite:///{db}") as store:
        order_id = store.open_orders(["WaitingForSellerAcceptation"])[0].order_id
    act = ["act", order_id, "accept", "--db", f"sqlite:///{db}", "--rules", str(RULES)]
    assert CliRunner().invoke(main, act).exit_code == 0
    return order_id


PROXY_PAGE = "POST /v3.0/orders/actions/ answered HTTP 200 with a body that is not JSON"


def test_sync_once_answered_by_a_proxy_page_prints_its_summary_and_exits_1(
    live_twin: Twin, tmp_path: Path
) -> None:
    order_id = queued_accept(live_twin, tmp_path / "p.db")
    live_twin.service.faults.set(Faults(html_actions=1))
    args = ["sync", "--once", "--db", f"sqlite:///{tmp_path / 'p.db'}", "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=env(live_twin))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    summary = result.output.splitlines()[-1].split(" ", 2)[2]  # after the date and time
    assert summary == (
        "0 window(s); 0 page(s), 0 order(s): 0 changed, 0 unchanged, 0 event(s), 0 anomaly(ies), "
        "0 quarantined, 0 fulfilled skipped, 0 timer event(s); outbox: 0 sent, 0 already at the "
        "marketplace, 0 failed, 1 in doubt, 0 confirmed, 0 unconfirmed, 0 awaiting confirmation, "
        "0 left pending; outbox "
        f"problem: accept of order {order_id} left sending (it may have landed; looked up before "
        f"any new send): {PROXY_PAGE}"
    )
    assert len(live_twin.service.actions) == 1


def test_sync_watch_goes_on_after_a_proxy_page(
    live_twin: Twin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued_accept(live_twin, tmp_path / "w.db")
    live_twin.service.faults.set(Faults(html_actions=1))
    waits: list[float] = []

    def once_then_interrupted(self: SystemClock, seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(SystemClock, "sleep", once_then_interrupted)
    args = ["sync", "--watch", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=env(live_twin))
    assert result.exit_code == 0, result.output
    summaries = [line for line in result.output.splitlines() if "outbox:" in line]
    assert len(summaries) == 2 and len(waits) == 2
    assert summaries[0].endswith(PROXY_PAGE)
    # The second run leaves the entry alone (its send began moments ago): no problem, no POST.
    assert summaries[1].endswith(
        "1 in doubt, 0 confirmed, 0 unconfirmed, 0 awaiting confirmation, 0 left pending"
    )
    assert result.output.endswith("sync stopped\n") and len(live_twin.service.actions) == 1
