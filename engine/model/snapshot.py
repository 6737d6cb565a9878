"""An order as a channel reports it, mapped onto the rule set's fields.

Channels (the Lengow API, the simulator) hand the engine `OrderSnapshot`s: the marketplace's
status code as reported, the marketplace's clock (`updated_at`), the rule file's fields read from
the order, its cart lines, and the raw JSON kept as received for the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engine.model.lines import OrderLine


@dataclass(frozen=True)
class OrderSnapshot:
    marketplace: str
    order_id: str
    status_code: str
    updated_at: datetime
    ordered_at: datetime | None = None
    fields: Mapping[str, object] = field(default_factory=dict)
    lines: tuple[OrderLine, ...] = ()
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)
