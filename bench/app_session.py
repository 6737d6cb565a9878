"""The app benchmark's child process: the app started on a store, its first Overview and then
every page timed, as one analyst's session.

`python -m bench.app_session OUT.json` with `ORDERFLOW_DB` and `ORDERFLOW_RULES` set (what
`orderflow run` sets, `app_pages.settings`). It runs in a fresh interpreter so that the cold start
is one: nothing imported, nothing cached. It imports the standard library alone until the
session starts: Streamlit's `AppTest` is imported inside it, as the app's start-up would import
it. `AppTest` runs `app.py` and its pages in this process, as `streamlit run` does, without the
browser's websocket. What it writes to OUT.json: when the first render of the Overview ended
(`time.time()`, for the parent to subtract its own start), the process's CPU seconds and peak
RSS then, the Overview's order counts shown (for the agreement with the store), then for each
page (`PAGES`, the Overview first again) its wall and CPU seconds and the exceptions it raised,
then for each view of the Flow page (every choice of its "View" radio, `FLOW_VIEW`) the same
figures on its first visit (`first`: its own figures computed) and on the rerun right after
(`again`: what an analyst waits for on any later click of that view).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.result import peak_rss_mb  # the standard library alone

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = ("overview", "flow", "orders", "rules", "simulate", "sync")
FLOW_VIEW = "flow:view"  # the Flow page's radio of views (app_pages.flow)
TIMEOUT_S = 900.0  # no page should come near it: a hung page fails the session, not the machine


def main(out: Path) -> None:
    from streamlit.testing.v1 import AppTest  # the start-up's own import: counted as cold

    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    cold = {
        "done_at": time.time(),
        "cpu_s": cpu_seconds(),
        "peak_rss_mb": peak_rss_mb(),
        "errors": errors(app),
        "orders_created": orders_created(app),
        "funnel_orders": funnel_orders(app),
    }
    warm = {
        page: timed(lambda page=page: app.switch_page(f"app_pages/{page}.py").run())
        for page in PAGES
    }
    out.write_text(json.dumps({"cold": cold, "warm": warm, "flow": flow_views(app)}))


def timed(render: Any) -> dict[str, Any]:
    """`render()`'s wall and CPU seconds, and the exceptions the app showed after it."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    app = render()
    return {"s": time.perf_counter() - wall, "cpu_s": cpu_seconds() - cpu, "errors": errors(app)}


def flow_views(app: Any) -> dict[str, dict[str, Any]]:
    """Each Flow view (its name as a figure name: "Time in status" -> time_in_status): its first
    visit and the rerun after it, from the Flow page (its default view drawn)."""
    app.switch_page("app_pages/flow.py").run()
    found = {}
    for view in app.radio(key=FLOW_VIEW).options:
        first = timed(lambda view=view: app.radio(key=FLOW_VIEW).set_value(view).run())
        found[view.lower().replace(" ", "_")] = {"first": first, "again": timed(app.run)}
    return found


def cpu_seconds() -> float:
    """The process's CPU seconds so far, user and system, every thread (the script's runs too)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def errors(app: Any) -> list[str]:
    """The exceptions the last run showed, and an error box (a page's `st.error`)."""
    return [str(e.value) for e in app.exception] + [str(e.value) for e in app.error]


def orders_created(app: Any) -> int | None:
    """The Overview's "Orders created" figure, as shown ("1,234")."""
    shown = [m.value for m in app.metric if m.label == "Orders created"]
    return int(shown[0].replace(",", "")) if shown else None


def funnel_orders(app: Any) -> int | None:
    """The orders the Overview's funnel counts: those at its first stage or a later one."""
    for table in app.dataframe:
        if "reached" in table.value.columns and len(table.value):
            return int(table.value["reached"].iloc[0])
    return None


if __name__ == "__main__":
    main(Path(sys.argv[1]))
