"""Any duplication, reordering and splitting of fetched pages gives the clean fetch's store."""

from __future__ import annotations

import itertools
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.rulefile.loader import load_rules
from engine.store import FetchKind, Store, open_store
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from simulator.twin.orders import GeneratedOrders, Generation
from tests.sync.support import RULES, ManualClock, event_rows

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RULE_SET = load_rules(RULES)
DOCUMENTS = [
    dict(o.document)
    for o in GeneratedOrders([RULE_SET], NOW, Generation(count=40, seed=9)).orders()
]


def ingest(pages: list[list[object]]) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with (
        tempfile.TemporaryDirectory() as folder,
        open_store(f"sqlite:///{Path(folder) / 'p.db'}") as store,
    ):
        syncer = Syncer([RULE_SET], store, None, ManualClock(NOW))  # type: ignore[arg-type]
        run = store.start_run(FetchKind.SWEEP, NOW, NOW, NOW)
        for page in pages:
            syncer.ingest_page(run, page, SyncReport())
        return event_rows(store), states(store)


def states(store: Store) -> list[tuple[object, ...]]:
    keys = [(str(d["marketplace"]), str(d["marketplace_order_id"])) for d in DOCUMENTS]
    found = store.get_orders(keys)
    return sorted((k, s.status, s.updated_at, s.seq) for k, s in found.items())


CLEAN = ingest([DOCUMENTS[i : i + 10] for i in range(0, len(DOCUMENTS), 10)])


@st.composite
def messy_pages(draw: st.DrawFn) -> list[list[object]]:
    order = draw(st.permutations(range(len(DOCUMENTS))))
    cuts = sorted(draw(st.sets(st.integers(1, len(DOCUMENTS) - 1), max_size=8)))
    bounds = [0, *cuts, len(DOCUMENTS)]
    pages = [[DOCUMENTS[i] for i in order[a:b]] for a, b in itertools.pairwise(bounds)]
    repeats = draw(st.lists(st.sampled_from(range(len(pages))), max_size=4))
    pages += [pages[i] for i in repeats]
    return draw(st.permutations(pages))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(messy_pages())
def test_messy_pages_give_the_clean_store(pages: list[list[object]]) -> None:
    assert ingest(pages) == CLEAN
    # 73 events of 36 orders: 4 of the 40 seed-9 orders are fulfilled by the marketplace, skipped.
    assert (len(CLEAN[0]), len(CLEAN[1])) == (73, 36)
