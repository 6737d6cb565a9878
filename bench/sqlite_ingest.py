"""The peer of the ingest benchmark: the sync's storage work written by hand in plain `sqlite3`.

What a developer writes who keeps Lengow order pages in SQLite without us, doing the work our store
does for the same pages: the same `orders` and `events` tables (columns, keys and the constraints
of `engine/store/tables.py`), the same connection settings as the store's SQLite engine
(`engine/store/database.py`: WAL, `synchronous = NORMAL`, foreign keys on, a busy timeout, a 32 MiB
page cache, a checkpoint every 10,000 WAL pages), and per page one `BEGIN IMMEDIATE` transaction
that reads the page's stored orders, upserts each newer order by its key (status, entered_at,
updated_at, rules_version, seq, prev_seq, the rule fields as JSON, the snapshot as JSON; only where
newer and based on the stored event count, as the store's upsert) and inserts its events: the
creation, then the shortest path of the rule file's transitions (read with PyYAML, searched breadth
first) from the stored status to the reported one, every step but the last inferred, all at the
order's `updated_at` but a new order's creation, at its `marketplace_order_date` and observed;
and replaces its cart lines (id, position, codes, the state from the rule file's `lines.statuses`
or Lengow's status, quantity, amount). Orders the marketplace fulfilled are skipped, as the sync
skips them by default.
Nothing of the engine is imported.
"""

from __future__ import annotations

import json
import sqlite3
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 30000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA cache_size = -32768",
    "PRAGMA wal_autocheckpoint = 10000",
)
SCHEMA = """
CREATE TABLE orders (
    marketplace VARCHAR(64) NOT NULL, order_id VARCHAR(128) NOT NULL, status VARCHAR(128),
    entered_at VARCHAR(32), updated_at VARCHAR(32) NOT NULL, rules_version VARCHAR(64) NOT NULL,
    seq INTEGER NOT NULL, prev_seq INTEGER DEFAULT 0 NOT NULL,
    fields JSON DEFAULT '{}' NOT NULL, snapshot JSON NOT NULL,
    PRIMARY KEY (marketplace, order_id));
CREATE INDEX orders_status_entered ON orders (status, entered_at);
CREATE TABLE events (
    marketplace VARCHAR(64) NOT NULL, order_id VARCHAR(128) NOT NULL, seq INTEGER NOT NULL,
    from_status VARCHAR(128), to_status VARCHAR(128) NOT NULL, "trigger" VARCHAR(128) NOT NULL,
    actor VARCHAR(32) NOT NULL, source VARCHAR(32) NOT NULL, inferred BOOLEAN NOT NULL,
    at VARCHAR(32) NOT NULL, deviation BOOLEAN DEFAULT false NOT NULL,
    CONSTRAINT events_order_seq UNIQUE (marketplace, order_id, seq),
    FOREIGN KEY (marketplace, order_id) REFERENCES orders (marketplace, order_id),
    CONSTRAINT events_seq_positive CHECK (seq >= 1));
CREATE TABLE lines (
    marketplace VARCHAR(64) NOT NULL, order_id VARCHAR(128) NOT NULL,
    line_id VARCHAR(128) NOT NULL, position INTEGER NOT NULL, marketplace_status VARCHAR(128),
    lengow_status VARCHAR(64), state VARCHAR(16) NOT NULL, quantity INTEGER, amount VARCHAR(32),
    PRIMARY KEY (marketplace, order_id, line_id),
    FOREIGN KEY (marketplace, order_id) REFERENCES orders (marketplace, order_id),
    CONSTRAINT lines_state CHECK (state IN ('waiting', 'accepted', 'refused', 'shipped',
                                            'canceled', 'refunded', 'unknown')));
"""
# Lengow's normalised line statuses, for a line code the rule file's `lines.statuses` lacks.
LENGOW_LINE_STATES = {
    "new": "waiting", "waiting_acceptance": "waiting", "accepted": "accepted",
    "waiting_shipment": "accepted", "shipped": "shipped", "closed": "shipped",
    "refused": "refused", "canceled": "canceled", "refunded": "refunded",
    "partial_refunded": "refunded",
}  # fmt: skip
INSERT_LINE = "INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
DELETE_LINES = "DELETE FROM lines WHERE marketplace = ? AND order_id = ?"
UPSERT = """
INSERT INTO orders (marketplace, order_id, status, entered_at, updated_at, rules_version, seq,
                    prev_seq, fields, snapshot)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (marketplace, order_id) DO UPDATE SET
    status = excluded.status, entered_at = excluded.entered_at,
    updated_at = excluded.updated_at, rules_version = excluded.rules_version,
    seq = excluded.seq, prev_seq = excluded.prev_seq, fields = excluded.fields,
    snapshot = excluded.snapshot
WHERE orders.updated_at < excluded.updated_at AND orders.seq = excluded.prev_seq
"""
INSERT_EVENT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, 'fetch', ?, ?, false)"
FULFILLED = "is_delivered_by_marketplace"
Step = tuple[str | None, str, str, str]  # from, to, trigger, actor


def utc_text(value: str) -> str:
    """An API timestamp as the store keeps it: UTC, fixed width, so text order is time order."""
    moment = datetime.fromisoformat(value).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _placed(doc: dict[str, Any], updated: str) -> str | None:
    """A new order's creation time: its order date, unless missing or after `updated`."""
    text = doc.get("marketplace_order_date")
    placed = utc_text(text) if text else None
    return placed if placed is not None and placed <= updated else None


