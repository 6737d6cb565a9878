"""The properties every rule file is checked for, whatever it declares.

- `final`: every status an order reaches and that is not final can still reach a final one,
  for the order's fields, by the transitions the machine would take (a guard of unknown truth
  refuses, as it does for a trigger);
- `required`: no seller command succeeds without the fields its requirements name, each valid;
- `bulk`: the bulk path (`engine.runtime.bulk.BulkTable`) moves the order as the machine did, at
  every step the machine was asked for, refusals included;
- `timers`: a timer that fires moves the order out of its status;
- `observed`: the marketplace reporting the order at a status its walk reached, skipping the
  statuses in between, gives no anomaly, the reported status and no more events than the walk
  took (the runtime infers a shortest legal path, and the walk is a legal one), whenever the
  fields of the report allow every transition of that walk.

Each is judged on one timeline and returns the first failure with its step, like a declared
property (`authoring.properties.Verdict`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from authoring.properties import Failure, Verdict
from authoring.timeline import Fields, Step, StepKind, Timeline
from engine.model.conditions import FieldPresent
from engine.model.definition import FieldType
from engine.runtime.bulk import BulkTable
from engine.runtime.runtime import Runtime

FINAL = "every reached status can reach a final one"
REQUIRED = "no seller command succeeds without its required fields"
BULK = "the machine path and the bulk path agree"
TIMERS = "a timer always leaves its status"
OBSERVED = "observations that skip statuses follow the rules"
BUILTINS = (FINAL, REQUIRED, BULK, TIMERS, OBSERVED)


class Builtins:
    """The built-in properties of one rule set, with what they cache between timelines."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.rules = runtime.rules
        self.bulk = BulkTable(runtime)
        self._reach: dict[tuple[str, int], frozenset[str]] = {}

    def judge(self, timeline: Timeline) -> list[Verdict]:
        return [
            self._final(timeline.steps),
            self._required(timeline.steps),
            self._bulk(timeline.steps),
            self._timers(timeline.steps),
            self._observed(timeline),
        ]

    # -- final ---------------------------------------------------------------------------------

    def reachable(self, status: str, fields: Fields) -> frozenset[str]:
        """The statuses the machine can take an order with `fields` to from `status`."""
        paths = self.runtime.paths
        key = (status, paths.signature(fields))
        found = self._reach.get(key)
        if found is None:
            seen, queue = {status}, deque([status])
            while queue:
                here = queue.popleft()
                for move in paths.moves_from(here, key[1]):
                    step = self.runtime.table.resolve(here, move.trigger, fields)
                    if step is not None and step.dest == move.dest and move.dest not in seen:
                        seen.add(move.dest)
                        queue.append(move.dest)
            found = self._reach[key] = frozenset(seen)
        return found

    def _final(self, steps: tuple[Step, ...]) -> Verdict:
        finals = self.rules.final_statuses
        checked = 0
        for step in steps:
            if not step.happened or not step.moved or step.after in finals:
                continue
            checked += 1
            reach = self.reachable(step.after, step.fields)
            if not reach & finals:
                others = ", ".join(sorted(reach - {step.after})) or "nowhere"
                message = (
                    f"status '{step.after}', entered at step {step.number}, cannot reach a final "
                    f"status for these fields; from it the rules lead to {others}"
                )
                return Verdict(FINAL, checked, Failure(FINAL, step.number, message))
        return Verdict(FINAL, checked)

    # -- required ------------------------------------------------------------------------------

    def _missing(self, action: str, fields: Fields) -> str | None:
        """The first requirement of `action` that `fields` do not meet, in words."""
        vocabulary = self.rules.vocabulary
        for requirement in self.rules.action_by_name[action].requires:
            name = requirement.field
            applies = (
                True if requirement.when is None else requirement.when.truth(fields, vocabulary)
            )
            if applies is None:
                return f"whether it requires '{name}' is unknown ({requirement.when})"
            if not applies:
                continue
            if not FieldPresent(name).holds(fields):
                return f"'{name}' is missing"
            field = self.rules.field_by_name[name]
            value = fields.get(name)
            code = field.canonical(value) if field.type is FieldType.ENUM else str(value)
            if code is None or (requirement.values and code not in requirement.values):
                return f"'{name}' is '{value}', not a value it accepts"
        return None

    def _required(self, steps: tuple[Step, ...]) -> Verdict:
        checked = 0
        for step in steps:
            if step.kind is not StepKind.COMMAND or not step.happened:
                continue
            checked += 1
            missing = self._missing(step.name, step.fields)
            if missing is not None:
                message = (
                    f"the seller's '{step.name}' at step {step.number} succeeded, yet {missing}"
                )
                return Verdict(REQUIRED, checked, Failure(REQUIRED, step.number, message))
        return Verdict(REQUIRED, checked)

    # -- bulk ----------------------------------------------------------------------------------

    def _bulk(self, steps: tuple[Step, ...]) -> Verdict:
        rows = [s for s in steps if s.kind is not StepKind.CREATE and s.trigger is not None]
        if not rows:
            return Verdict(BULK, 0)
        bulk = self.bulk
        result = bulk.run(
            bulk.encode_statuses([s.before for s in rows]),
            bulk.signatures([s.fields for s in rows]),
            bulk.encode_triggers([s.trigger for s in rows]),
        )
        after = [bulk.statuses[code] for code in result.statuses.tolist()]
        refused = set(result.refusals["order"].tolist())
        moved = dict(
            zip(result.events["order"].tolist(), result.events["actor"].tolist(), strict=True)
        )
        for i, step in enumerate(rows):
            actor = bulk.actors[moved[i]] if i in moved else None
            same = after[i] == step.after and (i in refused) == (not step.happened)
            if same and (not step.happened or actor == step.actor):
                continue
            message = (
                f"at step {step.number} the machine took '{step.trigger}' from '{step.before}' to "
                f"'{step.after}'{' (refused)' if step.refused else ''}; the bulk path to "
                f"'{after[i]}'{' (refused)' if i in refused else f' by {actor}'}"
            )
            return Verdict(BULK, len(rows), Failure(BULK, step.number, message))
        return Verdict(BULK, len(rows))

    # -- timers --------------------------------------------------------------------------------

    def _timers(self, steps: tuple[Step, ...]) -> Verdict:
        fired = [s for s in steps if s.kind is StepKind.TIMER]
        for step in fired:
            if not step.happened or not step.moved:
                why = f": {step.refused}" if step.refused else ""
                message = (
                    f"timer '{step.name}' fired at step {step.number} and the order stayed at "
                    f"'{step.before}'{why}"
                )
                return Verdict(TIMERS, len(fired), Failure(TIMERS, step.number, message))
        return Verdict(TIMERS, len(fired))

    # -- observed ------------------------------------------------------------------------------

    def _allows(self, walk: list[Step], fields: Mapping[str, object]) -> bool:
        table = self.runtime.table
        for step in walk:
            if step.kind is StepKind.CREATE:
                continue
            assert step.before is not None and step.trigger is not None
            found = table.resolve(step.before, step.trigger, fields)
            if found is None or found.dest != step.after:
                return False
        return True

    def _comparable(self, walk: list[Step], fields: Fields) -> bool:
        """Whether the runtime, seeing the order for the first time, starts where the walk did.

        A new order starts at an initial status, or an order fulfilled by the marketplace at the
        import policy's `arrives_at` (`Runtime.arrival`); an order the walk created elsewhere
        (flagged fulfilled at an initial status, say) may take a longer path from there.
        """
        first = walk[0]
        if first.kind is not StepKind.CREATE:
            return True
        arrival = self.runtime.arrival(fields)
        return first.after == arrival or (
            arrival is None and first.after in self.rules.initial_statuses
        )

    def _observed(self, timeline: Timeline) -> Verdict:
        walked = [s for s in timeline.steps if s.happened and s.moved]
        number = {s.number: i for i, s in enumerate(walked)}
        checked, last = 0, -1
        for seen in timeline.observations:
            here = number[seen.after_step]
            walk = walked[last + 1 : here + 1]
            last = here
            if not self._allows(walk, seen.fields):
                continue
            checked += 1
            problem = ""
            if seen.anomalies:
                problem = "; ".join(seen.anomalies)
            elif seen.status != seen.reported:
                problem = f"the order was left at '{seen.status}'"
            elif len(seen.events) > len(walk) and self._comparable(walk, seen.fields):
                problem = (
                    f"{len(seen.events)} events where the order took {len(walk)} steps: "
                    + ", ".join(seen.events)
                )
            if problem:
                message = f"observing '{seen.reported}' after step {seen.after_step}: {problem}"
                return Verdict(OBSERVED, checked, Failure(OBSERVED, seen.after_step, message))
        return Verdict(OBSERVED, checked)
