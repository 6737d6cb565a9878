"""Where the app finds its data: the store, the rule files and the scenarios.

`orderflow run` passes them in the environment (`ORDERFLOW_DB`, `ORDERFLOW_RULES`,
`ORDERFLOW_SCENARIOS`), and `ORDERFLOW_DEMO=1` when the store is its demo store (a simulated
month) rather than one a sync fills; `streamlit run app.py` alone falls back to the defaults
next to the app, the sync's default store among them. The app reads that one store and names it
on every page, so a demo figure is never taken for a real one. Read on every call, never cached,
so a test or a restart with other variables is seen at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.store import DEFAULT_URL
from engine.store.database import shown_url

HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    store_url: str
    rules_dir: Path
    scenarios_dir: Path
    demo: bool = False  # the store is the demo store `orderflow run` filled from a simulation

    @property
    def store_kind(self) -> str:
        return "the demo store" if self.demo else "your store"

    @property
    def store_shown(self) -> str:
        """The store's URL with any password hidden: safe to show."""
        return shown_url(self.store_url)

    @property
    def store_note(self) -> str:
        """What the store holds, and where the other one is."""
        if self.demo:
            return (
                "A simulated month that ends when `orderflow run` filled it. `orderflow sync` "
                f"fills your own store ({DEFAULT_URL} unless --db names another), never this one."
            )
        return (
            "The orders a sync stored, and the actions queued for them. `orderflow run` without "
            "--db opens the demo store (a simulated month) instead."
        )


def settings() -> Settings:
    """From the environment (`orderflow run` sets it), else the defaults next to the app."""
    return Settings(
        store_url=os.environ.get("ORDERFLOW_DB", DEFAULT_URL),
        rules_dir=Path(os.environ.get("ORDERFLOW_RULES", HERE / "rules")),
        scenarios_dir=Path(os.environ.get("ORDERFLOW_SCENARIOS", HERE / "simulator" / "scenarios")),
        demo=os.environ.get("ORDERFLOW_DEMO") == "1",
    )
