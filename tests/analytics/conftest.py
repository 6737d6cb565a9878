"""A small Cdiscount event log whose figures are known by construction.

Day 0 is Monday 2 March 2026 (UTC). Eight orders:
O1 (TRK) accepted in 2h, paid, shipped 24h after payment, confirmed 24h later: Shipped.
O2 (STD) refused after 1h.          O3 (STD) automatically cancelled after 48h.
O4 (TRK) first seen waiting for shipment: acceptance and payment inferred; still open.
O5 (EXP) fulfilled by the marketplace: arrives Shipped.
O6 (STD) accepted after 1h, payment refused 1h later.
O7 (STD) waiting for acceptance since day 1 14:00; still open.
O8 (STD) refused after 30 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from analytics.eventlog import prepare
from engine.rulefile.loader import load_rules

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
AS_OF = DAY0 + timedelta(days=3, hours=12)

WFSA = "WaitingForSellerAcceptation"
ACC = "AcceptedBySeller"
PIP = "PaymentInProgress"
WFSH = "WaitingForShipmentAcceptation"

# order, seq, from, to, trigger, actor, source, inferred, day, hour, minute, delivery mode
ROWS = [
    ("O1", 1, None, WFSA, "create", "marketplace", "fetch", False, 0, 10, 0, "TRK"),
    ("O1", 2, WFSA, ACC, "accept", "seller", "action", False, 0, 12, 0, None),
    ("O1", 3, ACC, PIP, "start_payment", "payment", "fetch", False, 0, 13, 0, None),
    ("O1", 4, PIP, WFSH, "confirm_payment", "payment", "fetch", False, 0, 14, 0, None),
    ("O1", 5, WFSH, "ShippedBySeller", "ship", "seller", "action", False, 1, 14, 0, None),
    (
        "O1",
        6,
        "ShippedBySeller",
        "Shipped",
        "confirm_shipment",
        "marketplace",
        "fetch",
        False,
        2,
        14,
        0,
        None,
    ),
    ("O2", 1, None, WFSA, "create", "marketplace", "fetch", False, 0, 12, 0, "STD"),
    ("O2", 2, WFSA, "RefusedBySeller", "refuse", "seller", "action", False, 0, 13, 0, "STD"),
    ("O3", 1, None, WFSA, "create", "marketplace", "fetch", False, 1, 9, 0, "STD"),
    (
        "O3",
        2,
        WFSA,
        "AutomaticCancellation",
        "auto_cancel",
        "timer",
        "timer",
        False,
        3,
        9,
        0,
        "STD",
    ),
    ("O4", 1, None, WFSA, "create", "marketplace", "fetch", False, 1, 10, 0, "TRK"),
    ("O4", 2, WFSA, ACC, "accept", "seller", "fetch", True, 1, 10, 0, "TRK"),
    ("O4", 3, ACC, PIP, "start_payment", "payment", "fetch", True, 1, 10, 0, "TRK"),
    ("O4", 4, PIP, WFSH, "confirm_payment", "payment", "fetch", False, 1, 10, 0, "TRK"),
    ("O5", 1, None, "Shipped", "create", "marketplace", "fetch", False, 2, 8, 0, "EXP"),
    ("O6", 1, None, WFSA, "create", "marketplace", "fetch", False, 2, 10, 0, "STD"),
    ("O6", 2, WFSA, ACC, "accept", "seller", "action", False, 2, 11, 0, "STD"),
    ("O6", 3, ACC, "PaymentRefused", "refuse_payment", "payment", "fetch", False, 2, 12, 0, "STD"),
    ("O7", 1, None, WFSA, "create", "marketplace", "fetch", False, 1, 14, 0, "STD"),
    ("O8", 1, None, WFSA, "create", "marketplace", "fetch", False, 3, 8, 0, "STD"),
    ("O8", 2, WFSA, "RefusedBySeller", "refuse", "seller", "action", False, 3, 8, 30, "STD"),
]

STAGE = {
    WFSA: "new",
    ACC: "new",
    PIP: "new",
    WFSH: "waiting_shipment",
    "ShippedBySeller": "shipped",
    "Shipped": "shipped",
    "RefusedBySeller": "canceled",
    "AutomaticCancellation": "canceled",
    "PaymentRefused": "canceled",
}


def raw_log() -> pd.DataFrame:
    records = []
    for order, seq, src, dst, trig, actor, source, inferred, day, hour, minute, mode in ROWS:
        at = DAY0 + timedelta(days=day, hours=hour, minutes=minute)
        records.append(
            {
                "marketplace": "cdiscount",
                "order_id": order,
                "seq": seq,
                "from_status": src,
                "to_status": dst,
                "trigger": trig,
                "actor": actor,
                "source": source,
                "inferred": inferred,
                "at": at,
                "stage": STAGE[dst],
                "delivery_mode": mode,
            }
        )
    # Shuffled on purpose: `prepare` must put each order's events back in sequence.
    return pd.DataFrame.from_records(records).sample(frac=1.0, random_state=7)


@pytest.fixture
def log() -> pd.DataFrame:
    # The rules name the case attributes kept: delivery_mode is one of Cdiscount's enum fields.
    return prepare(raw_log(), [load_rules("rules/cdiscount.yaml")])


def deviating_log() -> pd.DataFrame:
    """D1 accepted in 1h; D2 too, in 3h, through a move the rules could not explain; D3 reported
    at a code no rule file declares after 5h; D4 accepted in 1h, back to waiting 1h later (a
    deviation), accepted again 2h after that."""
    acc, odd = "AcceptedBySeller", "NotInTheRuleFile"
    paths = {
        "D1": [(WFSA, 0, False), (acc, 1, False)],
        "D2": [(WFSA, 0, False), (acc, 3, True)],
        "D3": [(WFSA, 0, False), (odd, 5, True)],
        "D4": [(WFSA, 0, False), (acc, 1, False), (WFSA, 2, True), (acc, 4, False)],
    }
    rows = []
    for order, path in paths.items():
        for seq, (status, hour, deviation) in enumerate(path, start=1):
            rows.append(
                {
                    "marketplace": "cdiscount",
                    "order_id": order,
                    "seq": seq,
                    "from_status": path[seq - 2][0] if seq > 1 else None,
                    "to_status": status,
                    "trigger": "deviation" if deviation else "accept",
                    "actor": "marketplace",
                    "source": "fetch",
                    "inferred": False,
                    "at": DAY0 + timedelta(hours=hour),
                    "deviation": deviation,
                }
            )
    return prepare(pd.DataFrame(rows))
