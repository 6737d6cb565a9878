"""A hand-made log for the population rules: inferred stays, open orders, two marketplaces.

Hours count from DAY0 (Monday 2 March 2026, 00:00 UTC). As the store keeps them, inferred events
carry the time of the next observed event (the fetch that revealed them).

Cdiscount:
- C1 (TRK): seen waiting for acceptance at 0h; the fetch at 6h finds it waiting for shipment, so
  acceptance and payment are inferred (entered somewhere in 0h..6h: estimated at 2h and 4h);
  shipped by the seller at 30h, confirmed at 54h.
- C2 (STD, fulfilled by the marketplace): first seen at 10h already waiting for shipment: its
  creation, acceptance and payment are inferred before any observation (unbounded); shipped 20h,
  open since (waiting for the marketplace's confirmation).
- C3 ("Suivi", an alias of TRK): created 2h, accepted 3h, open since.
- C4 (STD): created 4h; the fetch at 12h finds the payment refused: acceptance inferred in
  4h..12h (estimated at 8h). Lost.

Galeries Lafayette (statuses of its own; "Shipped" is a name both rule files use):
- G1 (carrier LAPOSTE): Staging 1h, waiting for acceptance 2h; the fetch at 8h finds it shipping,
  the debit inferred in 2h..8h (estimated at 5h); shipped 32h, open since.
- G2: Staging 3h; the fetch at 5h finds it refused: waiting for acceptance inferred in 3h..5h
  (estimated at 4h). Lost.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from engine.rulefile.loader import load_rules

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
H = 3600.0
CD, GL = "cdiscount", "galeries_lafayette"
RULES = {CD: load_rules("rules/cdiscount.yaml"), GL: load_rules("rules/galeries_lafayette.yaml")}

WFSA = "WaitingForSellerAcceptation"
ACC = "AcceptedBySeller"
PIP = "PaymentInProgress"
WFSH = "WaitingForShipmentAcceptation"
SBS = "ShippedBySeller"

# marketplace, order, to status, trigger, actor, inferred, hour
EVENTS = [
    (CD, "C1", WFSA, "create", "marketplace", False, 0),
    (CD, "C1", ACC, "accept", "seller", True, 6),
    (CD, "C1", PIP, "start_payment", "payment", True, 6),
    (CD, "C1", WFSH, "confirm_payment", "payment", False, 6),
    (CD, "C1", SBS, "ship", "seller", False, 30),
    (CD, "C1", "Shipped", "confirm_shipment", "marketplace", False, 54),
    (CD, "C2", WFSA, "create", "marketplace", True, 10),
    (CD, "C2", ACC, "accept", "seller", True, 10),
    (CD, "C2", PIP, "start_payment", "payment", True, 10),
    (CD, "C2", WFSH, "confirm_payment", "payment", False, 10),
    (CD, "C2", SBS, "ship", "seller", False, 20),
    (CD, "C3", WFSA, "create", "marketplace", False, 2),
    (CD, "C3", ACC, "accept", "seller", False, 3),
    (CD, "C4", WFSA, "create", "marketplace", False, 4),
    (CD, "C4", ACC, "accept", "seller", True, 12),
    (CD, "C4", "PaymentRefused", "refuse_payment", "payment", False, 12),
    (GL, "G1", "Staging", "create", "marketplace", False, 1),
    (GL, "G1", "WaitingAcceptance", "submit", "marketplace", False, 2),
    (GL, "G1", "WaitingDebit", "accept", "seller", True, 8),
    (GL, "G1", "Shipping", "debit", "payment", False, 8),
    (GL, "G1", "Shipped", "ship", "seller", False, 32),
    (GL, "G2", "Staging", "create", "marketplace", False, 3),
    (GL, "G2", "WaitingAcceptance", "submit", "marketplace", True, 5),
    (GL, "G2", "Refused", "refuse", "seller", False, 5),
]
FIELDS: dict[str, dict[str, object]] = {
    "C1": {"delivery_mode": "TRK", "fulfilled_by_marketplace": False},
    "C2": {"delivery_mode": "STD", "fulfilled_by_marketplace": True},
    "C3": {"delivery_mode": "Suivi", "fulfilled_by_marketplace": False},
    "C4": {"delivery_mode": "STD", "fulfilled_by_marketplace": False},
    "G1": {"carrier": "LAPOSTE"},
    "G2": {},
}
NAMES = ("delivery_mode", "fulfilled_by_marketplace", "carrier")


def raw() -> pd.DataFrame:
    """The events with the store's columns, each order's fields on every one of its events."""
    rows = []
    previous: dict[str, str] = {}
    seqs: dict[str, int] = {}
    for market, order, status, trigger, actor, inferred, hour in EVENTS:
        seqs[order] = seqs.get(order, 0) + 1
        stage = RULES[market].status_by_name[status].stage
        rows.append(
            {
                "marketplace": market,
                "order_id": order,
                "seq": seqs[order],
                "from_status": previous.get(order),
                "to_status": status,
                "trigger": trigger,
                "actor": actor,
                "source": "fetch",
                "inferred": inferred,
                "at": DAY0 + timedelta(hours=hour),
                "stage": stage,
            }
            | {name: FIELDS[order].get(name) for name in NAMES}
        )
        previous[order] = status
    return pd.DataFrame.from_records(rows)
