"""The runtime's paths against a plain dictionary and a shared pytransitions machine.

One generated workload (seeded): orders of the Cdiscount rule file with random fields, each
with about 3 events (a random legal walk from the initial status, plus ~5% random triggers that
the rules mostly refuse). The same events run four ways, in the same process:

- baseline A, `dict`: a plain `{(status, trigger): next}` replay, one dict per guard signature
  so click-and-collect orders follow their own transition (the practical limit);
- baseline B, `pytransitions`: one shared `transitions` machine and one reused model, each
  event a `model.trigger(name)` (what a user of the library writes);
- ours, `bulk`: `engine.runtime.bulk.BulkTable.run` on integer columns (statuses, signatures, a
  trigger matrix), events and refusals returned as columns; encoding the names and field dicts
  into those columns is timed alone (`bulk_encode_s`) and, what a user starting from strings
  runs, together with the run (`bulk_with_encoding`, the ratio `bulk_with_encoding_vs_dict`);
- ours, `command`: `Runtime.apply_command` for each seller event (blockers checked: status,
  guard, required and valid fields) and `Runtime.trigger` for the others, each returning
  `Event` values.

The works run interleaved (each once a round; 5 rounds, 2 at the tiny size), timed in CPU time
of this process, and each one's median is kept. Agreement (`agree.final_statuses`): the dict,
pytransitions, bulk and command paths end every order in the same status (the command path may
differ only where a seller action is blocked, which the generated fields avoid).

Ratios are our median time over the baseline's (lower is better). Goals: bulk_vs_dict <= 2 and
bulk_with_encoding_vs_dict <= 2 (the baseline is handed its signatures; ours computes them from
the field dicts), bulk_vs_pytransitions <= 1/30, command_vs_pytransitions <= 1.5, machine build
under 50 ms. (Memory is measured on whole simulated runs by `bench/memory_bench.py`.)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from transitions import MachineError

from bench.result import BenchResult, best_of, interleaved
from engine.model.definition import FieldType, OrderField, RuleSet
from engine.model.errors import CommandRefused
from engine.rulefile.loader import load_rules
from engine.runtime.bulk import BulkResult, BulkTable
from engine.runtime.machine import Record, RuleMachine, build_machine
from engine.runtime.runtime import Runtime

RULES = Path(__file__).resolve().parents[1] / "rules" / "cdiscount.yaml"
SIZES = {"tiny": 2_000, "full": 100_000}
AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Workload:
    initial: list[str]
    fields: list[dict[str, object]]
    triggers: list[list[str]]

    @property
    def events(self) -> int:
        return sum(len(t) for t in self.triggers)


def _value(field: OrderField, i: int, rng: np.random.Generator) -> object:
    if field.type is FieldType.ENUM:
        return field.codes[int(rng.integers(len(field.codes)))]
    if field.type is FieldType.BOOL:
        return False
    return f"X{i:08d}" if field.type is FieldType.STRING else None


def _walk(runtime: Runtime, fields: Mapping[str, object], rng: np.random.Generator) -> list[str]:
    """2 to 5 triggers: legal steps for these fields (mostly onward, sometimes to an end), and
    now and then a random trigger, which the rules mostly refuse."""
    table, finals = runtime.table, runtime.rules.final_statuses
    status, triggers = runtime.rules.initial_statuses[0], []
    for _ in range(int(rng.integers(2, 6))):
        if rng.random() < 0.05:
            triggers.append(table.triggers[int(rng.integers(len(table.triggers)))])
            continue
        steps = [(t, table.resolve(status, t, fields)) for t, _ in table.outgoing.get(status, ())]
        legal = [(t, s.dest) for t, s in steps if s is not None and status not in finals]
        onward = [(t, d) for t, d in legal if d not in finals]
        pool = onward if onward and rng.random() < 0.85 else legal
        if not pool:
            break
        trigger, status = pool[int(rng.integers(len(pool)))]
        triggers.append(trigger)
    return triggers


def workload(runtime: Runtime, orders: int, seed: int = 20_260_101) -> Workload:
    rng = np.random.default_rng(seed)
    fields = [{f.name: _value(f, i, rng) for f in runtime.rules.fields} for i in range(orders)]
    walks = [_walk(runtime, f, rng) for f in fields]
    return Workload([runtime.rules.initial_statuses[0]] * orders, fields, walks)


# -- baseline A: plain dictionaries -------------------------------------------------------------


def dict_tables(runtime: Runtime) -> dict[int, dict[tuple[str, str], str]]:
    """Per guard signature, a plain {(status, trigger): next}."""
    paths, table = runtime.paths, runtime.table
    tables: dict[int, dict[tuple[str, str], str]] = {}
    for signature in range(1 << len(table.conditions)):
        plain = {}
        for (status, trigger), steps in table.steps.items():
            step = next((s for s in steps if paths.holds(s.condition, signature)), None)
            if step is not None and status not in runtime.rules.final_statuses:
                plain[(status, trigger)] = step.dest
        tables[signature] = plain
    return tables


def run_dict(
    work: Workload, signatures: list[int], tables: dict[int, dict[tuple[str, str], str]]
) -> list[str]:
    finals = []
    for status, signature, triggers in zip(work.initial, signatures, work.triggers, strict=True):
        table = tables[signature]
        for trigger in triggers:
            status = table.get((status, trigger), status)
        finals.append(status)
    return finals


# -- baseline B: a shared pytransitions machine -------------------------------------------------


class Model(Record):
    """A model the library can bind its trigger methods to (a `Record` with a __dict__)."""


def run_pytransitions(rules: RuleSet, work: Workload) -> list[str]:
    machine = build_machine(rules)
    model = Model(rules.initial_statuses[0], {})
    machine.add_model(model)
    trigger = model.trigger  # type: ignore[attr-defined]
    finals = []
    for status, fields, triggers in zip(work.initial, work.fields, work.triggers, strict=True):
        machine.set_state(status, model)
        model.fields = fields
        for name in triggers:
            with suppress(MachineError):
                trigger(name)
        finals.append(model.status)
    return finals


# -- ours: the command path ---------------------------------------------------------------------


def run_commands(runtime: Runtime, work: Workload) -> list[str]:
    action_of = {a.transition: a.name for a in runtime.rules.actions if a.transition}
    finals = []
    for i, (status, fields, triggers) in enumerate(
        zip(work.initial, work.fields, work.triggers, strict=True)
    ):
        order = f"o{i}"
        for name in triggers:
            action = action_of.get(name)
            if action is None:
                status = runtime.trigger(order, status, name, fields, AT).status or status
                continue
            with suppress(CommandRefused):
                status = runtime.apply_command(order, status, action, fields, AT).status or status
        finals.append(status)
    return finals


# -- the run ------------------------------------------------------------------------------------

PEERS = {
    "dict": "a plain {(status, trigger): next} dict replay, one per guard signature",
    "pytransitions": "one shared pytransitions machine, model.trigger(name) per event",
}
# (ratio, our side, its peer)
RATIOS = (
    ("bulk_vs_dict", "bulk", "dict"),
    ("bulk_with_encoding_vs_dict", "bulk_with_encoding", "dict"),
    ("bulk_vs_pytransitions", "bulk", "pytransitions"),
    ("command_vs_pytransitions", "command", "pytransitions"),
)


def build_ms(rules: RuleSet) -> float:
    return best_of(20, lambda: RuleMachine(rules)) * 1000  # wall time: what a user waits


def run(size: str) -> BenchResult:
    rules = load_rules(RULES)
    runtime = Runtime(rules)
    bulk = BulkTable(runtime)
    work = workload(runtime, SIZES[size])
    signatures = [runtime.paths.signature(f) for f in work.fields]
    tables = dict_tables(runtime)
    columns = encode(bulk, work)
    # CPU time of this process: the work never waits, and on a shared machine it is steadier.
    rounds = interleaved(5 if size == "full" else 2, {
        "dict": lambda: run_dict(work, signatures, tables),
        "pytransitions": lambda: run_pytransitions(rules, work),
        "bulk": lambda: bulk.run(*columns),
        "bulk_with_encoding": lambda: bulk.run(*encode(bulk, work)),
        "command": lambda: run_commands(runtime, work),
        "encode": lambda: encode(bulk, work),
    }, clock=time.process_time)  # fmt: skip
    seconds = {side: rounds.median(side) for side in rounds.seconds if side != "encode"}
    result = BenchResult("runtime")
    result.figures.update({"orders": float(len(work.initial)), "events": float(work.events)})
    result.figures.update({f"{k}_events_per_s": work.events / v for k, v in seconds.items()})
    result.figures["bulk_encode_s"] = rounds.median("encode")
    result.figures["machine_build_ms"] = build_ms(rules)
    for ratio, ours, peer in RATIOS:
        result.compare(ratio, seconds[ours], seconds[peer], PEERS[peer])
    final: BulkResult = rounds.last["bulk"]
    result.agree["final_statuses"] = (
        rounds.last["dict"]
        == [bulk.statuses[c] for c in final.statuses.tolist()]
        == rounds.last["pytransitions"]
        == rounds.last["command"]
    )
    refused = final.refusals["order"].size
    result.notes.append(f"{refused} of {work.events} events refused (visible as anomalies)")
    return result


Columns = tuple[np.ndarray, np.ndarray, np.ndarray]


def encode(bulk: BulkTable, work: Workload) -> Columns:
    """The workload as the bulk path's columns: statuses, signatures, a padded trigger matrix."""
    statuses = bulk.encode_statuses(work.initial)
    return statuses, bulk.signatures(work.fields), bulk.trigger_matrix(work.triggers)
