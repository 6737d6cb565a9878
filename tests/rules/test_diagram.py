"""Diagrams of a tiny hand-written rule set, pinned line by line, names chosen to need escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.rulefile.diagram import Edge, EdgeStats, dot, edges, mermaid, span
from engine.rulefile.loader import load_rules, load_rules_text

TINY = """\
format: 1
marketplace: {code: tiny, name: 'Tiny "T"', rules_version: "3"}
fields:
  mode: {type: enum, values: {T: , S: }}
  number: {type: string}
statuses:
  New: {stage: new, initial: true}
  'Ready; "go" #1': {stage: waiting_shipment}
  Sent: {stage: shipped, final: true}
  Lost: {stage: canceled, final: true}
transitions:
  - {trigger: prepare, from: New, to: 'Ready; "go" #1', actor: marketplace}
  - trigger: send
    from: 'Ready; "go" #1'
    to: Sent
    actor: seller
    when: {field: mode, in: [T]}
  - {trigger: expire, from: [New, 'Ready; "go" #1'], to: Lost, actor: timer}
actions:
  send:
    at: 'Ready; "go" #1'
    transition: send
    action_type: ship
    requires:
      - {field: number, when: {field: mode, in: [T]}}
      - {field: mode}
timers:
  slow: {status: New, after: 2d, fire: expire}
  stuck: {status: 'Ready; "go" #1', after: 12h, fire: expire}
