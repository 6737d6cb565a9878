"""A sync killed with SIGKILL at random points, then restarted, ends with exactly the events of
an uninterrupted sync: nothing lost, nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from engine.rulefile.loader import load_rules
from engine.store import open_store
from simulator.twin.faults import Faults
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync.support import wait_for_lapse

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules" / "cdiscount.yaml"


@pytest.fixture(scope="module")
def twin() -> Iterator[Twin]:
    # Orders within the last 4 days, so windows opened seconds apart see the same orders. Each
    # answer 0.25 s late: a sync's pages take longer than the 0.3 to 1.5 s a run is given before
    # it is killed, however fast the machine ingests them.
    plan = Generation(count=700, seed=5, span=timedelta(days=4))
    service = build_service([load_rules(RULES)], plan=plan, faults=Faults(slow_every=1, delay=0.25))
    with Twin(service) as server:
        yield server


def sync_process(twin: Twin, db: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LENGOW_API_URL": twin.url,
        "LENGOW_ACCESS_TOKEN": "t",
        "LENGOW_SECRET": "s",
        "LENGOW_ACCOUNT_ID": "1",
    }
    command = [
        sys.executable,
        "-m",
        "cli",
        "sync",
        "--once",
        "--db",
        f"sqlite:///{db}",
        "--rules",
        str(RULES),
        # A killed sync's window lease lapses a second after its last page: the restart waits
        # that long (`wait_for_lapse`), not the default two minutes.
        "--lease",
        "1s",
    ]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def event_rows(db: Path) -> list[tuple[str, ...]]:
    with open_store(f"sqlite:///{db}") as store:
        frame = store.events_frame()
    columns = ["marketplace", "order_id", "seq", "from_status", "to_status", "trigger", "inferred"]
    return sorted(map(tuple, frame[columns].astype(str).itertuples(index=False)))


def test_killed_syncs_resume_to_the_uninterrupted_result(twin: Twin, tmp_path: Path) -> None:
    reference = tmp_path / "reference.db"
    assert sync_process(twin, reference).wait(timeout=120) == 0
    expected = event_rows(reference)
    # 1,326 events of 634 orders: 66 of the 700 seed-5 orders are fulfilled, skipped.
    assert (len(expected), len({row[1] for row in expected})) == (1326, 634)

    crashed = tmp_path / "crashed.db"
    rng = random.Random(20261128)
    kills = 0
    for _ in range(4):
        wait_for_lapse(f"sqlite:///{crashed}")
        process = sync_process(twin, crashed)
        try:
            process.wait(timeout=rng.uniform(0.3, 1.5))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    assert kills >= 2
    wait_for_lapse(f"sqlite:///{crashed}")
    finisher = sync_process(twin, crashed)
    assert finisher.wait(timeout=120) == 0, finisher.stderr.read() if finisher.stderr else ""
    assert event_rows(crashed) == expected
