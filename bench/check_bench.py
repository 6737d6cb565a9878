"""How long `orderflow check` takes on the Cdiscount rule file, and what it explores meanwhile.

The goal (issue 15): `orderflow check rules/cdiscount.yaml` with 1,000 examples in 10 s or less.
`check_seconds` is that command as a person runs it: a whole process (start-up, loading the
file, the exploration, the report), its exit code checked. In process, the exploration alone is
timed against a peer: the same number of random lifecycles drawn by plain Hypothesis (`@given`
over lists of triggers) and walked on a dict built from the rule file (`{(status, trigger):
dest}`, the first transition whose guard holds), with no property judged, no seller command,
timer, observation or shrinking: the floor of exploring that many orders with Hypothesis. The
sides run interleaved; `check_vs_plain_hypothesis` is our median over the peer's. What ours
explored is written too: orders, steps, statuses and transitions covered.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as seeded
from hypothesis import strategies as st

from authoring.check import CheckResult, check
from authoring.field_values import fields_of
from bench.result import BenchResult, interleaved
from engine.model.conditions import Condition
from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "cdiscount.yaml"
EXAMPLES = {"tiny": 30, "full": 1000}
ROUNDS = {"tiny": 1, "full": 3}


def _plain(rules: RuleSet, examples: int) -> int:
    """The peer: `examples` random trigger walks on a dict, drawn by plain Hypothesis."""
    table: dict[tuple[str, str], list[tuple[str, Condition | None]]] = {}
    for t in rules.transitions:
        for source in t.sources:
            table.setdefault((source, t.trigger), []).append((t.dest, t.when))
    finals = rules.final_statuses
    vocabulary = rules.vocabulary
    walked = [0]

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @seeded(0)
    @given(fields_of(rules), st.lists(st.sampled_from(rules.triggers), max_size=24))
    def walk(fields: dict[str, object], triggers: list[str]) -> None:
        status = rules.initial_statuses[0]
        for trigger in triggers:
            if status in finals:
                break
            for dest, when in table.get((status, trigger), ()):
                if when is None or when.truth(fields, vocabulary):
                    status = dest
                    break
        walked[0] += 1

    walk()
    return walked[0]


def _cli(examples: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    command = [sys.executable, "-m", "cli", "check", str(RULES), "--examples", str(examples)]
    rounds = interleaved(
        1,
        {
            "cli": lambda: subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, check=False
            )
        },
    )
    done: subprocess.CompletedProcess[str] = rounds.last["cli"]
    return rounds.median("cli"), done


def run(size: str) -> BenchResult:
    rules = load_rules(RULES)
    examples = EXAMPLES[size]
    results: dict[str, CheckResult | int] = {}
    rounds = interleaved(
        ROUNDS[size],
        {
            "ours": lambda: results.__setitem__("ours", check(rules, examples, 0)),
            "peer": lambda: results.__setitem__("peer", _plain(rules, examples)),
        },
    )
    ours = results["ours"]
    assert isinstance(ours, CheckResult)
    seconds, done = _cli(examples)
    result = BenchResult("check")
    edges = {(s, t.dest, t.trigger) for t in rules.transitions for s in t.sources}
    result.figures.update(
        {
            "check_seconds": seconds,
            "explore_seconds": rounds.median("ours"),
            "plain_hypothesis_seconds": rounds.median("peer"),
            "orders": ours.coverage.orders,
            "steps": ours.coverage.steps,
            "statuses_covered": len(ours.coverage.statuses),
            "transitions_covered": len(edges) - len(ours.uncovered),
        }
    )
    result.compare(
        "check_vs_plain_hypothesis",
        rounds.median("ours"),
        rounds.median("peer"),
        "the same number of trigger walks drawn by plain Hypothesis on a dict, nothing judged",
    )
    result.agree["cli_exits_0_with_a_pass"] = done.returncode == 0 and ": ok:" in done.stdout
    result.agree["same_orders_explored"] = ours.coverage.orders == results["peer"] == examples
    result.notes.append(f"{examples:,} examples of {RULES.name}; goal: check_seconds <= 10")
    return result
