"""Seller actions as the Lengow API lists them, and when two of them are the same action.

Lengow queues an action (`POST /v3.0/orders/actions/`) and processes it later; it has no
idempotency key, so a client must look at the queued actions before sending one, as Lengow's own
plugins do. `ActionRecord` is one listed action (`queued`, `processed`, `errors`, and the
marketplace's arguments such as `carrier` or `tracking_number`); `same_action` says whether a
listed action already is the one about to be sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from engine.channels.errors import ChannelProtocolError
from engine.channels.field_values import Unreadable, parse_datetime

# Keys of an action record that are not the marketplace's arguments.
RECORD_KEYS = frozenset(
    {
        "id",
        "account_id",
        "marketplace",
        "marketplace_order_id",
        "action_type",
        "queued",
        "processed",
        "errors",
        "created_at",
        "updated_at",
    }
)


def _time(value: object) -> datetime | None:
    try:
        return None if value is None else parse_datetime(value)
    except Unreadable:
        return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class ActionRecord:
    id: str
    marketplace: str
    marketplace_order_id: str
    action_type: str
    queued: bool
    processed: bool
    errors: str
    args: Mapping[str, str]
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, data: object) -> ActionRecord:
        if not isinstance(data, dict) or data.get("id") is None:
            raise ChannelProtocolError(f"an action record must be an object with an id: {data!r}")
        args = {k: _text(v) for k, v in data.items() if k not in RECORD_KEYS and v is not None}
        return cls(
            id=_text(data["id"]),
            marketplace=_text(data.get("marketplace")),
            marketplace_order_id=_text(data.get("marketplace_order_id")),
            action_type=_text(data.get("action_type")),
            queued=data.get("queued") is True,
            processed=data.get("processed") is True,
            errors=_text(data.get("errors")),
            args=args,
            created_at=_time(data.get("created_at")),
            updated_at=_time(data.get("updated_at")),
            raw=data,
        )


def same_action(record: ActionRecord, action_type: str, args: Mapping[str, str]) -> bool:
    """True when `record` is `action_type` with these argument values.

    Only the arguments being sent are compared: the channel may add keys of its own to a record.
    """
    if record.action_type != action_type:
        return False
    return all(record.args.get(name, "") == value for name, value in args.items())


@dataclass(frozen=True)
class ActionOutcome:
    """What `send_action` did: `sent` is False when an identical action was already queued."""

    sent: bool
    record: ActionRecord