schedule: {every: 15m, overlap: 2h, sweep_every: 1d, sweep_lookback: 5d}
"""
READY = 'Ready; "go" #1'
RULES = load_rules_text(TINY, "tiny.yaml")
STATS = {
    ("New", READY, "prepare"): EdgeStats(12, 4500.0),
    (READY, "Sent", "send"): EdgeStats(1),
}


def test_edges_carry_trigger_actor_condition_requirements_and_timer() -> None:
    assert edges(RULES) == (
        Edge("New", READY, "prepare", ("prepare (marketplace)",)),
        Edge(
            READY,
            "Sent",
            "send",
            ("send (seller)", "when mode in [T]", "needs number if mode in [T]", "needs mode"),
        ),
        Edge("New", "Lost", "expire", ("expire (timer)", "after 2d")),
        Edge(READY, "Lost", "expire", ("expire (timer)", "after 12h")),
    )


def test_mermaid_text() -> None:
    assert mermaid(RULES).splitlines() == [
        "stateDiagram-v2",
        "    %% Tiny #quot;T#quot;, rules 3",
        '    state "New" as s0',
        "    s0 : new",
        '    state "Ready#59; #quot;go#quot; #35;1" as s1',
        "    s1 : waiting_shipment",
        '    state "Sent" as s2',
        "    s2 : shipped",
        '    state "Lost" as s3',
        "    s3 : canceled",
        "    [*] --> s0",
        "    s0 --> s1 : prepare (marketplace)",
        "    s1 --> s2 : send (seller) · when mode in [T] · needs number if mode in [T]"
        " · needs mode",
        "    s0 --> s3 : expire (timer) · after 2d",
        "    s1 --> s3 : expire (timer) · after 12h",
        "    s2 --> [*]",
        "    s3 --> [*]",
    ]


def test_mermaid_with_counts_and_median_times() -> None:
    lines = mermaid(RULES, STATS).splitlines()
    assert lines[11] == "    s0 --> s1 : prepare (marketplace) · 12 orders, median 1h 15m"
    assert lines[12].endswith(" · needs mode · 1 order")
    assert lines[13] == "    s0 --> s3 : expire (timer) · after 2d"


def test_dot_text() -> None:
    assert dot(RULES, STATS) == (
        'digraph "tiny" {\n'
        '  label="Tiny \\"T\\", rules 3";\n'
        "  rankdir=LR;\n"
        '  node [shape=box, style=rounded, fontname="Helvetica"];\n'
        '  edge [fontname="Helvetica", fontsize=10];\n'
        '  start [shape=point, label=""];\n'
        '  s0 [label="New\\nnew"];\n'
        '  s1 [label="Ready; \\"go\\" #1\\nwaiting_shipment"];\n'
        '  s2 [label="Sent\\nshipped", peripheries=2];\n'
        '  s3 [label="Lost\\ncanceled", peripheries=2];\n'
        "  start -> s0;\n"
        '  s0 -> s1 [label="prepare (marketplace)\\n12 orders, median 1h 15m", penwidth=6.0];\n'
        '  s1 -> s2 [label="send (seller)\\nwhen mode in [T]\\nneeds number if mode in [T]'
        '\\nneeds mode\\n1 order", penwidth=1.4];\n'
        '  s0 -> s3 [label="expire (timer)\\nafter 2d"];\n'
        '  s1 -> s3 [label="expire (timer)\\nafter 12h"];\n'
        "}\n"
    )


def test_dot_without_stats_draws_every_edge_alike() -> None:
    assert dot(RULES).splitlines()[11:] == [
        '  s0 -> s1 [label="prepare (marketplace)"];',
        '  s1 -> s2 [label="send (seller)\\nwhen mode in [T]\\nneeds number if mode in [T]'
        '\\nneeds mode"];',
        '  s0 -> s3 [label="expire (timer)\\nafter 2d"];',
        '  s1 -> s3 [label="expire (timer)\\nafter 12h"];',
        "}",
    ]


def test_dot_edges_thicken_from_1_to_6_with_their_share_of_the_busiest() -> None:
    stats = {
        ("New", READY, "prepare"): EdgeStats(40),
        (READY, "Sent", "send"): EdgeStats(16),
        ("New", "Lost", "expire"): EdgeStats(4),
        (READY, "Lost", "expire"): EdgeStats(0),
    }
    widths = [line.rsplit("penwidth=", 1)[-1] for line in dot(RULES, stats).splitlines()[11:15]]
    assert widths == ["6.0];", "3.0];", "1.5];", "1.0];"]  # 1 + 5 * count / 40


def test_dot_with_no_order_on_any_edge_keeps_the_default_width() -> None:
    text = dot(RULES, {("New", READY, "prepare"): EdgeStats(0)})
    assert "penwidth" not in text
    assert '  s0 -> s1 [label="prepare (marketplace)\\n0 orders"];' in text.splitlines()


def test_a_backslash_in_a_name_is_escaped_for_dot() -> None:
    rules = load_rules_text(TINY.replace("Sent", "Se\\nt"), "tiny.yaml")
    assert rules.statuses[2].name == "Se\\nt"
    assert '  s2 [label="Se\\\\nt\\nshipped", peripheries=2];' in dot(rules).splitlines()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (59.6, "1m"), (720, "12m"), (4500, "1h 15m"), (90061, "1d 1h")],
)
def test_spans_are_short(seconds: float, text: str) -> None:
    assert span(seconds) == text


def test_the_cdiscount_diagram_marks_finals_and_the_click_and_collect_branch() -> None:
    text = mermaid(load_rules(Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"))
    lines = text.splitlines()
    assert lines[2] == '    state "WaitingForSellerAcceptation" as s0'
    assert "    [*] --> s0" in lines
    assert (
        "    s4 --> s7 : ship (seller) · when delivery_mode in [MAG] · needs carrier, "
        "tracking_number if delivery_mode in [TRK, REG, REL, RCO, SO1]"
    ) in lines
    assert sum(line.endswith("--> [*]") for line in lines) == 11


def test_orders_fulfilled_by_the_marketplace_enter_where_the_import_policy_says() -> None:
    cdiscount = load_rules(Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml")
    # Shipped is the seventh status declared (s6); orders fulfilled by Cdiscount arrive there.
    assert "    [*] --> s6 : arrives fulfilled by the marketplace (fulfilled_by_marketplace)\n" in (
        mermaid(cdiscount)
    )
    assert (
        '  start -> s6 [label="arrives fulfilled by the marketplace (fulfilled_by_marketplace)", '
        "style=dashed];\n"
    ) in dot(cdiscount)
