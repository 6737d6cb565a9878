"""Random lifecycles of one order through a rule file's machine, drawn by Hypothesis.

An order is created at an initial status (or arrives fulfilled by the marketplace) with random
fields, including missing ones and values the file does not list; then, step after step, time
passes (firing the timers that are due) and one thing happens: a trigger of the marketplace, the
customer or the payment, a seller's command with fields the seller typed (random too), the
status's timer, or an attempt the rules refuse; until the order is left alone, when its timers
alone run on. Everything goes through `engine.runtime.Runtime`, the code orders really run on.

Pure chance rarely walks five statuses deep with the right fields, so each order *aims*: at a
status to reach (taking, most steps, the next move of the shortest path there) and often at one
of the file's properties, whose conditions it tries to meet (`when`) and to break (`then`). The
choices are read from bytes Hypothesis draws, a run per step, 0 meaning the plainest choice:
Hypothesis shrinks a counterexample by dropping steps and toward plainer values.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from authoring.aims import Aim, aims_of, guards_into
from authoring.choices import Choices
from authoring.field_values import pick_value, value_pools
from authoring.timeline import Observation, Step, StepKind, Timeline
from engine.model.definition import Action
from engine.model.events import AnomalyKind, Source
from engine.model.outcome import Outcome
from engine.runtime.runtime import Runtime

ORDER = "checked-order"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
# How long each step waits before it happens (the timers due meanwhile fire first).
DELAYS = (60, 600, 3_600, 6 * 3_600)
MAX_STEPS = 24
# Steps drawn at least (an all-zero step stops the order: shrinking still shortens it).
MIN_STEPS = 6
# At a final status the order may still see a command or two (a refund), then it is left alone.
AFTER_FINAL = 2
# An order's choices are read from bytes (`authoring.choices`): its creation's, each step's
# (a list, so that shrinking drops whole steps) and its polls'.
Drawn = tuple[bytes, list[bytes], bytes]
lifecycle_bytes: st.SearchStrategy[Drawn] = st.tuples(
    st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=12, max_size=12), min_size=MIN_STEPS, max_size=MAX_STEPS),
    st.binary(min_size=32, max_size=32),
)
# How the choice of a step (an integer in 0..99) is shared out.
STOP, PROBE, TIMER, TOWARD = 3, 7, 13, 85


class Lifecycles:
    """Draws and runs lifecycles of one rule set's orders."""

    def __init__(self, runtime: Runtime) -> None:
        rules = runtime.rules
        self.runtime = runtime
        self.rules = rules
        self.aims = aims_of(rules)
        self.values = {f.name: value_pools(f) for f in rules.fields}
        self.guards = {s.name: guards_into(rules, s.name) for s in rules.statuses}
        caused = {a.transition for a in rules.actions if a.transition}
        self.triggers_at = {
            status: tuple(
                trigger
                for trigger, steps in runtime.table.outgoing.get(status, ())
                if trigger not in caused and any(s.actor != "timer" for s in steps)
            )
            for status in runtime.table.statuses
        }
        self.actions_at = {
            s.name: tuple(a for a in rules.actions if s.name in a.at) for s in rules.statuses
        }
        # Orders fulfilled by the marketplace arrive at the policy's status: one order in five.
        policy = rules.import_policy
        arrives = policy.arrives_at if policy is not None else None
        fulfilled = (arrives,) if arrives and arrives not in rules.initial_statuses else ()
        self.starts = rules.initial_statuses * 4 + fulfilled
        self.actor_of = {t.trigger: str(t.actor) for t in reversed(rules.transitions)}
        self.everything = (*runtime.table.triggers, *(a.name for a in rules.actions))

    # -- one order ---------------------------------------------------------------------------

    def run(self, drawn: Drawn) -> Timeline:
        """The lifecycle `drawn` (see `lifecycle_bytes`) says."""
        creation, steps, polls = drawn
        choices = Choices(creation)
        aim = choices.pick(self.aims)
        run = _Run(self, aim, choices.pick(aim.goals), choices)
        run.create()
        final = 0
        for chunk in steps:
            final += run.status in self.rules.final_statuses
            if final > AFTER_FINAL:
                break
            run.choices = Choices(chunk)
            run.wait(run.choices.pick(DELAYS))
            if not run.step():
                break
        run.left_alone()
        done = tuple(run.steps)
        return Timeline(done, self.observe(done, Choices(polls)))

    def observe(self, steps: tuple[Step, ...], choices: Choices) -> tuple[Observation, ...]:
        """The same order seen by polls that miss statuses: each move seen or not (chosen)."""
        seen: list[Observation] = []
        current: str | None = None
        for step in steps:
            if not step.moved or not step.happened or not choices.coin():
                continue
            at = START + timedelta(seconds=step.at)
            outcome = self.runtime.observe(ORDER, current, step.after, step.fields, at)
            seen.append(_observation(step, outcome))
            current = outcome.status
        return tuple(seen)


def _observation(step: Step, outcome: Outcome) -> Observation:
    events = tuple(
        f"{e.from_status or 'new'} -> {e.to_status} ({e.trigger}"
        f"{', inferred' if e.inferred else ''}{', deviation' if e.deviation else ''})"
        for e in outcome.events
    )
    anomalies = tuple(
        f"{a.kind}: {a.message}"
        for a in outcome.anomalies
        if a.kind is not AnomalyKind.UNLISTED_VALUE
    )
    return Observation(
        step.number, step.after, step.at, step.fields, outcome.status, events, anomalies
    )


