"""The app in a real browser: `streamlit run app.py`, each page loaded in headless Chromium,
no error box, no exception, a screenshot of each page kept under pytest's tmp dir."""

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
from tests.app.conftest import RULES_DIR, fill

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# url path, the title the page draws, a text the page must show for this store.
PAGES = [
    ("", "Overview", "Funnel by stage"),
    ("flow", "Flow", "Cdiscount"),
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
