"""Column types that read back exactly what was written, on SQLite and PostgreSQL alike.

SQLite has no timestamp with a time zone and no JSON type; PostgreSQL has both. These types make
the difference invisible: datetimes go in as timezone-aware values, are kept in UTC (as
fixed-width text on SQLite, so SQL comparisons order them correctly) and come out aware in UTC;
JSON is JSONB on PostgreSQL and text on SQLite.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; a naive datetime is refused, never guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"the store keeps timezone-aware datetimes only; got naive {value}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type() -> TypeEngine[Any]:
    return JSON().with_variant(JSONB(), "postgresql")


def _plain(value: object) -> object:
    """What json cannot encode by itself: times as ISO 8601, decimals as numbers."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


def dump_json(value: object) -> str:
    """The engine's JSON encoder: compact, keeps non-ASCII text readable."""
    return json.dumps(value, default=_plain, ensure_ascii=False, separators=(",", ":"))
