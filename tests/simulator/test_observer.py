"""The engine's view of the polls: changes read in bulk, a refused report kept as one anomaly."""

from __future__ import annotations

import numpy as np

from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from simulator.run.channel import Sighting
from simulator.run.observer import EngineView
from simulator.world.fields import FieldTable

from .test_marketplace import RULES


def test_a_backward_jump_is_one_anomaly_and_the_order_keeps_its_status() -> None:
    rules = load_rules(RULES)
    code = {s.name: i for i, s in enumerate(rules.statuses)}
    fields = FieldTable(rules, 2)
    fields.set("delivery_mode", "STD", np.arange(2))
    view = EngineView(Runtime(rules), fields)

    def poll(statuses: list[str], now: int) -> None:
        seen = np.asarray([code[s] for s in statuses], np.int16)
        view.observe(Sighting(np.arange(2, dtype=np.int32), seen, np.full(2, now)), now)

    poll(["WaitingForSellerAcceptation", "AcceptedBySeller"], 100)
    poll(["AcceptedBySeller", "WaitingForSellerAcceptation"], 200)  # order 1 goes back
    poll(["AcceptedBySeller", "WaitingForSellerAcceptation"], 300)  # and is still reported so
    assert view.status.tolist() == [code["AcceptedBySeller"], code["AcceptedBySeller"]]
    found = view.anomalies
    assert found.array("order").tolist() == [1]
    assert found.array("reported").tolist() == [code["WaitingForSellerAcceptation"]]
    assert found.array("at").tolist() == [200]
    assert view.cases.kinds[found.array("message")[0]] == "no_legal_path"
    events = view.drain()
    assert events["order"].tolist() == [0, 1, 1, 0]  # creations, then order 0's accept
    assert events["inferred"].tolist() == [False, True, False, False]
