"""The baseline of the simulator benchmark: the same scenario as a plain SimPy model.

Written the way a SimPy user would: one process per order, scalar draws from `random.Random`,
`any_of` to race what the customer, the payment, the timer and the seller may do, a poller
process that wakes every fetch interval, shows the orders that changed to the engine one by one
(`Runtime.observe`) and releases the sellers waiting for it; seller commands through
`Runtime.command` per order; events kept in lists and written once with pandas. It reads the
same scenario file as the simulator, so no marketplace name appears here either.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import simpy

from engine.model.definition import FieldType
from engine.runtime.runtime import Runtime
from simulator.scenario.distributions import Distribution, Empirical, Exponential, Fixed, LogNormal
from simulator.scenario.values import FieldMix, Scenario


def draw(rnd: random.Random, dist: Distribution) -> float:
    if isinstance(dist, Exponential):
        return rnd.expovariate(1.0 / dist.mean)
    if isinstance(dist, LogNormal):
        return rnd.lognormvariate(math.log(dist.median), dist.sigma)
    if isinstance(dist, Fixed):
        return dist.seconds
    assert isinstance(dist, Empirical)
    return rnd.choices(dist.values, weights=dist.weights or None)[0]


def pick(rnd: random.Random, probabilities: list[float]) -> int:
    """The index of the outcome taken, or -1 for "nothing"."""
    u, total = rnd.random(), 0.0
    for i, p in enumerate(probabilities):
        total += p
        if u < total:
            return i
    return -1


class SimpyModel:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.rules = scenario.rules
        self.runtime = Runtime(scenario.rules)
        self.rnd = random.Random(seed)
        self.env = simpy.Environment()
        self.poll = self.env.event()
        self.truth: list[tuple[Any, ...]] = []
        self.engine: list[tuple[Any, ...]] = []
        self.changed: dict[int, tuple[str, dict[str, object]]] = {}
        self.known: dict[int, str] = {}

    def fill(self, mix: FieldMix, fields: dict[str, object]) -> None:
        if self.rnd.random() < mix.missing:
            fields.pop(mix.field, None)
            return
        if not mix.shares:
            fields[mix.field] = f"generated-{self.rnd.random()}"
            return
        value = self.rnd.choices([v for v, _ in mix.shares], [w for _, w in mix.shares])[0]
        kind = self.rules.field_by_name[mix.field].type
        fields[mix.field] = value == "true" if kind is FieldType.BOOL else value

    def record(self, i: int, source: str | None, dest: str, trigger: str, fields: Any) -> None:
        self.truth.append((i, source, dest, trigger, self.env.now))
        self.changed[i] = (dest, fields)

    def order(self, i: int) -> Generator[simpy.Event, Any, None]:
        rules, env = self.rules, self.env
        fields: dict[str, object] = {}
        for mix in self.scenario.fields:
            self.fill(mix, fields)
        status = rules.initial_statuses[0]
        policy = rules.import_policy
        if policy is not None:
            fulfilled = self.rnd.random() < self.scenario.fulfilled_share
            fields[policy.flag_field] = fulfilled
            if fulfilled:
                status = policy.arrives_at
        self.record(i, None, status, "create", fields)
        while status not in rules.final_statuses:
            waits = self.waits(status)
            moves = self.scenario.seller_at.get(status, ())
            if moves:
                poll = self.poll  # the poller replaces it once it has fired
                fired = yield env.any_of([poll, *waits])
                if poll in fired and not any(w in fired for w in waits):
                    waits.extend(self.seller(status, moves, fields))
            if not waits:
                return
            fired = yield env.any_of(waits)
            trigger = next(value for event, value in fired.items())
            step = self.runtime.table.resolve(status, trigger, fields)
            if step is None:
                return
            self.record(i, status, step.dest, trigger, fields)
            status = step.dest

    def waits(self, status: str) -> list[simpy.Event]:
        waits: list[simpy.Event] = []
        for timer in self.rules.timers_by_status.get(status, ()):
            waits.append(self.env.timeout(timer.after_seconds, value=timer.fire))
        happenings = self.scenario.happenings_at.get(status, ())
        chosen = pick(self.rnd, [h.probability for h in happenings])
        if chosen >= 0:
            h = happenings[chosen]
            waits.append(self.env.timeout(draw(self.rnd, h.after), value=h.trigger))
        return waits

    def seller(self, status: str, moves: Any, fields: dict[str, object]) -> list[simpy.Event]:
        chosen = pick(self.rnd, [m.probability for m in moves])
        if chosen < 0:
            return []
        move = moves[chosen]
        delay = draw(self.rnd, move.after)
        for mix in move.fills:
            self.fill(mix, fields)
        decision = self.runtime.command("order", status, move.action, fields)
        if not decision.allowed and self.scenario.retry_after is not None:
            delay += draw(self.rnd, self.scenario.retry_after)
            for mix in move.fills:
                if mix.field not in fields:
                    self.fill(FieldMix(mix.field, mix.shares, 0.0), fields)
            decision = self.runtime.command("order", status, move.action, fields)
        trigger = self.rules.action_by_name[move.action].transition
        if not decision.allowed or trigger is None:
            return []
        return [self.env.timeout(delay, value=trigger)]

    def poller(self) -> Generator[simpy.Event, Any, None]:
        every = self.rules.schedule.every_seconds
        start = self.scenario.start
        while True:
            yield self.env.timeout(every)
            at = start + timedelta(seconds=self.env.now)
            for i, (status, fields) in self.changed.items():
                outcome = self.runtime.observe(str(i), self.known.get(i), status, fields, at)
                self.known[i] = outcome.status or status
                for e in outcome.events:
                    self.engine.append((i, e.from_status, e.to_status, e.trigger, e.inferred))
            self.changed = {}
            self.poll.succeed()
            self.poll = self.env.event()

    def arrivals(self, times: list[int]) -> Generator[simpy.Event, Any, None]:
        for i, t in enumerate(times):
            yield self.env.timeout(t - self.env.now)
            self.env.process(self.order(i))

    def run(self, times: list[int], horizon: int, out: Path) -> tuple[int, int]:
        self.env.process(self.arrivals(times))
        self.env.process(self.poller())
        self.env.run(until=horizon)
        truth = pd.DataFrame(self.truth, columns=["order", "from", "to", "trigger", "at"])
        engine = pd.DataFrame(self.engine, columns=["order", "from", "to", "trigger", "inferred"])
        truth.to_parquet(out / "simpy_truth.parquet")
        engine.to_parquet(out / "simpy_events.parquet")
        return len(truth), len(engine)