def rule_fields(doc: dict[str, Any]) -> tuple[dict[str, object], bool]:
    """The rule file's fields of an order, picked by hand, and whether it was fulfilled."""
    delivery = doc["packages"][0]["delivery"] if doc.get("packages") else {}
    tracking = (delivery.get("trackings") or [{}])[0]
    types = {t.get("type") for t in doc.get("order_types") or ()}
    fulfilled = FULFILLED in types or tracking.get(FULFILLED) is True
    fields = {
        "delivery_mode": delivery.get("shipping_method") or doc.get("shipping_method"),
        "carrier": tracking.get("carrier"),
        "tracking_number": tracking.get("number"),
        "tracking_url": tracking.get("url"),
        "fulfilled_by_marketplace": fulfilled,
    }
    return fields, fulfilled


class PlainIngest:
    """One SQLite file written the plain way; `page(text)` stores one page of the API."""

    def __init__(self, path: Path, rules: Path) -> None:
        data = yaml.safe_load(rules.read_text(encoding="utf-8"))
        self.version = str(data["marketplace"]["rules_version"])
        self.initial = next(n for n, s in data["statuses"].items() if s.get("initial"))
        self.steps = [
            (source, t["to"], t["trigger"], t["actor"])
            for t in data["transitions"]
            for source in ([t["from"]] if isinstance(t["from"], str) else t["from"])
        ]
        self.line_states = dict((data.get("lines") or {}).get("statuses") or {})
        self.paths: dict[tuple[str | None, str], list[Step]] = {}
        self.db = sqlite3.connect(path, isolation_level=None)
        for pragma in PRAGMAS:
            self.db.execute(pragma)
        self.db.executescript(SCHEMA)

    def path(self, stored: str | None, reported: str) -> list[Step]:
        """The events taking an order from `stored` (None: new) to `reported`, shortest first."""
        key = (stored, reported)
        if key not in self.paths:
            start: list[Step] = [(None, self.initial, "create", "marketplace")]
            start = [] if stored is not None else start
            origin = stored if stored is not None else self.initial
            came: dict[str, list[Step]] = {origin: start}
            queue = deque([origin])
            while queue and reported not in came:
                here = queue.popleft()
                for step in self.steps:
                    if step[0] == here and step[1] not in came:
                        came[step[1]] = [*came[here], step]
                        queue.append(step[1])
            self.paths[key] = came.get(reported, [*start, (stored, reported, "reported", "")])
        return self.paths[key]

    def page(self, text: str) -> int:
        """Store one page in one transaction; the number of orders written."""
        read = [(doc, *rule_fields(doc)) for doc in json.loads(text)["results"]]
        docs = [(doc, fields) for doc, fields, fulfilled in read if not fulfilled]
        keys = [(doc["marketplace"], doc["marketplace_order_id"]) for doc, _ in docs]
        self.db.execute("BEGIN IMMEDIATE")
        stored = dict(self._stored(keys))
        orders: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        lines: list[tuple[object, ...]] = []
        replaced: list[tuple[str, str]] = []
        for key, (doc, fields) in zip(keys, docs, strict=True):
            updated = utc_text(doc["updated_at"])
            status, entered, stored_updated, seq = stored.get(key, (None, None, None, 0))
            if stored_updated is not None and stored_updated >= updated:
                continue  # the store holds this or a newer state
            reported = doc["marketplace_status"]
            steps = [] if reported == status else self.path(status, reported)
            placed = _placed(doc, updated) if status is None else None
            at = updated
            for n, (source, dest, trigger, actor) in enumerate(steps, start=1):
                created = n == 1 and placed is not None  # at the order date: observed
                at = placed if created and placed is not None else updated
                inferred = n < len(steps) and not created
                events.append((*key, seq + n, source, dest, trigger, actor, inferred, at))
            orders.append((*key, reported, at if steps else entered, updated, self.version,
                           seq + len(steps), seq, _dumps(fields), _dumps(doc)))  # fmt: skip
            if status is not None:
                replaced.append(key)
            lines.extend((*key, *line) for line in self.cart(doc))
        self.db.executemany(UPSERT, orders)
        self.db.executemany(INSERT_EVENT, events)
        self.db.executemany(DELETE_LINES, replaced)
        self.db.executemany(INSERT_LINE, lines)
        self.db.execute("COMMIT")
        return len(orders)

    def cart(self, doc: dict[str, Any]) -> list[tuple[object, ...]]:
        """The order's cart lines, numbered in the order the packages list them: id, position,
        the marketplace's and Lengow's codes, the state (the rule file's, else Lengow's), the
        quantity and the amount."""
        rows: list[tuple[object, ...]] = []
        for package in doc.get("packages") or []:
            for line in package.get("cart") or []:
                code, lengow = line.get("marketplace_status"), line.get("lengow_status")
                state = self.line_states.get(code) or LENGOW_LINE_STATES.get(
                    str(lengow).casefold(), "unknown"
                )
                line_id = line.get("marketplace_order_line_id") or str(line.get("id"))
                amount = line.get("amount")
                rows.append((line_id, len(rows), code, lengow, state, line.get("quantity"),
                             None if amount is None else str(amount)))  # fmt: skip
        return rows

    def _stored(self, keys: list[tuple[str, str]]) -> Iterable[tuple[Any, Any]]:
        """The stored state of `keys`, looked up in the primary key: one marketplace and a list
        of ids per query (a list of (marketplace, id) pairs would scan the whole table)."""
        ids: dict[str, list[str]] = {}
        for marketplace, order_id in keys:
            ids.setdefault(marketplace, []).append(order_id)
        for marketplace, wanted in ids.items():
            found = self.db.execute(
                "SELECT order_id, status, entered_at, updated_at, seq FROM orders"
                f" WHERE marketplace = ? AND order_id IN ({', '.join('?' * len(wanted))})",
                [marketplace, *wanted],
            )
            yield from (((marketplace, o), rest) for o, *rest in found)

    def close(self) -> None:
        self.db.close()
