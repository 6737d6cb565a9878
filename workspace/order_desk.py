"""One order at the seller's desk: find it, read its story, see what may be done now and why not.

The Orders page is a view over this module. An order's timeline merges its events (observed and
inferred statuses), its anomalies and the actions queued for it. Its options come from the
runtime: every action of the rule set, allowed or blocked with the runtime's blockers. An action
blocked only because a field is missing or wrong can be performed by filling in exactly the
fields its requirements ask for here; the filled-in command is checked again by the runtime and
queued in the outbox by `engine.sync.seller_actions.submit`, never sent from the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.eventlog import case_last
from engine.model.blockers import Blocker, BlockerCode, Decision
from engine.model.definition import FieldType, RuleSet
from engine.runtime.runtime import Runtime
from engine.store import StoredAnomaly, StoredEvent

FIXABLE: frozenset[BlockerCode] = frozenset(
    {BlockerCode.FIELD_REQUIRED, BlockerCode.VALUE_NOT_ALLOWED}
)


def find_orders(
    log: pd.DataFrame, text: str = "", statuses: Sequence[str] = (), limit: int = 200
) -> pd.DataFrame:
    """Orders whose id contains `text` (any case) and whose status is one of `statuses`, the
    most recently changed first: marketplace, order_id, status, stage, delivery_mode, since."""
    now = log.iloc[case_last(log)]
    keep = np.ones(len(now), dtype=bool)
    if text.strip():
        ids = now["order_id"].astype(str).str.casefold()
        keep &= ids.str.contains(text.strip().casefold(), regex=False).to_numpy()
    if statuses:
        keep &= now["to_status"].isin(list(statuses)).to_numpy()
    found = now.loc[keep].sort_values("at", ascending=False).head(limit)
    table = pd.DataFrame(
        {
            "marketplace": found["marketplace"].astype(str),
            "order_id": found["order_id"].astype(str),
            "status": found["to_status"].astype(str),
            "stage": found["stage"].astype(str),
            "delivery_mode": found["delivery_mode"].astype(object),
            "since": found["at"],
        }
    )
    return table.reset_index(drop=True)


def timeline(
    events: Sequence[StoredEvent],
    anomalies: Sequence[StoredAnomaly] = (),
    actions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The order's story in time order: `at, kind, what, detail`.

    kind is "observed", "inferred", "anomaly" or "action" (rows of the outbox frame)."""
    rows = [
        {
            "at": pd.Timestamp(e.at),
            "kind": "inferred" if e.inferred else "observed",
            "what": e.to_status,
            "detail": f"{e.trigger} by {e.actor} ({e.source})"
            + ("" if e.from_status is None else f", from {e.from_status}"),
        }
        for e in events
    ]
    rows += [
        {
            "at": pd.Timestamp(a.at),
            "kind": "anomaly",
            "what": a.reported,
            "detail": f"{a.kind}: {a.message}",
        }
        for a in anomalies
    ]
    if actions is not None:
        rows += [
            {
                "at": item.created_at,
                "kind": "action",
                "what": item.action,
                "detail": f"{item.action_type}, {item.state}",
            }
            for item in actions.itertuples()
        ]
    frame = pd.DataFrame(rows, columns=["at", "kind", "what", "detail"])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values("at", kind="stable", ignore_index=True)


@dataclass(frozen=True)
class FormField:
    """A field an action asks for: its name, type, description and, for an enum, its choices
    as (code, label) pairs."""

    name: str
    type: FieldType
    description: str
    choices: tuple[tuple[str, str], ...] = ()
    current: object = None


@dataclass(frozen=True)
class Option:
    """One action for this order now: allowed, fixable by filling in `fields`, or blocked."""

    action: str
    description: str
    decision: Decision
    fields: tuple[FormField, ...]

    @property
    def performable(self) -> bool:
        return self.decision.allowed or all(b.code in FIXABLE for b in self.decision.blockers)

    @property
    def blockers(self) -> tuple[Blocker, ...]:
        return self.decision.blockers


def options(runtime: Runtime, status: str, fields: Mapping[str, object]) -> list[Option]:
    """Every action of the rule set for an order at `status` with `fields`.

    None at a status the rules do not declare (a code the marketplace reported as is).
    """
    rules = runtime.rules
    if status not in rules.status_by_name:
        return []
    return [
        Option(
            action=decision.action,
            description=rules.action_by_name[decision.action].description,
            decision=decision,
            fields=required_fields(rules, decision.action, fields),
        )
        for decision in runtime.options(status, fields)
    ]


def required_fields(
    rules: RuleSet, action: str, fields: Mapping[str, object]
) -> tuple[FormField, ...]:
    """The fields `action` requires of an order with `fields` (its conditions evaluated).

    A condition that cannot be decided (a value the rule file does not list) asks for the field:
    failing closed, the form offers what the seller may have to give.
    """
    asked: dict[str, FormField] = {}
    for requirement in rules.action_by_name[action].requires:
        if (
            requirement.when is not None
            and requirement.when.truth(fields, rules.vocabulary) is False
        ):
            continue
        definition = rules.field_by_name.get(requirement.field)
        if definition is None or requirement.field in asked:
            continue
        codes = requirement.values or definition.codes
        labels = {v.code: v.label or v.code for v in definition.values}
        asked[requirement.field] = FormField(
            name=definition.name,
            type=definition.type,
            description=definition.description,
            choices=tuple((c, labels.get(c, c)) for c in codes),
            current=fields.get(definition.name),
        )
    return tuple(asked.values())
