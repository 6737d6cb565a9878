"""Several `orderflow sync --once` processes on one store, on SQLite and PostgreSQL, against the
twin on the real clock: one fetches, the others say who holds the window and exit 0, and the
store ends as one uninterrupted sync leaves it, with no order page asked for twice.

The twin holds the order-page requests it is told to (`Gate`) until the test opens it, so the
processes overlap whatever the machine's speed: the one holding the lease waits at the gate
while the others start, are refused the lease and exit; then it goes on. Every request the twin
serves is logged. A killed worker's lease is left to lapse (`--lease 1s`, the only wait on the
wall clock) before another takes the window over.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.channels.order_mapping import OrderMapper
from engine.model.clock import SystemClock
from engine.model.snapshot import OrderSnapshot
from engine.rulefile.loader import load_rules
from engine.runtime.import_policy import is_fulfilled
from engine.store import Lease, LeaseHeld, RunStatus, open_store, shown_holder
from engine.store.fetch_log import INTERRUPTED
from engine.sync.window_lease import lease_name
from simulator.twin.api import TwinReply, TwinRequest, TwinService
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync.support import (
    RULES,
    ManualClock,
    duplicate_events,
    event_rows,
    syncer,
    wait_for_lapse,
)

ROOT = Path(__file__).resolve().parents[2]
WINDOW = lease_name(1, "cdiscount")
ORDERS = "/v3.0/orders"


class Gate:
    """The twin's request handling from now on, logged, with the order-page requests `holds`
    picks (by their number, from 1) held until `opened`."""

    def __init__(self, twin: Twin, holds: Callable[[int], bool]) -> None:
        self.twin, self.holds = twin, holds
        self.log: list[TwinRequest] = []
        self.reached, self.opened = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        self.inner = twin.service.handle
        twin.service.handle = self.handle  # type: ignore[method-assign]

    def handle(self, request: TwinRequest) -> TwinReply:
        if request.method == "GET" and request.path.rstrip("/") == ORDERS:
            with self.lock:
                self.log.append(request)
                number = len(self.log)
            if self.holds(number):
                self.reached.set()
                assert self.opened.wait(timeout=120)
        return self.inner(request)

    def pages(self) -> list[tuple[str, str, str]]:
        """Each order page asked for: its window and page number."""
        with self.lock:
            queries = [r.query for r in self.log]
        return [(q["updated_from"], q["updated_to"], q.get("page", "1")) for q in queries]


@pytest.fixture
def live_twin() -> Iterator[Twin]:
    # On the real clock, as the CLI; orders of the last 4 days, in every sweep's reach.
    plan = Generation(count=400, seed=5, span=timedelta(days=4))
    with Twin(build_service([load_rules(RULES)], plan=plan)) as twin:
        yield twin


def start(twin: Twin, url: str, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cli", "sync", "--once", "--db", url, "--rules", str(RULES)]
    return subprocess.Popen(
        [*command, *options],
        env={**os.environ, **settings(twin)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def settings(twin: Twin) -> dict[str, str]:
    return {
        "LENGOW_API_URL": twin.url,
        "LENGOW_ACCESS_TOKEN": "t",
        "LENGOW_SECRET": "s",
        "LENGOW_ACCOUNT_ID": "1",
    }


def fill(twin: Twin, url: str) -> None:
    """The store as a sync an hour ago left it: the orders updated since are news."""
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=1))
    with open_store(url) as store:
        assert syncer(twin, store, clock).run_once().failed is None


def truth(service: TwinService) -> dict[tuple[str, str], str | None]:
    """The status of every order the twin serves that the sync imports (not fulfilled ones)."""
    rules = load_rules(RULES)
    mapped = OrderMapper([rules]).map_page([o.document for o in service.source.orders()])
    return {
        (snap.marketplace, snap.order_id): rules.status_for_code(snap.status_code)
        for snap in mapped
        if isinstance(snap, OrderSnapshot) and not is_fulfilled(rules, snap.fields)
    }


def assert_the_store_holds_the_truth(url: str, twin: Twin, tmp_path: Path) -> None:
    """The twin's statuses, no event twice (plain SQL), the events of one uninterrupted sync."""
    expected = truth(twin.service)
    clock = ManualClock(datetime.now(UTC))
    with open_store(f"sqlite:///{tmp_path / 'reference.db'}") as alone:
        assert syncer(twin, alone, clock).run_once().failed is None
        uninterrupted = event_rows(alone)
    with open_store(url) as store:
        statuses = {key: state.status for key, state in store.get_orders(expected).items()}
        assert (statuses, store.count_orders()) == (expected, len(expected))
        assert event_rows(store) == uninterrupted
    assert duplicate_events(url) == []


def skipped_line(lease: Lease) -> str:
    return (
        f"cdiscount: another sync ({shown_holder(lease.holder)}) holds the window until "
        f"{lease.expires_at:%H:%M:%S}; skipped"
    )


def pid_of(lease: Lease) -> int:
    host, pid, _token = lease.holder.rsplit(":", 2)
    assert host == socket.gethostname()
    return int(pid)


