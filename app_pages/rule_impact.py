"""The Rules editor's last question before a save: what does the change do to the orders in flight?

`confirm_save` is called with the file's text on disk and the edited one. When the app's store
holds orders of the file's marketplace in flight, it shows the impact summary
(`authoring.impact`: statuses gone or renamed, stranded orders, actions and blockers gained or
lost, deadlines moved, orders overdue at once, codes mapped elsewhere), the orders behind each
line, and asks for a confirmation; the save may go ahead once it is given. A change that keeps
the file's rules_version says so too: the orders pinned to it would run under the new rules from
the next sync, with no migration. With no order in
flight (or no store yet, or a new file) there is nothing to confirm.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.settings import settings
from authoring.impact import Impact, MarketplaceMismatch, impact
from authoring.migration import version_reused
from engine.model.clock import SystemClock
from engine.model.definition import RuleSet
from engine.rulefile.loader import check_text
from engine.store import StoreError, open_store
from engine.store.database import store_url
from engine.sync.pinned_rules import pinned_text


def confirm_save(rules_dir: Path, name: str, old_text: str, new_text: str) -> bool:
    """Whether the save of `new_text` over `old_text` (rule file `name` of `rules_dir`) may go
    ahead: at once when no order in flight is affected, else once the author confirmed."""
    label = f"{rules_dir.name}/{name}"
    old, _ = check_text(old_text, label)
    new, _ = check_text(new_text, label)
    if old is None or new is None:
        # An old file that did not load ran no order; a broken new one is never saved.
        return new is not None
    result = _measured(old, new)
    if result is None or not result.lines:
        return True
    show(result)
    reused = old.marketplace.rules_version == new.marketplace.rules_version
    warning = version_reused(pinned_text(old) if reused else None, new)
    if warning:
        st.warning(f"The file {warning}.")
    digest = hashlib.sha256(new_text.encode("utf-8")).hexdigest()[:12]
    count = len(result.affected)
    return st.checkbox(
        f"I have read what this change does to {count} order{'s' if count != 1 else ''} in "
        "flight: save anyway",
        key=f"rule_impact:{name}:{digest}",
    )


def _measured(old: RuleSet, new: RuleSet) -> Impact | None:
    """The impact on the app's store, None when there is no store (or no order in flight)."""
    url = settings().store_url
    try:
        parsed = store_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            return None  # no store yet: opening one would create it
        with open_store(url) as store:
            orders = store.in_flight(new.marketplace.code, old.final_statuses)
        if not orders:
            return None
        return impact(old, new, orders, SystemClock().now())
    except (StoreError, MarketplaceMismatch) as exc:
        st.warning(f"The impact on the orders in flight could not be measured: {exc}")
        return None


def show(result: Impact) -> None:
    """The summary table, then the orders behind each line."""
    st.warning(
        f"This change affects {len(result.affected)} of the {result.in_flight} orders of "
        f"{result.marketplace} in flight (rules {result.old} -> {result.new})."
    )
    table = pd.DataFrame(
        {
            "what": [str(line.kind) for line in result.lines],
            "subject": [line.subject for line in result.lines],
            "orders": [line.count for line in result.lines],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    with st.expander("The orders behind each line"):
        for line in result.lines:
            st.markdown(f"**{line.kind}** {line.subject}: {', '.join(line.orders)}")
