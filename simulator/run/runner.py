"""One simulated run: the marketplace's truth, polled on the rule file's schedule, read by the
engine, with the seller's commands confirmed through the outbox.

The order of things is the integrator's: the fetch scheduler decides the windows
(`simulator.run.pollplan`), the marketplace's truth is generated for those fetch times (sellers only
see what a fetch showed), then every fetch is replayed through the simulated channel into the
engine's bulk observations, poll by poll; the engine's events go to the sink (the Parquet or CSV
writer) in chunks instead of piling up in memory.

What a run holds for its whole length is the truth's columns (about 100 bytes an order), the
order fields, the seller's commands and, per order, the engine's status and event count and
the channel's latest change; everything else is a chunk or a poll at a time
(`bench/memory_bench.py` measures it: under 300 bytes an order of peak memory).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from engine.runtime.runtime import Runtime
from simulator.run.channel import SimulatedChannel
from simulator.run.observer import EngineView
from simulator.run.pollplan import PollPlan, plan_polls
from simulator.run.seller_outbox import Outbox
from simulator.scenario.values import Scenario
from simulator.world.arrivals import arrival_times
from simulator.world.clock import VirtualClock
from simulator.world.draws import Draws
from simulator.world.marketplace import Marketplace
from simulator.world.truth import Columns, Truth

DAY = 86400
# Engine events produced in bulk and handed to the sink at a time.
CHUNK = 1 << 18
I64 = NDArray[np.int64]


class Sink(Protocol):
    """Where a run's engine events go, chunk by chunk, as they are produced."""

    def start(self, truth: Truth) -> None: ...

    def events(self, chunk: Mapping[str, NDArray[Any]]) -> None: ...


@dataclass
class Run:
    """Everything a finished run knows: the truth, the engine's picture, the outbox."""

    scenario: Scenario
    days: int
    seed: int
    truth: Truth
    engine: EngineView
    outbox: Outbox
    polls: PollPlan
    engine_events: int
    inferred_events: int

    @property
    def anomalies(self) -> Columns:
        """Every anomaly of the run (they are few on a sane scenario)."""
        return self.engine.anomalies

    def anomaly_counts(self) -> list[tuple[str, str, int]]:
        """(kind, message, count) of each distinct anomaly, most frequent first."""
        cases = self.engine.cases
        found = np.bincount(self.anomalies.array("message"), minlength=len(cases.messages))
        rows = [(cases.kinds[i], cases.messages[i], int(c)) for i, c in enumerate(found) if c]
        return sorted(rows, key=lambda row: -row[2])


def draw_arrivals(scenario: Scenario, days: int, rng: np.random.Generator) -> I64:
    """The arrivals of a run: drawn first, so two scenarios can share them."""
    return arrival_times(scenario.arrivals, scenario.start, days, rng)


def simulate(
    scenario: Scenario,
    days: int,
    seed: int,
    sink: Sink | None = None,
    arrivals: I64 | None = None,
    progress: Callable[[int, int], None] | None = None,
    draws: Draws | None = None,
) -> Run:
    """Run `scenario` for `days` with `seed`; `progress(done, total)` is called per poll;
    `draws`, when given, records what the run draws (`simulator.world.draws`), the run the same.

    Given `arrivals` (seconds since the start, sorted), the run uses them instead of drawing
    its own, and every draw of the seed goes to the orders' lives: two scenarios given the
    same arrivals and seed share their random numbers as far as their rules allow.
    """
    rng = np.random.default_rng(seed)
    horizon = days * DAY
    if arrivals is None:
        arrivals = draw_arrivals(scenario, days, rng)
    runtime = Runtime(scenario.rules)
    polls = plan_polls(scenario.rules.schedule, VirtualClock(scenario.start), horizon)
    truth = Marketplace(scenario, runtime, draws).generate(arrivals, polls.times(), horizon, rng)
    engine = EngineView(runtime, truth.fields, truth.arrival)
    outbox = Outbox(truth)
    channel = SimulatedChannel(truth)
    counts = [0, 0]
    if sink is not None:
        sink.start(truth)
    for k in range(len(polls)):
        now = int(polls.at[k])
        seen = engine.observe(channel.news(int(polls.start[k]), int(polls.end[k]), now), now)
        outbox.advance(now, seen, engine.status)
        if engine.pending >= CHUNK or k == len(polls) - 1:
            _drain(engine, sink, counts)
        if progress is not None:
            progress(k + 1, len(polls))
    return Run(scenario, days, seed, truth, engine, outbox, polls, counts[0], counts[1])


def _drain(engine: EngineView, sink: Sink | None, counts: list[int]) -> None:
    chunk = engine.drain()
    counts[0] += int(chunk["order"].size)
    counts[1] += int(np.count_nonzero(chunk["inferred"]))
    if sink is not None:
        sink.events(chunk)