@pytest.mark.parametrize("filled", [False, True], ids=["new", "filled"])
@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_syncs_fetch_each_page_once_and_the_others_say_they_skipped(
    workers: int, filled: bool, store_url: str, live_twin: Twin, tmp_path: Path
) -> None:
    if filled:
        fill(live_twin, store_url)
    gate = Gate(live_twin, holds=lambda number: number == 1)
    processes = [start(live_twin, store_url) for _ in range(workers)]
    assert gate.reached.wait(timeout=120)  # one holds the lease and waits for its first page
    with open_store(store_url) as store:
        (lease,) = store.leases()
    (winner,) = [p for p in processes if p.pid == pid_of(lease)]
    skipped = [p.communicate(timeout=120) for p in processes if p is not winner]
    gate.opened.set()
    done = winner.communicate(timeout=120)

    assert [p.returncode for p in processes] == [0] * workers
    assert [err for _, err in [*skipped, done]] == [""] * workers  # no traceback, no warning
    for out, _ in skipped:
        summary = out.splitlines()[-1]
        assert " 0 window(s); 0 page(s), 0 order(s)" in summary
        assert summary.endswith(f"; {skipped_line(lease)}")
    windows = "1 window(s): incremental" if filled else "5 window(s): sweep"
    assert windows in done[0] and "another sync" not in done[0] and "FAILED" not in done[0]
    pages = gate.pages()
    with open_store(store_url) as store:
        runs, leases = store.fetch_runs(), store.leases()
    walked = [r for r in runs if r.holder == lease.holder]
    assert Counter(pages).most_common(1)[0][1] == 1  # no page asked for twice
    assert len(pages) == sum(r.pages for r in walked)
    assert len(walked) == (1 if filled else 5)
    assert ({r.status for r in runs}, leases) == ({RunStatus.OK}, [])
    assert_the_store_holds_the_truth(store_url, live_twin, tmp_path)


def test_a_worker_killed_holding_the_lease_is_taken_over_once_it_lapsed(
    store_url: str, live_twin: Twin, tmp_path: Path
) -> None:
    # Held at its second page: the first window committed, the second's run open.
    gate = Gate(live_twin, holds=lambda number: number == 2)
    worker = start(live_twin, store_url, "--lease", "1s")
    assert gate.reached.wait(timeout=120)
    with open_store(store_url) as store:
        (lease,) = store.leases()
        runs = store.fetch_runs()
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=60) == -signal.SIGKILL
    gate.opened.set()
    assert pid_of(lease) == worker.pid
    assert [(r.status, r.holder) for r in runs] == [
        (RunStatus.OK, lease.holder),
        (RunStatus.RUNNING, lease.holder),
    ]
    # Until its lease lapses, the window stays the dead worker's, and so does its open run.
    just_before = lease.expires_at - timedelta(milliseconds=1)
    with open_store(store_url) as store:
        with pytest.raises(LeaseHeld):
            store.take_leases([WINDOW], "probe:1:x", just_before, lease.expires_at)
        assert store.close_interrupted(just_before) == 0

    wait_for_lapse(store_url)
    taker = start(live_twin, store_url, "--lease", "1s")
    out, err = taker.communicate(timeout=120)
    assert (taker.returncode, err) == (0, "")
    assert "another sync" not in out and "FAILED" not in out
    with open_store(store_url) as store:
        first, interrupted, *rest = store.fetch_runs()
    assert (first.status, interrupted.status, interrupted.error) == (
        RunStatus.OK,
        RunStatus.FAILED,
        INTERRUPTED,
    )
    assert rest and {(r.status, r.holder == lease.holder) for r in rest} == {(RunStatus.OK, False)}
    # The dead worker's two pages and the taker's, none twice: the taker starts where it stopped.
    pages = gate.pages()
    assert Counter(pages).most_common(1)[0][1] == 1
    assert len(pages) == 2 + sum(r.pages for r in rest)
    assert_the_store_holds_the_truth(store_url, live_twin, tmp_path)


def test_sync_once_with_the_window_held_says_so_and_exits_0(
    store_url: str, live_twin: Twin
) -> None:
    now = datetime.now(UTC)
    with open_store(store_url) as store:
        (lease,) = store.take_leases([WINDOW], "hostB:202:bbbb", now, now + timedelta(minutes=2))
    gate = Gate(live_twin, holds=lambda number: False)
    args = ["sync", "--once", "--db", store_url, "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=settings(live_twin))
    assert result.exit_code == 0, result.output
    until = f"{lease.expires_at:%H:%M:%S}"
    assert result.output.splitlines()[-1].endswith(
        f"; cdiscount: another sync (hostB pid 202) holds the window until {until}; skipped"
    )
    assert gate.pages() == []


def test_sync_watch_with_the_window_held_waits_until_the_lease_lapses(
    store_url: str, live_twin: Twin, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    with open_store(store_url) as store:
        (lease,) = store.take_leases([WINDOW], "hostB:202:bbbb", now, now + timedelta(minutes=2))
    waits: list[float] = []

    def interrupted(self: SystemClock, seconds: float) -> None:
        waits.append(seconds)
        raise KeyboardInterrupt

    monkeypatch.setattr(SystemClock, "sleep", interrupted)
    args = ["sync", "--watch", "--db", store_url, "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=settings(live_twin))
    assert result.exit_code == 0, result.output
    assert f"next fetch at {lease.expires_at:%H:%M:%S}\n" in result.output
    (wait,) = waits
    assert 0 < wait <= 120  # not at once (a busy loop), not the 15 minutes of the schedule


def test_a_lease_must_last() -> None:
    result = CliRunner().invoke(main, ["sync", "--once", "--lease", "0s"])
    assert result.exit_code == 2
    assert "'0s' is no time: a lease must last, e.g. 30s or 2m" in result.output
