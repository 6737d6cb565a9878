"""The app in a real browser: `streamlit run app.py`, each page loaded in headless Chromium,
no error box, no exception, a screenshot of each page kept under pytest's tmp dir; then a
click-through (a map edge -> the Orders page on its orders -> one order's timeline) and a filter
on a field only the second rule file declares. The store holds the orders of
tests/analytics/conftest.py and of tests/analytics/populations.py (two marketplaces)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from engine.store import open_store
from tests.app import chromium
from tests.app.conftest import RULES_DIR, fill, two_market_changes

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# url path, the title the page draws, a text the page must show for this store.
PAGES = [
    ("", "Overview", "Funnels by stage, one per rule file"),
    ("flow", "Flow", "Process map"),
    ("orders", "Orders", "What can be done now"),
    ("rules", "Rules", "Rule file"),
    ("simulate", "Simulate", "Scenario"),
    ("sync", "Sync", "Watermark"),
]
ERROR_TEXTS = ("Traceback (most recent call last)", "StreamlitAPIException", "Page not found")
ERROR_BOXES = ('data-testid="stException"', 'data-testid="stAlertContentError"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chromium.require()
    folder = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{folder / 'store.db'}"
    with open_store(url) as store:
        fill(store)
        store.apply(two_market_changes())
    port = free_port()
    env = {**os.environ, "ORDERFLOW_DB": url, "ORDERFLOW_RULES": str(RULES_DIR)}
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    command += ["--server.headless", "true", "--server.port", str(port)]
    command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log = (folder / "streamlit.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def wait_healthy(health: str, server: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 60
    while time.monotonic() < end and server.poll() is None:
        try:
            if httpx.get(health, timeout=2).text == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not start (exit code {server.poll()})")


def test_every_page_loads_without_error(
    app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("screenshots")
    failures = []
    with chromium.browser(tmp_path_factory.mktemp("profile")) as page:
        for path, title, expected in PAGES:
            loaded = page.open(f"{app_url}/{path}")
            page.screenshot(shots / f"{title.lower()}.png")
            dom, text = page.dom(), page.text()
            (shots / f"{title.lower()}.html").write_text(dom, encoding="utf-8")
            problems = [t for t in ERROR_TEXTS if t in text]
            problems += [b for b in ERROR_BOXES if b in dom]
            if not loaded:
                problems.append("did not finish loading")
            if "<h1" not in dom or title not in text:
                problems.append(f"no title '{title}'")
            if expected not in text:
                problems.append(f"'{expected}' not shown")
            if problems:
                failures.append(f"/{path}: {problems}")
    assert not failures, f"{failures}; screenshots in {shots}"


# The Rules page's code editor draws in its component's frame: its first gutter numbers and font.
EDITOR = """(() => {
  const tab = [...document.querySelectorAll('[role=tab]')].find(t => t.innerText === 'Edit');
  if (tab) tab.click();
  const frames = [...document.querySelectorAll('iframe')].map(f => f.contentDocument);
  const doc = frames.find(d => d && d.querySelector('.ace_editor'));
  if (!doc) return null;
  const cells = [...doc.querySelectorAll('.ace_gutter-cell')].map(c => c.innerText.trim());
  const font = getComputedStyle(doc.querySelector('.ace_editor')).fontFamily;
  return {numbers: cells.slice(0, 3), monospace: font.includes('monospace')};
})()"""


def test_the_rules_editor_numbers_its_lines_in_a_monospace_font(
    app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with chromium.browser(tmp_path_factory.mktemp("profile")) as page:
        assert page.open(f"{app_url}/rules")
        end, drawn = time.monotonic() + 30, None
        while time.monotonic() < end and not (drawn and drawn["numbers"]):
            drawn = page.evaluate(EDITOR)
            time.sleep(0.25)
        assert drawn == {"numbers": ["1", "2", "3"], "monospace": True}


# The Flow page's edge table lists the edges busiest first: the creations (11 moves), then the
# acceptances (7: O1, O4, O6, C1 to C4).
ACCEPTED_ROW = 1
# Those seven orders, the latest changed first: O1 (day 2 14:00), O6, C1 (day 2 06:00), O4...
ACCEPTED = ["O1", "O6", "C1", "O4", "C2", "C4", "C3"]


def test_a_map_edge_leads_to_its_orders_and_one_order_to_its_timeline(
    app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("click_through")
    with chromium.browser(tmp_path_factory.mktemp("profile")) as page:
        assert page.open(f"{app_url}/flow")
        page.pick_row(0, ACCEPTED_ROW)  # the first dataframe: the map's edges
        assert page.wait_text("Drill-down"), f"no drill-down shown; screenshots in {shots}"
        page.screenshot(shots / "orders.png")
        text = page.text()
        assert (
            "Drill-down: orders of cdiscount that moved WaitingForSellerAcceptation → "
            "AcceptedBySeller, under the sidebar's filters."
        ) in text, shots
        assert f"{len(ACCEPTED)} order(s) shown" in text
        page.pick_row(0, 2)  # C1, the third
        assert page.wait_text("Order C1")
        page.screenshot(shots / "timeline.png")
        text = page.text()
        # C1 was confirmed shipped at 54h: day 2, 06:00.
        assert "Timeline" in text and "in this status since 2026-03-04 06:00 UTC" in text, shots
        assert not [b for b in ERROR_BOXES if b in page.dom()]


def test_a_field_of_the_second_rule_file_filters_the_map(
    app_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    shots = tmp_path_factory.mktemp("field_filter")
    with chromium.browser(tmp_path_factory.mktemp("profile")) as page:
        assert page.open(f"{app_url}/flow")
        assert "WaitingForSellerAcceptation" in page.text()
        page.evaluate(OPEN_FIELDS)
        assert page.wait_text("carrier")
        page.evaluate(FOCUS_CARRIER)
        page.type("LAPOSTE")  # only Galeries Lafayette's rule file declares a carrier enum
        shown = page.wait_text("Staging")
        page.screenshot(shots / "flow.png")
        assert shown, f"the map did not change; screenshots in {shots}"
        text = page.text()
        # G1 alone: the Galeries Lafayette map, its statuses, one order.
        assert "Staging\n1 order" in text, shots
        assert "WaitingForSellerAcceptation" not in text


OPEN_FIELDS = """[...document.querySelectorAll('[data-testid="stSidebar"] summary')]
  .find(s => s.innerText.includes("Order fields")).click()"""
FOCUS_CARRIER = """(() => {
  const box = [...document.querySelectorAll('[data-testid="stMultiSelect"]')]
    .find(m => m.innerText.trim().startsWith("carrier"));
  const input = box.querySelector("input");
  input.focus();
  input.click();
})()"""
