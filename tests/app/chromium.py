"""A headless Chromium driven over the DevTools protocol, for the app's browser test.

`chromium --dump-dom` with a virtual-time budget returns Streamlit's loading skeleton: the page
fills itself over a websocket, which virtual time does not wait for. So the test opens the page
in a real headless Chromium and asks it, over the DevTools websocket (the `websockets` client
Streamlit itself depends on), when the app has finished running; then it takes the DOM and a
screenshot.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from tests.conftest import unavailable

BINARY = "/usr/bin/chromium"
MISSING = "chromium is not installed: apt-get install chromium (.ci/run installs it)"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1400,2400",
)
# True once Streamlit has drawn the page's title and stopped running the script.
READY = """(() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]')) return false;
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  return !(status && /running/i.test(status.innerText));
})()"""


def binary() -> str | None:
    found = BINARY if os.path.exists(BINARY) else shutil.which("chromium")
    return found


def require() -> str:
    """The Chromium binary; without one the test skips, or fails under CI (see `must_run`)."""
    found = binary()
    if found is None:
        unavailable(MISSING, "ORDERFLOW_REQUIRE_BROWSER")
    return found


class Page:
    """One browser tab, driven by DevTools commands."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def open(self, url: str, deadline_s: float = 90.0) -> bool:
        """Load `url` and wait for the app to finish; False if it did not within the deadline."""
        self.call("Page.navigate", url=url)
        return self.settle(deadline_s)

    def settle(self, deadline_s: float = 90.0) -> bool:
        """Wait for the app to finish its run (after a click); False if it did not in time."""
        time.sleep(0.5)  # the click's rerun starts after the browser sends it
        end = time.monotonic() + deadline_s
        ready_since: float | None = None
        while time.monotonic() < end:
            if self.evaluate(READY):
                ready_since = ready_since or time.monotonic()
                # Charts draw after the script ends: ready twice, a second apart.
                if time.monotonic() - ready_since >= 1.0:
                    return True
            else:
                ready_since = None
            time.sleep(0.25)
        return False

    def wait_text(self, text: str, deadline_s: float = 60.0) -> bool:
        """Wait until the page shows `text` and the app has finished; False if not in time."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if text in self.text():
                return self.settle(max(end - time.monotonic(), 1.0))
            time.sleep(0.25)
        return False

    def click(self, x: float, y: float) -> None:
        """A left click at (x, y), in CSS pixels of the viewport."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def box(self, selector: str, index: int = 0) -> dict[str, float]:
        """The viewport box (left, top, width, height) of the `index`-th element matching the
        CSS `selector`, scrolled into view first."""
        found = self.evaluate(
            f"""(() => {{
  const el = document.querySelectorAll({json.dumps(selector)})[{index}];
  if (!el) return null;
  el.scrollIntoView({{block: "center"}});
  const r = el.getBoundingClientRect();
  return {{left: r.left, top: r.top, width: r.width, height: r.height}};
}})()"""
        )
        if found is None:
            raise RuntimeError(f"no element {index} matches {selector}")
        return dict(found)

    def pick_row(self, table: int, row: int) -> None:
        """Tick the selection box of `row` (0: the first data row) of the page's `table`-th
        dataframe: its grid is a canvas, so the click goes where the box is drawn (rows and the
        header 35 px high, the selection column first)."""
        grid = self.box('[data-testid="stDataFrame"]', table)
        self.click(grid["left"] + 16, grid["top"] + 35 * (row + 1) + 17)

    def type(self, text: str) -> None:
        """Type `text` into the focused element, then Enter."""
        self.call("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                windowsVirtualKeyCode=13,
            )  # fmt: skip

    def dom(self) -> str:
        return str(self.evaluate("document.documentElement.outerHTML"))

    def text(self) -> str:
        return str(self.evaluate("document.body.innerText"))

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


@contextmanager
def browser(profile: Path) -> Iterator[Page]:
    """A headless Chromium with one tab; closed when the block ends."""
    process = subprocess.Popen(
        [binary() or BINARY, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _devtools_port(process)
        tabs = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        page_url = next(t["webSocketDebuggerUrl"] for t in tabs if t["type"] == "page")
        with connect(page_url, max_size=64 * 2**20, open_timeout=30) as socket:
            page = Page(socket)
            page.call("Page.enable")
            page.call("Runtime.enable")
            yield page
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _devtools_port(process: subprocess.Popen[str]) -> int:
    assert process.stderr is not None
    for line in process.stderr:
        if "DevTools listening on ws://" in line:
            return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    raise RuntimeError(f"chromium exited ({process.wait()}) without opening DevTools")
