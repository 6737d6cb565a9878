"""Column types that read back exactly what was written, on SQLite and PostgreSQL alike.

SQLite has no timestamp with a time zone and no JSON type; PostgreSQL has both. These types make
the difference invisible: datetimes go in as timezone-aware values, are kept in UTC (as
fixed-width text on SQLite, so SQL comparisons order them correctly) and come out aware in UTC;
JSON is JSONB on PostgreSQL and text on SQLite.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def utc_text(value: datetime) -> str:
    """How SQLite keeps a datetime: UTC, fixed width, so text order is time order.

    `2026-03-02 09:00:00.000000`, as SQLAlchemy's own SQLite DATETIME writes it.
    """
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError(f"the store keeps timezone-aware datetimes only; got naive {value}")
        value = value.astimezone(UTC)
    # Its date and its time written apart, no offset to format: half the time of `isoformat`.
    return f"{value.date().isoformat()} {value.time().isoformat('microseconds')}"


def from_utc_text(text: str) -> datetime:
    """The datetime of SQLite's text (`utc_text`), aware in UTC."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC; a naive datetime is refused, never guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return utc_text(value)
        if value.utcoffset() is None:
            raise ValueError(f"the store keeps timezone-aware datetimes only; got naive {value}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return from_utc_text(value)
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def json_type() -> TypeEngine[Any]:
    return JSON().with_variant(JSONB(), "postgresql")


def _plain(value: object) -> object:
    """What json cannot encode by itself: times as ISO 8601, decimals as numbers, any mapping."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} as JSON: {value!r}")


# Times and dataclasses through `_plain`, as the standard library's encoder sends them (orjson
# would write a dataclass it was never meant to store, and times in its own format).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# The fallback, with no cycle check: the store's values are parsed JSON and records (a cycle
# still fails, by recursion), and the check is an id look-up per container of every snapshot.
_ENCODER = json.JSONEncoder(
    default=_plain, ensure_ascii=False, separators=(",", ":"), check_circular=False
)
# A lone UTF-16 surrogate (JSON "\ud800") is valid in a Python str but in no UTF-8 database, and
# PostgreSQL refuses NUL in text and JSON alike.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: object) -> object:
    """`value` with every NUL and lone surrogate written as its `\\uXXXX` escape, so any input
    can be kept as received, legibly, instead of failing the page that carried it."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    if isinstance(value, Mapping):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def dump_json(value: object) -> str:
    """The store's JSON encoder: compact, keeps non-ASCII text readable, and stores anything.

    orjson writes the JSON the standard library's encoder writes here (compact, UTF-8, the same
    escapes and key order; an exponent may be spelled `1e-7` for `1e-07`, a NaN, which no
    database's JSON takes, `null`) in a quarter of its time. Where it refuses a value, the
    standard library has the last word: a lone surrogate (written as its escape by `storable`),
    a dict key that is not a string, an integer beyond 64 bits, a value `_plain` cannot store
    (its TypeError is raised)."""
    try:
        text = orjson.dumps(value, default=_plain, option=_ORJSON_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return _ENCODER.encode(storable(value))
    # Rare: a NUL, which orjson writes as its escape; the value walked only then.
    if "\\u0000" in text:
        text = _ENCODER.encode(storable(value))
    return text
