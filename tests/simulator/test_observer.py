"""The engine's view of the polls: changes read in bulk; an impossible report is still taken."""

from __future__ import annotations

import numpy as np

from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from simulator.run.channel import Sighting
from simulator.run.observer import EngineView
from simulator.world.fields import FieldTable

from .test_marketplace import RULES


def test_a_backward_jump_moves_back_by_one_deviation_and_one_anomaly() -> None:
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
    assert view.status.tolist() == [code["AcceptedBySeller"], code["WaitingForSellerAcceptation"]]
    assert view.seq.tolist() == [2, 3]
    found = view.anomalies
    assert found.array("order").tolist() == [1]
    assert found.array("reported").tolist() == [code["WaitingForSellerAcceptation"]]
    assert found.array("at").tolist() == [200]
    assert view.cases.kinds[found.array("message")[0]] == "no_legal_path"
    events = view.drain()
    # creations, then order 1's accept (inferred), order 0's accept, order 1's way back
    assert events["order"].tolist() == [0, 1, 1, 0, 1]
    assert events["seq"].tolist() == [0, 0, 1, 1, 2]
    assert events["inferred"].tolist() == [False, True, False, False, False]
    assert events["deviation"].tolist() == [False, False, False, False, True]
    back = events["deviation"]
    assert events["source"][back].tolist() == [code["AcceptedBySeller"]]
    assert events["dest"][back].tolist() == [code["WaitingForSellerAcceptation"]]
    assert events["trigger"][back].tolist() == [len(rules.triggers)]
    assert events["at"][back].tolist() == [200]


def test_a_new_order_with_no_path_is_created_at_the_reported_status() -> None:
    rules = load_rules(RULES)
    code = {s.name: i for i, s in enumerate(rules.statuses)}
    fields = FieldTable(rules, 1)
    fields.set("delivery_mode", "TRK", np.arange(1))
    view = EngineView(Runtime(rules), fields)
    seen = np.asarray([code["PickedUp"]], np.int16)  # a store pick-up, not for a tracked parcel
    view.observe(Sighting(np.arange(1, dtype=np.int32), seen, np.full(1, 50)), 60)
    assert view.status.tolist() == [code["PickedUp"]] and view.seq.tolist() == [1]
    assert view.cases.kinds[view.anomalies.array("message")[0]] == "no_legal_path"
    events = view.drain()
    assert events["source"].tolist() == [-1] and events["dest"].tolist() == [code["PickedUp"]]
    assert events["deviation"].tolist() == [True] and events["seq"].tolist() == [0]
