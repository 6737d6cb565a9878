"""A simulation served live: the Lengow twin's order source, moving as virtual time passes.

`LiveSimulation` generates a scenario's truth once, then shows it as it unfolds on the twin's
clock: virtual time runs `speed` times faster than that clock (60: an hour a minute), so
`orderflow sync` against the twin sees orders arrive and move. Times are served on the twin's
clock, so the client's `updated_from`/`updated_to` windows work as on the real API. An action
posted to the twin is judged by the runtime like any seller command; an allowed one moves the
order to where the action leads and takes it out of the scenario's hands (it stays there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from engine.model.clock import Clock
from engine.runtime.runtime import Runtime
from simulator.run.channel import SimulatedChannel, order_id
from simulator.run.pollplan import plan_polls
from simulator.run.runner import DAY, draw_arrivals
from simulator.scenario.values import Scenario
from simulator.twin.lengow_json import CartLine, LengowRenderer, OrderFacts
from simulator.twin.orders import ActionRequest, ServedOrder, judge_action
from simulator.world.clock import VirtualClock
from simulator.world.fields import GENERATED
from simulator.world.marketplace import Marketplace

EVER = -(1 << 40)  # a window start before any order


class LiveSimulation:
    """The `OrderSource` of a running simulation (see `simulator.twin.orders.OrderSource`)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        clock: Clock,
        speed: float = 60.0,
        days: int | None = None,
        account_id: int = 1,
    ) -> None:
        days = days or scenario.days
        self.rules = scenario.rules
        self.runtime = Runtime(scenario.rules)
        rng = np.random.default_rng(seed)
        arrivals = draw_arrivals(scenario, days, rng)
        polls = plan_polls(self.rules.schedule, VirtualClock(scenario.start), days * DAY)
        self.truth = Marketplace(scenario, self.runtime).generate(
            arrivals, polls.times(), days * DAY, rng
        )
        self.channel = SimulatedChannel(self.truth)
        self.clock, self.speed, self.began = clock, speed, clock.now()
        self.renderer = LengowRenderer(self.rules, account_id)
        self._served: dict[int, tuple[int, ServedOrder]] = {}
        self._taken: dict[int, OrderFacts] = {}

    def elapsed(self) -> int:
        """Virtual seconds since the scenario's start."""
        return int((self.clock.now() - self.began).total_seconds() * self.speed)

    def on_clock(self, elapsed: int) -> datetime:
        """The twin's time of a virtual instant."""
        return self.began + timedelta(seconds=elapsed / self.speed)

    def orders(self) -> Sequence[ServedOrder]:
        now = self.elapsed()
        seen = self.channel.window(EVER, now, now)
        served = []
        for index, status, updated in zip(
            seen.order.tolist(), seen.status.tolist(), seen.updated_at.tolist(), strict=True
        ):
            taken = self._taken.get(index)
            if taken is not None:
                served.append(self._render(taken))
                continue
            cached = self._served.get(index)
            if cached is None or cached[0] != updated:
                facts = self._facts(index, self.truth.statuses[status], updated)
                cached = self._served[index] = (updated, self._render(facts))
            served.append(cached[1])
        return served

    def _facts(self, index: int, status: str, updated: int) -> OrderFacts:
        oid = order_id(index)
        shown = self.truth.fields.record(self.truth.fields_at(index, updated))
        fields = {
            name: f"{oid}-{name}" if value == GENERATED else value for name, value in shown.items()
        }
        amount = 10.0 + (index * 7919 % 9000) / 100.0
        ordered = self.on_clock(int(self.truth.arrival[index]))
        lines = (CartLine("Article", 1, amount),)
        return OrderFacts(oid, status, fields, ordered, self.on_clock(updated), lines, 4.99)

    def _render(self, facts: OrderFacts) -> ServedOrder:
        return ServedOrder(self.rules.marketplace.code, facts.order_id, facts.updated_at,
                           facts.ordered_at, self.renderer.render(facts))  # fmt: skip

    def _current(self, index: int) -> OrderFacts | None:
        taken = self._taken.get(index)
        if taken is not None:
            return taken
        now = self.elapsed()
        found = self.channel.window(EVER, now, now)
        at = np.flatnonzero(found.order == index)
        if at.size == 0:
            return None
        status, updated = found.status[at[0]], found.updated_at[at[0]]
        return self._facts(index, self.truth.statuses[status], int(updated))

    def apply(self, action: ActionRequest, at: datetime) -> str:
        """Judge a posted action like any seller command; an empty text when it was applied."""
        index = int(action.order_id[3:]) - 1 if action.order_id[3:].isdigit() else -1
        facts = self._current(index) if 0 <= index < self.truth.orders else None
        if facts is None or action.marketplace != self.rules.marketplace.code:
            return f"order '{action.order_id}' of '{action.marketplace}' does not exist"
        judged = judge_action(self.runtime, facts, action, at)
        if isinstance(judged, str):
            return judged
        self._taken[index] = judged
        return ""
