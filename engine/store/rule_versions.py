"""Every version of a rule file orders ran under, kept whole in the store.

An order is pinned to the rules version it runs under (`orders.rules_version`); the file itself
moves on (edited, saved, replaced). So whatever runs orders under a rule set (a sync, a demo
fill, a migration) records its text here first, once per text: the version an order names stays
readable, by its version string or by the SHA-256 of its text (two texts under one version string
are two entries, the later one newer). The store runs no rule: the caller hands the text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from engine.store.bulk_insert import dialect_insert
from engine.store.tables import rule_versions


@dataclass(frozen=True)
class RuleVersion:
    """One rule file's text as orders ran under it, first seen at `first_seen`."""

    marketplace: str
    rules_version: str
    sha256: str
    text: str
    first_seen: datetime


def digest(text: str) -> str:
    """The SHA-256 of a rule file's text (UTF-8), in hex: its content's address."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(connection: Connection, marketplace: str, version: str, text: str, at: datetime) -> bool:
    """Keep `text` as `marketplace`'s rules `version` unless the store has it; True when new."""
    statement = dialect_insert(connection.dialect.name, rule_versions).values(
        marketplace=marketplace,
        sha256=digest(text),
        rules_version=version,
        text=text,
        first_seen=at,
    )
    done = connection.execute(statement.on_conflict_do_nothing())
    return bool(done.rowcount)


def listed(connection: Connection, marketplace: str | None = None) -> list[RuleVersion]:
    """The versions kept, by marketplace, the first seen first."""
    c = rule_versions.c
    query = select(c.marketplace, c.rules_version, c.sha256, c.text, c.first_seen).order_by(
        c.marketplace, c.first_seen, c.sha256
    )
    if marketplace is not None:
        query = query.where(c.marketplace == marketplace)
    return [RuleVersion(*row) for row in connection.execute(query)]


def find(connection: Connection, marketplace: str, address: str) -> RuleVersion | None:
    """The version `address` names: a version string (the latest text kept under it), or a
    SHA-256 or a prefix of one (at least 8 hex digits, naming one text)."""
    kept = listed(connection, marketplace)
    named = [v for v in kept if v.rules_version == address]
    if named:
        return named[-1]
    if len(address) < 8:
        return None
    hashed = [v for v in kept if v.sha256.startswith(address.casefold())]
    return hashed[0] if len(hashed) == 1 else None
