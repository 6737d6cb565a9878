"""The seller in the simulation: acts only on what a fetch has shown, through the engine.

A seller cannot answer an order the integrator has not fetched yet: the earliest moment a seller
can look at an order at a status is the first poll at or after the order got there. From there
the scenario's delay runs; the seller types the fields the action needs (sometimes forgetting
one) and the command goes through the engine's command path. A command the engine refuses
(carrier missing for a tracked parcel...) is kept with its blockers, fixed and sent again after
the seller's retry delay. Commands are checked once per cohort of orders with the same fields
and broadcast, so a million orders cost a few hundred checks. Given a `Draws`
(`simulator.world.draws`), the seller hands it each move drawn once the race at a status is over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.model.blockers import Decision
from engine.runtime.runtime import Runtime
from simulator.scenario.distributions import choose, whole_seconds
from simulator.scenario.values import Scenario, SellerMove
from simulator.world.draws import Draws
from simulator.world.fields import FieldTable, Rows
from simulator.world.truth import COMMAND_COLUMNS, NONE, Columns

I64 = NDArray[np.int64]
NEVER = np.iinfo(np.int64).max // 4


@dataclass
class SellerPlan:
    """What the seller would do for a group of orders that entered `status` at the same step.

    `entered` is when each order got there, `first`/`second` the times of the first command
    and of its retry (NEVER when none), `moves` the time the order would move by the seller's
    hand (NEVER for no move).
    """

    status: int
    rows: Rows
    entered: I64
    action: NDArray[np.int16]
    first: I64
    first_decision: NDArray[np.int32]
    second: I64
    second_decision: NDArray[np.int32]
    moves: I64
    trigger: NDArray[np.int16]
    saved: list[tuple[Rows, Rows, NDArray[np.int16], NDArray[np.int16]]]


class Seller:
    """The scenario's seller for one run; records every command in `commands` (and, given
    `draws`, every move drawn)."""

    def __init__(
        self,
        scenario: Scenario,
        runtime: Runtime,
        fields: FieldTable,
        polls: I64,
        rng: np.random.Generator,
        draws: Draws | None = None,
    ) -> None:
        self.scenario = scenario
        self.draws = draws
        self.runtime = runtime
        self.fields = fields
        self.polls = polls
        self.rng = rng
        self.statuses = tuple(s.name for s in scenario.rules.statuses)
        self.actions = tuple(a.name for a in scenario.rules.actions)
        self.triggers = scenario.rules.triggers
        self.decisions: list[Decision] = []
        self._decided: dict[tuple[int, int, bytes], int] = {}
        self.commands = Columns(COMMAND_COLUMNS)

    def visible(self, entered: I64) -> I64:
        """The first poll at or after each instant: when the seller can first see the order."""
        at = np.searchsorted(self.polls, entered, side="left")
        padded = np.append(self.polls, NEVER)
        result: I64 = padded[at]
        return result

    def plan(self, status: int, rows: Rows, entered: I64) -> SellerPlan:
        n = rows.size
        plan = SellerPlan(
            status,
            rows,
            entered,
            np.full(n, NONE, np.int16),
            np.full(n, NEVER, np.int64),
            np.full(n, NONE, np.int32),
            np.full(n, NEVER, np.int64),
            np.full(n, NONE, np.int32),
            np.full(n, NEVER, np.int64),
            np.full(n, NONE, np.int16),
            [],
        )
        moves = self.scenario.seller_at.get(self.statuses[status], ())
        if not moves or n == 0:
            return plan
        seen = self.visible(entered)
        picked = choose(self.rng, tuple(m.probability for m in moves), n)
        for j, move in enumerate(moves):
            sel = np.flatnonzero((picked == j) & (seen < NEVER))
            if sel.size:
                start = seen[sel] + whole_seconds(move.after.draw(self.rng, sel.size))
                self._attempts(plan, move, sel, start)
        return plan

    def _attempts(self, plan: SellerPlan, move: SellerMove, sel: Rows, start: I64) -> None:
        rows = plan.rows[sel]
        action = self.actions.index(move.action)
        plan.action[sel] = action
        columns = np.asarray([self.fields.index[mix.field] for mix in move.fills], np.intp)
        before = self.fields.codes[np.ix_(rows, columns)]
        for mix in move.fills:
            self.fields.draw(mix, rows, self.rng)
        plan.first[sel] = start
        plan.first_decision[sel] = self._decide(plan.status, action, rows)
        blocked = ~self._allowed(plan.first_decision[sel])
        after_first = self.fields.codes[np.ix_(rows, columns)]
        if blocked.any() and self.scenario.retry_after is not None:
            again = sel[blocked]
            for mix in move.fills:
                gaps = rows[blocked][
                    self.fields.codes[rows[blocked], self.fields.index[mix.field]] == 0
                ]
                self.fields.draw(mix, gaps, self.rng, fix=True)
            delay = whole_seconds(self.scenario.retry_after.draw(self.rng, again.size))
            plan.second[again] = start[blocked] + delay
            plan.second_decision[again] = self._decide(plan.status, action, plan.rows[again])
        plan.saved.append((sel, columns, before, after_first))
        self._schedule_move(plan, move, sel)

    def _schedule_move(self, plan: SellerPlan, move: SellerMove, sel: Rows) -> None:
        trigger = self.scenario.rules.action_by_name[move.action].transition
        if trigger is None:
            return  # a command that changes no status (a refund): recorded, never a move
        first_ok = self._allowed(plan.first_decision[sel])
        second_ok = self._allowed(plan.second_decision[sel])
        plan.moves[sel] = np.where(
            first_ok, plan.first[sel], np.where(second_ok, plan.second[sel], NEVER)
        )
        plan.trigger[sel] = self.triggers.index(trigger)

    def _allowed(self, decisions: NDArray[np.int32]) -> NDArray[np.bool_]:
        table = np.asarray([d.allowed for d in self.decisions] + [False], dtype=np.bool_)
        result: NDArray[np.bool_] = table[decisions]  # NONE (-1) reads the trailing False
        return result

    def _decide(self, status: int, action: int, rows: Rows) -> NDArray[np.int32]:
        """The engine's decision for each row, asked once per cohort of equal fields."""
        cohorts, inverse = self.fields.cohorts(rows)
        answers = np.empty(len(cohorts), dtype=np.int32)
        for i, codes in enumerate(cohorts):
            key = (status, action, codes.tobytes())
            known = self._decided.get(key)
            if known is None:
                decision = self.runtime.command(
                    "cohort",
                    self.statuses[status],
                    self.actions[action],
                    self.fields.record(codes),
                )
                known = self._decided[key] = len(self.decisions)
                self.decisions.append(decision)
            answers[i] = known
        result: NDArray[np.int32] = answers[inverse]
        return result

    def commit(self, plan: SellerPlan, leaves: I64, won: NDArray[np.bool_], horizon: int) -> None:
        """Keep the commands sent while the order was still at the status, within the run.

        `leaves` is when each order left the status (NEVER if it stayed), `won` whether the
        seller's own command moved it. Fields typed for a command never sent are taken back.
        """
        first = self._record(plan, plan.first, plan.first_decision, leaves, won, horizon)
        second = self._record(plan, plan.second, plan.second_decision, leaves, won, horizon)
        for sel, columns, before, after_first in plan.saved:
            rows = plan.rows[sel]
            undo = ~first[sel]
            self.fields.codes[np.ix_(rows[undo], columns)] = before[undo]
            partial = first[sel] & ~second[sel]
            self.fields.codes[np.ix_(rows[partial], columns)] = after_first[partial]
        if self.draws is not None:
            self._record_draws(self.draws, plan, leaves)

    def _record_draws(self, draws: Draws, plan: SellerPlan, leaves: I64) -> None:
        """Hand `draws` each move's visits still at the status when a poll first showed them
        (those a fit from the polls counts), and the delays drawn from that poll."""
        seen = self.visible(plan.entered)
        risk = (seen < NEVER) & (leaves > seen)
        status = self.statuses[plan.status]
        for action in dict.fromkeys(m.action for m in self.scenario.seller_at.get(status, ())):
            picked = risk & (plan.action == self.actions.index(action))
            draws.add(("seller", status, action), int(risk.sum()), (plan.first - seen)[picked])

    def _record(
        self,
        plan: SellerPlan,
        when: I64,
        decision: NDArray[np.int32],
        leaves: I64,
        won: NDArray[np.bool_],
        horizon: int,
    ) -> NDArray[np.bool_]:
        sent: NDArray[np.bool_] = (when <= horizon) & ((when < leaves) | (won & (when == leaves)))
        self.commands.add(
            order=plan.rows[sent],
            time=when[sent],
            status=plan.status,
            action=plan.action[sent],
            decision=decision[sent],
            waited=(when - plan.entered)[sent],
        )
        return sent
