"""The store's tables, at the schema version this code reads and writes.

One `MetaData` describes the current layout; `migrations` brings an older database up to it.
Constraints carry the store's promises where the database can enforce them: one row per order,
one event per (order, seq), one open outbox entry per (order, action).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from engine.store.columns import UtcDateTime, json_type

SCHEMA_VERSION = 7
"""The version this code writes. Raise it with a new step in `migrations.STEPS`."""

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
)

orders = Table(
    "orders",
    metadata,
    Column("marketplace", String(64), primary_key=True),
    Column("order_id", String(128), primary_key=True),
    Column("status", String(128)),
    Column("entered_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("rules_version", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    # How many events the order had before its latest change: the compare-and-set of `apply`
    # reads it from the incoming row, so the check runs in one multi-row statement.
    Column("prev_seq", Integer, nullable=False, server_default=text("0")),
    Column("fields", json_type(), nullable=False, server_default=text("'{}'")),
    Column("snapshot", json_type(), nullable=False),
    # The Lengow account that reports it (`AccountSettings.key`); '' for an order stored before
    # version 6, which the first account to report it again takes.
    Column("account", String(32), nullable=False, server_default=text("''")),
)
Index("orders_status_entered", orders.c.status, orders.c.entered_at)

events = Table(
    "events",
    metadata,
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("from_status", String(128)),
    Column("to_status", String(128), nullable=False),
    Column("trigger", String(128), nullable=False),
    Column("actor", String(32), nullable=False),
    Column("source", String(32), nullable=False),
    Column("inferred", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    # The one event that took the order where the marketplace reported it, with no rule's path.
    Column("deviation", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("marketplace", "order_id", "seq", name="events_order_seq"),
    ForeignKeyConstraint(["marketplace", "order_id"], [orders.c.marketplace, orders.c.order_id]),
    CheckConstraint("seq >= 1", name="events_seq_positive"),
)

anomalies = Table(
    "anomalies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("from_status", String(128)),
    Column("reported", String(128), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["marketplace", "order_id"], [orders.c.marketplace, orders.c.order_id]),
)
Index("anomalies_order", anomalies.c.marketplace, anomalies.c.order_id)

fetch_runs = Table(
    "fetch_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("window_from", UtcDateTime, nullable=False),
    Column("window_to", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("status", String(16), nullable=False),
    Column("pages", Integer, nullable=False, server_default=text("0")),
    Column("orders", Integer, nullable=False, server_default=text("0")),
    Column("errors", Integer, nullable=False, server_default=text("0")),
    Column("error", Text),
    # Who ran it (`leases.holder`): a run still `running` is closed as interrupted only once
    # its holder holds no live lease.
    Column("holder", String(200)),
    # The account whose windows it walked; null for runs before version 6 (one account then).
    Column("account", String(32)),
    CheckConstraint("kind IN ('incremental', 'sweep')", name="fetch_runs_kind"),
    CheckConstraint("status IN ('running', 'ok', 'failed')", name="fetch_runs_status"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64)),
    Column("order_id", String(128)),
    Column("reason", Text, nullable=False),
    Column("raw", json_type()),
    Column("fetch_run", Integer, ForeignKey("fetch_runs.id")),
    Column("at", UtcDateTime, nullable=False),
    # A hash of (marketplace, order_id, reason, raw): the same unreadable input is kept once.
    Column("digest", String(64), nullable=False, server_default=text("''")),
)
Index("quarantine_once", quarantine.c.digest, unique=True)

# Why a fetch run saw an order and stored nothing of it (`records.SetAsideReason`).
SET_ASIDE_REASONS = ("stale", "fulfilled_not_imported", "unchanged")

set_aside = Table(
    "set_aside",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fetch_run", Integer, ForeignKey("fetch_runs.id"), nullable=False),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("reason", String(32), nullable=False),
    # The snapshot's `updated_at`, and the stored order's when the store held one.
    Column("updated_at", UtcDateTime, nullable=False),
    Column("stored_updated_at", UtcDateTime),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint(
        "reason IN ('stale', 'fulfilled_not_imported', 'unchanged')", name="set_aside_reason"
    ),
)
Index("set_aside_run", set_aside.c.fetch_run)

# The state a cart line is in, whatever the marketplace calls it (`model.lines.LineState`).
LINE_STATES = ("waiting", "accepted", "refused", "shipped", "canceled", "refunded", "unknown")

lines = Table(
    "lines",
    metadata,
    Column("marketplace", String(64), primary_key=True),
    Column("order_id", String(128), primary_key=True),
    Column("line_id", String(128), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("marketplace_status", String(128)),
    Column("lengow_status", String(64)),
    Column("state", String(16), nullable=False),
    Column("quantity", Integer),
    Column("amount", String(32)),
    ForeignKeyConstraint(["marketplace", "order_id"], [orders.c.marketplace, orders.c.order_id]),
    CheckConstraint(
        "state IN ('waiting', 'accepted', 'refused', 'shipped', 'canceled', 'refunded', 'unknown')",
        name="lines_state",
    ),
)

# A rule-relevant field of an order that a newer snapshot changed: an entry of its own in the
# order's history, after the order's first `seq` events.
field_changes = Table(
    "field_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("field", String(128), nullable=False),
    Column("old", json_type()),
    Column("new", json_type()),
    Column("at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(["marketplace", "order_id"], [orders.c.marketplace, orders.c.order_id]),
)
Index("field_changes_order", field_changes.c.marketplace, field_changes.c.order_id)

# One holder at a time per name (a fetch window: account and marketplace); a lease whose
# `expires_at` passed is free, so a holder that died gives it up by not renewing it.
leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", UtcDateTime, nullable=False),
)

# An entry is open from queued to sent: `sending` is a POST that may or may not have landed.
OUTBOX_OPEN = ("pending", "sending", "sent")
# The open states' predicate, written out: the index is partial on it, and an ON CONFLICT target
# must repeat it as text (a predicate with bound parameters cannot be matched to the index by a
# prepared plan, which psycopg makes from a statement's 5th run on a connection).
OUTBOX_OPEN_PREDICATE = text("state IN ('pending', 'sending', 'sent')")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("action", String(128), nullable=False),
    Column("action_type", String(64), nullable=False),
    Column("args", json_type(), nullable=False),
    Column("expected_status", String(128)),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("confirmed_at", UtcDateTime),
    Column("answer", json_type()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    # When the latest send began: committed before its POST, so a restart knows it may have landed.
    Column("attempted_at", UtcDateTime),
    # The cart line the action names ('' for the whole order): one open entry per line.
    Column("line", String(128), nullable=False, server_default=text("''")),
    CheckConstraint(
        "state IN ('pending', 'sending', 'sent', 'confirmed', 'failed', 'unconfirmed')",
        name="outbox_state",
    ),
)
# The same action on the same order (line) is never queued twice while one is on its way.
Index(
    "outbox_one_open",
    outbox.c.marketplace,
    outbox.c.order_id,
    outbox.c.action,
    outbox.c.line,
    unique=True,
    sqlite_where=OUTBOX_OPEN_PREDICATE,
    postgresql_where=OUTBOX_OPEN_PREDICATE,
)
Index("outbox_state", outbox.c.state)

# Every version of a rule file a sync, a fill or a migration ran orders under, kept whole: an
# order's `rules_version` stays addressable, by its version string and by its text's hash.
rule_versions = Table(
    "rule_versions",
    metadata,
    Column("marketplace", String(64), primary_key=True),
    Column("sha256", String(64), primary_key=True),
    Column("rules_version", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
)
Index("rule_versions_version", rule_versions.c.marketplace, rule_versions.c.rules_version)

TABLES = tuple(metadata.tables)
