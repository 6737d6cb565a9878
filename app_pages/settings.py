"""Where the app finds its data: the store, the rule files and the scenarios.

`orderflow run` passes them in the environment (`ORDERFLOW_DB`, `ORDERFLOW_RULES`,
`ORDERFLOW_SCENARIOS`); `streamlit run app.py` alone falls back to the defaults next to the app.
Read on every call, never cached, so a test or a restart with other variables is seen at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from engine.store import DEFAULT_URL

HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    store_url: str
    rules_dir: Path
    scenarios_dir: Path


def settings() -> Settings:
    """From the environment (`orderflow run` sets it), else the defaults next to the app."""
    return Settings(
        store_url=os.environ.get("ORDERFLOW_DB", DEFAULT_URL),
        rules_dir=Path(os.environ.get("ORDERFLOW_RULES", HERE / "rules")),
        scenarios_dir=Path(os.environ.get("ORDERFLOW_SCENARIOS", HERE / "simulator" / "scenarios")),
    )
