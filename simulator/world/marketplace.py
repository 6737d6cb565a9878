"""The marketplace's truth: each order's real status path in virtual time.

Orders are moved in *cohorts*: every order that entered a status at the same step is handled by
a few vectorised draws. At a status, three things race: what the customer, the payment or the
marketplace may do (the scenario's happenings, at most one drawn per visit), what the seller
does once a fetch has shown the order (`simulator.world.seller`, through the engine's command path),
and the rule file's timer. The earliest wins, if it comes before the end of the run; where it
leads is asked of the rule set's compiled transition table, once per cohort of equal fields.
The loop runs as many steps as the longest path, not one Python step per order or per event.
Given a `Draws` (`simulator.world.draws`), the marketplace and its seller hand it what they draw.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from engine.model.definition import Actor
from engine.model.errors import OrderflowError
from engine.runtime.runtime import Runtime
from simulator.scenario.distributions import choose, whole_seconds
from simulator.scenario.values import Scenario
from simulator.world.draws import Draws
from simulator.world.fields import FieldTable, Rows
from simulator.world.heap import give_back
from simulator.world.seller import NEVER, Seller
from simulator.world.truth import (
    ACTORS,
    EVENT_COLUMNS,
    NONE,
    Columns,
    Commands,
    Truth,
    time_order,
)

I64 = NDArray[np.int64]
I16 = NDArray[np.int16]
# A bound on the steps of one run: each step moves every order still moving by one status.
MAX_STEPS = 1000


class MarketplaceStuck(OrderflowError):
    """Orders still changing after MAX_STEPS steps: a scenario loop that never ends."""


class Race:
    """The earliest of the candidate moves of each order at one status."""

    def __init__(self, n: int) -> None:
        self.time = np.full(n, NEVER, dtype=np.int64)
        self.trigger = np.full(n, NONE, dtype=np.int16)
        self.seller = np.zeros(n, dtype=np.bool_)

    def offer(self, sel: Rows, time: I64, trigger: int | I16, seller: bool = False) -> None:
        better = time < self.time[sel]
        chosen = sel[better]
        self.time[chosen] = time[better]
        self.trigger[chosen] = trigger if np.isscalar(trigger) else np.asarray(trigger)[better]
        self.seller[chosen] = seller


class Marketplace:
    """Generates the truth of one scenario on one rule set's runtime; `draws`, when given,
    records every draw of the happenings and of the seller (`simulator.world.draws`)."""

    def __init__(self, scenario: Scenario, runtime: Runtime, draws: Draws | None = None) -> None:
        self.scenario = scenario
        self.rules = scenario.rules
        self.runtime = runtime
        self.draws = draws
        self.statuses = tuple(s.name for s in self.rules.statuses)
        self.triggers = self.rules.triggers
        self.finals = np.asarray([s.final for s in self.rules.statuses], dtype=np.bool_)
        self._steps: dict[tuple[int, int, bytes], tuple[int, int]] = {}
        # Where a trigger leads depends on these fields only (the guards of the transitions).
        self.guarded = tuple(sorted({f for c in runtime.table.conditions for f in c.fields()}))

    def generate(self, arrivals: I64, polls: I64, horizon: int, rng: np.random.Generator) -> Truth:
        """The truth of orders arriving at `arrivals`, fetched at `polls`, up to `horizon`."""
        n = arrivals.size
        fields = FieldTable(self.rules, n)
        status = self._create(fields, n, rng)
        events = Columns(EVENT_COLUMNS)
        rows = np.arange(n, dtype=np.intp)
        events.add(
            order=rows,
            seq=0,
            time=arrivals,
            source=NONE,
            dest=status,
            trigger=NONE,
            actor=ACTORS.index(Actor.MARKETPLACE.value),
        )
        seller = Seller(self.scenario, self.runtime, fields, polls, rng, self.draws)
        entered = arrivals
        for step in range(1, MAX_STEPS + 1):
            if rows.size == 0:
                break
            rows, status, entered = self._step(
                rows, status, entered, fields, seller, events, step, horizon, rng
            )
        else:
            statuses = sorted({self.statuses[int(c)] for c in np.unique(status)})
            raise MarketplaceStuck(
                f"{rows.size} orders still change status after {MAX_STEPS} steps, at "
                f"{', '.join(statuses)}: a loop of the scenario's happenings comes back too "
                "often (probabilities near 1 and short delays); lower them or lengthen the delays"
            )
        give_back()  # the steps' temporaries: the sort below needs the room
        return self._truth(arrivals, horizon, fields, events, seller)

    def _create(self, fields: FieldTable, n: int, rng: np.random.Generator) -> I16:
        everyone = np.arange(n, dtype=np.intp)
        for mix in self.scenario.fields:
            fields.draw(mix, everyone, rng)
        status = np.full(n, self.statuses.index(self.rules.initial_statuses[0]), np.int16)
        policy = self.rules.import_policy
        if policy is not None and policy.flag_field:
            fulfilled = rng.random(n) < self.scenario.fulfilled_share
            fields.set(policy.flag_field, False, everyone[~fulfilled])
            fields.set(policy.flag_field, True, everyone[fulfilled])
            if policy.arrives_at:
                status[fulfilled] = self.statuses.index(policy.arrives_at)
        return status

    def _step(
        self,
        rows: Rows,
        status: I16,
        entered: I64,
        fields: FieldTable,
        seller: Seller,
        events: Columns,
        step: int,
        horizon: int,
        rng: np.random.Generator,
    ) -> tuple[Rows, I16, I64]:
        """Move every order of `rows` out of the status it just entered, if it leaves in time;
        the changes go to `events` as the `step`-th of their orders' lives."""
        moved: list[tuple[Rows, I16, I64]] = []
        for code in np.unique(status):
            group = status == code
            race = self._race(int(code), rows[group], entered[group], fields, seller, horizon, rng)
            leaving = np.flatnonzero(race.time <= horizon)
            order = rows[group][leaving]
            dest, actor = self._resolve(int(code), race.trigger[leaving], order, fields)
            events.add(
                order=order,
                seq=step,
                time=race.time[leaving],
                source=code,
                dest=dest,
                trigger=race.trigger[leaving],
                actor=actor,
            )
            moved.append((order, dest, race.time[leaving]))
        if not moved:
            return rows[:0], status[:0], entered[:0]
        return (
            np.concatenate([m[0] for m in moved]),
            np.concatenate([m[1] for m in moved]),
            np.concatenate([m[2] for m in moved]),
        )

    def _race(
        self,
        code: int,
        rows: Rows,
        entered: I64,
        fields: FieldTable,
        seller: Seller,
        horizon: int,
        rng: np.random.Generator,
    ) -> Race:
        race = Race(rows.size)
        if not self.finals[code]:
            self._timers(code, rows, entered, fields, race)
            self._happenings(code, rows, entered, fields, race, rng)
        plan = seller.plan(code, rows, entered)
        if not self.finals[code]:
            everyone = np.arange(rows.size, dtype=np.intp)
            race.offer(everyone, plan.moves, plan.trigger, seller=True)
        seller.commit(plan, race.time, race.seller, horizon)
        return race

    def _timers(self, code: int, rows: Rows, entered: I64, fields: FieldTable, race: Race) -> None:
        for timer in self.rules.timers_by_status.get(self.statuses[code], ()):
            trigger = self.triggers.index(timer.fire)
            when = entered + timer.after_seconds
            self._offer_possible(code, trigger, rows, when, fields, race)

    def _happenings(
        self,
        code: int,
        rows: Rows,
        entered: I64,
        fields: FieldTable,
        race: Race,
        rng: np.random.Generator,
    ) -> None:
        happenings = self.scenario.happenings_at.get(self.statuses[code], ())
        if not happenings:
            return
        picked = choose(rng, tuple(h.probability for h in happenings), rows.size)
        drawn: dict[int, I64] = {}
        for j, happening in enumerate(happenings):
            sel = np.flatnonzero(picked == j)
            if sel.size:
                drawn[j] = whole_seconds(happening.after.draw(rng, sel.size))
                when = entered[sel] + drawn[j]
                trigger = self.triggers.index(happening.trigger)
                self._offer_possible(code, trigger, rows, when, fields, race, sel)
        if self.draws is not None:
            self._record_draws(self.draws, code, rows, fields, picked, drawn)

    def _record_draws(
        self,
        draws: Draws,
        code: int,
        rows: Rows,
        fields: FieldTable,
        picked: NDArray[np.intp],
        drawn: dict[int, I64],
    ) -> None:
        """Hand `draws` each happening's visits where the rules let it fire, and the delays
        `drawn` for it there (`picked`: which happening each visit drew)."""
        status = self.statuses[code]
        for j, happening in enumerate(self.scenario.happenings_at[status]):
            trigger = np.full(rows.size, self.triggers.index(happening.trigger), np.int16)
            possible = self._resolve(code, trigger, rows, fields)[0] != NONE
            delays = drawn.get(j, np.zeros(0, np.int64))
            draws.add(
                ("marketplace", status, happening.trigger),
                int(possible.sum()),
                delays[possible[picked == j]],
            )

    def _offer_possible(
        self,
        code: int,
        trigger: int,
        rows: Rows,
        when: I64,
        fields: FieldTable,
        race: Race,
        sel: Rows | None = None,
    ) -> None:
        """Offer `trigger` where the rules let it fire for the order's fields."""
        sel = np.arange(rows.size, dtype=np.intp) if sel is None else sel
        triggers = np.full(sel.size, trigger, dtype=np.int16)
        dest, _ = self._resolve(code, triggers, rows[sel], fields)
        possible = dest != NONE
        race.offer(sel[possible], when[possible], trigger)

    def _resolve(
        self, code: int, triggers: I16, rows: Rows, fields: FieldTable
    ) -> tuple[I16, NDArray[np.int8]]:
        """Where each order goes by its trigger, and who causes it; NONE where the rules refuse."""
        fixed = self._unconditional(code, triggers)
        if fixed is not None:
            return fixed
        cohorts, inverse = fields.cohorts(rows, self.guarded)
        pairs, back = np.unique(
            triggers.astype(np.int64) * max(len(cohorts), 1) + inverse, return_inverse=True
        )
        dest = np.empty(pairs.size, dtype=np.int16)
        actor = np.empty(pairs.size, dtype=np.int8)
        for i, pair in enumerate(pairs):
            trigger, cohort = divmod(int(pair), max(len(cohorts), 1))
            dest[i], actor[i] = self._step_of(code, trigger, cohorts[cohort], fields)
        return dest[back.reshape(-1)], actor[back.reshape(-1)]

    def _unconditional(self, code: int, triggers: I16) -> tuple[I16, NDArray[np.int8]] | None:
        """The answer without looking at fields, when every trigger has one unguarded step."""
        kinds = np.unique(triggers)
        dests, actors = np.empty(kinds.size, np.int16), np.empty(kinds.size, np.int8)
        for i, trigger in enumerate(kinds):
            steps = self.runtime.table.steps.get((self.statuses[code], self.triggers[trigger]), ())
            if len(steps) != 1 or steps[0].condition is not None:
                return None
            dests[i] = self.statuses.index(steps[0].dest)
            actors[i] = ACTORS.index(steps[0].actor)
        at = np.searchsorted(kinds, triggers)
        return dests[at], actors[at]

    def _step_of(
        self, code: int, trigger: int, codes: NDArray[np.int16], fields: FieldTable
    ) -> tuple[int, int]:
        key = (code, trigger, codes.tobytes())
        known = self._steps.get(key)
        if known is None:
            step = self.runtime.table.resolve(
                self.statuses[code], self.triggers[trigger], fields.record(codes)
            )
            known = (
                (NONE, 0)
                if step is None
                else (self.statuses.index(step.dest), ACTORS.index(step.actor))
            )
            self._steps[key] = known
        return known

    def _truth(
        self, arrivals: I64, horizon: int, fields: FieldTable, events: Columns, seller: Seller
    ) -> Truth:
        by_time = time_order(events)
        commands = seller.commands
        cmd_sort = time_order(commands)
        return Truth(
            rules=self.rules,
            start=self.scenario.start,
            horizon=horizon,
            arrival=arrivals,
            fields=fields,
            order=events.take("order", by_time),
            seq=events.take("seq", by_time),
            time=events.take("time", by_time),
            source=events.take("source", by_time),
            dest=events.take("dest", by_time),
            trigger=events.take("trigger", by_time),
            actor=events.take("actor", by_time),
            commands=Commands(
                order=commands.take("order", cmd_sort),
                time=commands.take("time", cmd_sort),
                status=commands.take("status", cmd_sort),
                action=commands.take("action", cmd_sort),
                decision=commands.take("decision", cmd_sort),
                waited=commands.take("waited", cmd_sort),
                decisions=seller.decisions,
            ),
            typed=self._typed(fields),
        )

    def _typed(self, fields: FieldTable) -> dict[tuple[int, int], tuple[int, ...]]:
        """Which field columns the seller types with each (status, action) command."""
        actions = [a.name for a in self.rules.actions]
        return {
            (self.statuses.index(m.status), actions.index(m.action)): tuple(
                fields.index[mix.field] for mix in m.fills
            )
            for m in self.scenario.seller
            if m.fills
        }
