"""Small rule files for the check's tests, each breaking one built-in property, and the
mutations of the shipped files that break a declared one."""

from __future__ import annotations

from pathlib import Path

from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules_text

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
HEAD = """format: 1
marketplace: {code: demo, rules_version: "1"}
fields:
  mode: {type: enum, values: {A: {label: a}, B: {label: b}}}
  carrier: {type: string}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""
# Orders of mode B go round Open -> Waiting -> Open for ever: only mode A finishes.
CYCLE = (
    HEAD
    + """statuses:
  Open: {stage: new, initial: true}
  Waiting: {stage: waiting_shipment}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: wait, from: Open, to: Waiting, actor: marketplace}
  - {trigger: back, from: Waiting, to: Open, actor: customer}
  - {trigger: finish, from: Waiting, to: Done, actor: marketplace, when: {field: mode, in: [A]}}
"""
)
# The timer fires a trigger only mode A orders take: a mode B order stays where it was.
STUCK_TIMER = (
    HEAD
    + """statuses:
  Open: {stage: new, initial: true}
  Done: {stage: shipped, final: true}
  Gone: {stage: canceled, final: true}
transitions:
  - {trigger: expire, from: Open, to: Gone, actor: timer, when: {field: mode, in: [A]}}
  - {trigger: finish, from: Open, to: Done, actor: customer}
timers:
  wait: {status: Open, after: 1d, fire: expire}
"""
)
# Fine as rules; its one property forgets that the seller may ship without a carrier.
PROMISE = (
    HEAD
    + """statuses:
  Open: {stage: new, initial: true}
  Done: {stage: shipped, final: true}
transitions:
  - {trigger: ship, from: Open, to: Done, actor: seller}
actions:
  ship: {at: [Open], transition: ship, action_type: ship, args: {carrier: carrier}}
properties:
  shipped_with_a_carrier:
    always: {enters: Done, then: {field: carrier, present: true}}
"""
)
# Per shipped file, the requirement removed from `ship` (the text before, the text after).
MUTATIONS = {
    "cdiscount": (
        "    requires:\n"
        "      - field: carrier\n"
        "        when: {field: delivery_mode, in: [TRK, REG, REL, RCO, SO1]}\n"
        "      - field: tracking_number\n"
        "        when: {field: delivery_mode, in: [TRK, REG, REL, RCO, SO1]}\n",
        "",
    ),
    "cdiscount_octopia": (
        "    requires:\n      - field: carrier\n      - field: tracking_number\n",
        "",
    ),
    "galeries_lafayette": ("    requires:\n      - field: tracking_number\n  refund:", "  refund:"),
}


def mutated(name: str) -> RuleSet:
    """The shipped file `name` with its ship requirement removed."""
    text = (RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    before, after = MUTATIONS[name]
    assert text.count(before) == 1, name
    return load_rules_text(text.replace(before, after), f"{name}.yaml")
