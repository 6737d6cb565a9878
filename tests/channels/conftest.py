"""Shared fixtures of the channel tests: Lengow JSON samples (in `samples/`) and small rule sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules, load_rules_text

REPO = Path(__file__).resolve().parents[2]
# Kept in the repository (origins and licences in samples/SOURCES.md): a clone needs nothing else.
LENGOW_SAMPLES = Path(__file__).resolve().parent / "samples"

# A Mirakl marketplace as Lengow serves it (its codes: samples/marketplaces.json), with the
# fields the samples hold.
GALERIES_RULES = """
format: 1
marketplace: {code: galeries_lafayette, name: Galeries Lafayette, rules_version: "t1"}
fields:
  carrier:
    type: enum
    sources:
      - packages[0].delivery.trackings[0].carrier
    values:
      LAPOSTE: {label: La Poste}
      CHRONOPOST: {label: Chronopost}
  tracking_number:
    type: string
    sources:
      - packages[0].delivery.trackings[0].number
  relay_id:
    type: string
    sources:
      - packages[0].delivery.trackings[0].relay.id
  fulfilled_by_marketplace:
    type: bool
    sources:
      - order_types[type=is_delivered_by_marketplace]
      - packages[0].delivery.trackings[0].is_delivered_by_marketplace
  total_order: {type: number, sources: [total_order]}
  shipping: {type: number, sources: [shipping]}
  processing_fee: {type: number, sources: [processing_fee]}
  first_line_status:
    type: string
    sources:
      - packages[0].cart[0].marketplace_status
  line_created_at:
    type: datetime
    sources:
      - packages[0].cart[0].created_at
statuses:
  STAGING: {stage: new, initial: true}
  WAITING_ACCEPTANCE: {stage: waiting_acceptance}
  WAITING_DEBIT_PAYMENT: {stage: accepted}
  SHIPPING: {stage: waiting_shipment}
  SHIPPED: {stage: shipped, final: true}
  CANCELED: {stage: canceled, final: true}
transitions:
  - {trigger: notify, from: STAGING, to: WAITING_ACCEPTANCE, actor: marketplace}
  - {trigger: accept, from: WAITING_ACCEPTANCE, to: WAITING_DEBIT_PAYMENT, actor: seller}
  - {trigger: debit, from: WAITING_DEBIT_PAYMENT, to: SHIPPING, actor: payment}
  - {trigger: ship, from: SHIPPING, to: SHIPPED, actor: seller}
  - {trigger: cancel, from: [STAGING, WAITING_ACCEPTANCE], to: CANCELED, actor: customer}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""

ZALANDO_RULES = """
format: 1
marketplace: {code: zalando, name: Zalando, rules_version: "t1"}
fields:
  fulfilled_by_marketplace:
    type: bool
    sources:
      - order_types[type=is_delivered_by_marketplace]
      - packages[0].delivery.trackings[0].is_delivered_by_marketplace
  total_order: {type: number, sources: [total_order]}
  total_tax: {type: number, sources: [total_tax]}
  currency: {type: string, sources: [currency.iso_a3]}
statuses:
  initial: {stage: new, initial: true}
  approved: {stage: waiting_acceptance}
  exported: {stage: waiting_shipment}
  fulfilled: {stage: shipped, final: true}
transitions:
  - {trigger: approve, from: initial, to: approved, actor: marketplace}
  - {trigger: accept, from: approved, to: exported, actor: seller}
  - {trigger: ship, from: exported, to: fulfilled, actor: seller}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""


def sample(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((LENGOW_SAMPLES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session")
def galeries_rules() -> RuleSet:
    return load_rules_text(GALERIES_RULES, "galeries.yaml")


@pytest.fixture(scope="session")
def zalando_rules() -> RuleSet:
    return load_rules_text(ZALANDO_RULES, "zalando.yaml")


@pytest.fixture(scope="session")
def cdiscount_rules() -> RuleSet:
    return load_rules(REPO / "rules" / "cdiscount.yaml")
