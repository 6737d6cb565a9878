"""One order at the seller's desk: find it, see what may be done now and why not.

The Orders page is a view over this module (and `workspace.order_story`, which tells an order's
story: its timeline and its cart lines). Orders are found by id, status and, since a cart's lines
may disagree (one accepted, one refused), by whether they do. An order's options come from the
runtime: every action of the rule set, allowed or blocked with the runtime's blockers. An action
blocked only because a field is missing or wrong can be performed by filling in exactly the
fields its requirements ask for here; the filled-in command is checked again by the runtime and
queued in the outbox by `engine.sync.seller_actions.submit`, never sent from the page. An order
is judged under the rules version it is pinned to (`order_runtime`), not whichever file is current.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.eventlog import CASE, attribute_columns, case_last
from engine.model.blockers import Blocker, BlockerCode, Decision
from engine.model.definition import FieldType, RuleSet
from engine.runtime.runtime import Runtime
from engine.store import OrderState
from engine.sync.order_rules import KeptVersions, OrderRules

FIXABLE: frozenset[BlockerCode] = frozenset(
    {BlockerCode.FIELD_REQUIRED, BlockerCode.VALUE_NOT_ALLOWED}
)


def find_orders(
    log: pd.DataFrame,
    text: str = "",
    statuses: Sequence[str] = (),
    limit: int = 200,
    mixes: pd.DataFrame | None = None,
    disagreeing: bool = False,
) -> pd.DataFrame:
    """Orders whose id contains `text` (any case), whose status is one of `statuses` and, with
    `disagreeing`, whose lines disagree; the most recently changed first: marketplace, order_id,
    status, stage, since, lines, then the log's case attributes (the rule files' enum and bool
    fields).

    `lines` is the order's mix in `mixes` ("partial refusal", ...; `analytics.lines.mix_frame`
    on this log or the whole log it was filtered from), empty when its lines agree or the store
    holds none."""
    now = log.iloc[case_last(log)]
    keep = np.ones(len(now), dtype=bool)
    if text.strip():
        ids = now["order_id"].astype(str).str.casefold()
        keep &= ids.str.contains(text.strip().casefold(), regex=False).to_numpy()
    if statuses:
        keep &= now["to_status"].isin(list(statuses)).to_numpy()
    # Only the orders whose lines disagree have a mix to show: usually a few among many.
    mix = _disagreeing(mixes)
    if disagreeing:
        keep &= np.isin(now[CASE].to_numpy(), mix.index.to_numpy())
    found = now.loc[keep].sort_values("at", ascending=False).head(limit)
    table = pd.DataFrame(
        {
            "marketplace": found["marketplace"].astype(str),
            "order_id": found["order_id"].astype(str),
            "status": found["to_status"].astype(str),
            "stage": found["stage"].astype(str),
            "since": found["at"],
            "lines": mix.reindex(found[CASE].to_numpy()).fillna("").to_numpy(dtype=object),
        }
        | {name: found[name].astype(object) for name in attribute_columns(log)}
    )
    return table.reset_index(drop=True)


def _disagreeing(mixes: pd.DataFrame | None) -> pd.Series:
    """The mix of each order of the log whose lines disagree, by case."""
    if mixes is None:
        return pd.Series([], index=pd.Index([], dtype="int64"), dtype=object)
    odd = mixes.loc[(mixes["mix"] != "").to_numpy() & (mixes[CASE] >= 0).to_numpy()]
    return pd.Series(odd["mix"].to_numpy(dtype=object), index=odd[CASE].to_numpy())


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


def order_runtime(
    store: KeptVersions, rules: RuleSet, state: OrderState, current: Runtime | None = None
) -> tuple[Runtime, str]:
    """The runtime of the rules version `state` is pinned to (`current`, when given, stands for
    `rules`' own), and what to tell the seller about it ('' when it is the file's)."""
    pinned = OrderRules([rules]).of_state(store, state)
    runtime: Runtime = pinned.use.runtime
    if current is not None and pinned.use.rules is rules:
        runtime = current
    return runtime, pinned.note(state.order_id)


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
