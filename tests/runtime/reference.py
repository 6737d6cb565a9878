"""A tiny reference model of a rule file: plain dicts written from the definition.

The runtime runs a `transitions` machine and a table read back from it; this model reads the
rule file's definition directly, in a few lines, so the tests can check the machine against
something built independently of it. Conditions are read in three values with the rule set's
vocabulary: an unknown guard refuses, except on a reported path (`toward` its next status).
Where no path leads to a reported status, the runtime moves the order there by one deviation;
`distance` and `creation` say when that is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

from engine.model.conditions import Condition, FieldIn, FieldPresent
from engine.model.definition import Action, FieldType, RuleSet


class Reference:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.steps: dict[tuple[str, str], list[tuple[str, Condition | None]]] = {}
        for t in rules.transitions:
            for source in t.sources:
                self.steps.setdefault((source, t.trigger), []).append((t.dest, t.when))
        self.finals = {s.name for s in rules.statuses if s.final}
        self.triggers = sorted({t.trigger for t in rules.transitions})

    def truth(self, when: Condition | None, fields: Mapping[str, object]) -> bool | None:
        return True if when is None else when.truth(fields, self.rules.vocabulary)

    def next(
        self, status: str, trigger: str, fields: Mapping[str, object], toward: str | None = None
    ) -> str | None:
        """Where `trigger` takes an order, or None when refused (a final status never leaves)."""
        for dest, when in self.steps.get((status, trigger), []):
            truth = self.truth(when, fields)
            if truth or (truth is None and dest == toward):
                if status in self.finals and dest != status:
                    return None
                return dest
            if truth is None and toward is None:
                return None
        return None

    def possible(self, status: str, trigger: str, fields: Mapping[str, object]) -> list[str]:
        """Where `trigger` may have taken an order a marketplace reports elsewhere."""
        found = []
        for dest, when in self.steps.get((status, trigger), []):
            truth = self.truth(when, fields)
            if truth is not False and status not in self.finals:
                found.append(dest)
            if truth:
                break
        return found

    def distance(self, source: str, target: str, fields: Mapping[str, object]) -> int | None:
        seen = {source: 0}
        queue = deque([source])
        while queue:
            status = queue.popleft()
            for trigger in self.triggers:
                for dest in self.possible(status, trigger, fields):
                    if dest not in seen:
                        seen[dest] = seen[status] + 1
                        queue.append(dest)
        return seen.get(target)

    def creation(self, status: str, fields: Mapping[str, object]) -> tuple[str, int] | None:
        """Where a new order reported at `status` is created and by how many events in all;
        None when no path leads there. An order fulfilled by the marketplace starts where the
        import policy says it arrives, if a path leads on from there to `status`; any other
        order, or one no such path leads on from, at the nearest initial status (the first on
        ties)."""
        policy = self.rules.import_policy
        if policy is not None and FieldIn(policy.flag_field, ("true",)).holds(fields):
            hops = self.distance(policy.arrives_at, status, fields)
            if status not in self.rules.initial_statuses and hops is not None:
                return policy.arrives_at, hops + 1
        found = [(self.distance(i, status, fields), i) for i in self.rules.initial_statuses]
        near = [(hops, i) for hops, i in found if hops is not None]
        if not near:
            return None
        hops, initial = min(near, key=lambda found: found[0])
        return initial, hops + 1

    def timer(self, status: str) -> tuple[int, str] | None:
        timers = [(t.after_seconds, t.fire) for t in self.rules.timers if t.status == status]
        return min(timers, key=lambda t: t[0]) if timers and status not in self.finals else None

    def fields_ok(self, action: Action, fields: Mapping[str, object]) -> bool:
        """Every required field present and every enum value sent a declared one."""
        for requirement in action.requires:
            needed = self.truth(requirement.when, fields)
            if needed is None:
                return False
            if needed:
                if not FieldPresent(requirement.field).holds(fields):
                    return False
                if not self.valid(requirement.field, fields, requirement.values):
                    return False
        return all(
            self.valid(arg.field, fields, ())
            for arg in action.args
            if FieldPresent(arg.field).holds(fields)
        )

    def valid(self, name: str, fields: Mapping[str, object], values: tuple[str, ...]) -> bool:
        field = self.rules.field_by_name[name]
        value = fields.get(name)
        if field.type is FieldType.ENUM:
            code = field.canonical(value)
            return code is not None and (not values or code in values)
        if not values:
            return True
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return text in values