class _Run:
    """The state of one order while its lifecycle is drawn."""

    def __init__(self, lifecycles: Lifecycles, aim: Aim, goal: str, choices: Choices) -> None:
        self.of = lifecycles
        self.choices = choices
        self.rt = lifecycles.runtime
        self.aim = aim
        self.goal = goal
        self.steps: list[Step] = []
        self.fields: dict[str, object] = {}
        self.status = ""
        self.now = 0
        self.entered = 0

    def _add(self, kind: StepKind, name: str, actor: str, before: str | None, **more: Any) -> None:
        step = Step(
            len(self.steps) + 1,
            kind,
            name,
            actor,
            self.now,
            before,
            self.status,
            dict(self.fields),
            **more,
        )
        self.steps.append(step)

    def create(self) -> None:
        drawn = {name: pick_value(pools, self.choices) for name, pools in self.of.values.items()}
        self.fields = self.aim.meet(drawn, self.choices, self.of.guards[self.goal])
        start = self.choices.pick(self.of.starts)
        policy = self.of.rules.import_policy
        if start not in self.of.rules.initial_statuses and policy is not None:
            self.fields[policy.flag_field] = True
        outcome = self.rt.observe(ORDER, None, start, self.fields, START, Source.SIMULATION)
        assert outcome.status is not None
        self.status = outcome.status
        first = outcome.events[0] if outcome.events else None
        actor = first.actor if first is not None else "marketplace"
        self._add(StepKind.CREATE, "create", actor, None, trigger="create")

    def wait(self, seconds: int) -> None:
        until = self.now + seconds
        self._timers(until)
        self.now = until

    def left_alone(self) -> None:
        """Nobody acts any more: the timers fire, one after the other, as long as there are."""
        longest = max((t.after_seconds for t in self.of.rules.timers), default=0)
        self._timers(self.now + longest * (len(self.of.rules.statuses) + 1))

    def _timers(self, until: int) -> None:
        for _ in self.of.rules.statuses:
            due = self.rt.deadline(self.status, START + timedelta(seconds=self.entered))
            if due is None or due[1] > START + timedelta(seconds=until):
                return
            timer, when = due
            self.now = int((when - START).total_seconds())
            outcome = self.rt.trigger(
                ORDER, self.status, timer.fire, self.fields, when, Source.TIMER
            )
            self._record(StepKind.TIMER, timer.name, "timer", outcome, timer.fire)
            if not outcome.events:
                return

    def _record(
        self,
        kind: StepKind,
        name: str,
        actor: str,
        outcome: Outcome,
        trigger: str | None,
        **more: Any,
    ) -> None:
        before = self.status
        if outcome.anomalies:
            refused = outcome.anomalies[0].message
            self._add(kind, name, actor, before, trigger=trigger, refused=refused, **more)
            return
        event = outcome.events[0] if outcome.events else None
        self.status = outcome.status or before
        if event is not None:
            actor = event.actor
            if event.to_status != before:
                self.entered = self.now
        self._add(kind, name, actor, before, trigger=trigger, **more)

    # -- one step ----------------------------------------------------------------------------

    def step(self) -> bool:
        """One chosen step; False when the order is left alone from now on."""
        share = self.choices.below(100)
        if share < STOP:
            return False
        if share < PROBE:
            self._probe()
        elif share < TIMER and self.rt.deadline(self.status, START) is not None:
            self._timers(self._deadline())
        else:
            moves = self._moves()
            toward = self._toward() if share < TOWARD else None
            if toward is None and moves:
                toward = self.choices.pick(moves)
            if toward is None:
                return False
            self._move(toward)
        return True

    def _deadline(self) -> int:
        due = self.rt.deadline(self.status, START + timedelta(seconds=self.entered))
        assert due is not None
        return int((due[1] - START).total_seconds())

    def _moves(self) -> list[str | Action]:
        return [*self.of.triggers_at.get(self.status, ()), *self.of.actions_at.get(self.status, ())]

    def _toward(self) -> str | Action | None:
        """The next move of the shortest path to the goal, for these fields; None when there."""
        path = self.rt.paths.shortest(self.status, self.goal, self.fields)
        if not path:
            return None
        trigger = path[0].trigger
        for action in self.of.actions_at.get(self.status, ()):
            if action.transition == trigger:
                return action
        return trigger if trigger in self.of.triggers_at.get(self.status, ()) else None

    def _move(self, move: str | Action) -> None:
        if isinstance(move, Action):
            self._command(move)
            return
        at = START + timedelta(seconds=self.now)
        outcome = self.rt.trigger(ORDER, self.status, move, self.fields, at)
        self._record(StepKind.TRIGGER, move, self.of.actor_of[move], outcome, move)

    def _probe(self) -> None:
        """Something the rules may refuse: any trigger or action, at any status."""
        name = self.choices.pick(self.of.everything)
        action = self.of.rules.action_by_name.get(name)
        if action is not None:
            self._command(action)
        else:
            self._move(name)

    def _command(self, action: Action) -> None:
        names = dict.fromkeys(
            [*(r.field for r in action.requires), *(a.field for a in action.args)]
        )
        typed = {}
        for name in names:
            if self.choices.coin():
                pools = self.of.values[name]
                value = pick_value(pools, self.choices)
                typed[name] = self.aim.break_(name, value, pools[0][0], self.choices)
        before, kept = self.status, self.fields
        self.fields = {**self.fields, **typed}
        decision = self.rt.command(ORDER, before, action.name, self.fields)
        if not decision.allowed:
            reasons = "; ".join(b.message for b in decision.blockers)
            self._add(StepKind.COMMAND, action.name, "seller", before, typed=typed, refused=reasons)
            self.fields = kept
            return
        at = START + timedelta(seconds=self.now)
        outcome = self.rt.apply_command(ORDER, before, action.name, self.fields, at)
        self._record(
            StepKind.COMMAND, action.name, "seller", outcome, action.transition, typed=typed
        )
