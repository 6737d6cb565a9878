"""Seller commands checked against the rules before anything is sent.

An action is checked in the order a person asks: is it allowed at the order's status, does the
machine have a transition for it there whose guard holds on the order's fields, and are the
fields it requires present and valid (an enum value must be one of the field's codes, or of the
requirement's own list). Every blocker is collected, not the first only. The runtime and the
bulk path share this checker, so a command gets the same answer whichever path runs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from engine.blockers import Blocker, BlockerCode, ChannelCommand, Decision
from engine.conditions import FieldPresent
from engine.definition import Action, FieldType, OrderField, Requirement, RuleSet
from engine.errors import UnknownName
from engine.machine import Step, TransitionTable


def field_text(definition: OrderField | None, value: object) -> str | None:
    """A field's value as sent to a channel (an enum's code), or None when it is not valid."""
    if definition is not None and definition.type is FieldType.ENUM:
        return definition.canonical(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in names)


class CommandChecker:
    """Decides seller actions for one rule set on its compiled transition table."""

    def __init__(self, rules: RuleSet, table: TransitionTable) -> None:
        self.rules = rules
        self.table = table

    def action(self, name: str) -> Action:
        action = self.rules.action_by_name.get(name)
        if action is None:
            known = _quoted(tuple(self.rules.action_by_name))
            raise UnknownName(f"action '{name}' is not declared; the actions are: {known}")
        return action

    def decide(self, current: str, name: str, fields: Mapping[str, object]) -> Decision:
        """Whether action `name` may run on an order at `current` with `fields`, and why not."""
        action = self.action(name)
        if current not in self.rules.status_by_name:
            raise UnknownName(f"status '{current}' is not declared in {self.rules.source}")
        step, blockers = self._status_check(action, current, fields)
        blockers.extend(self._field_blockers(action, fields))
        if blockers:
            return Decision(name, False, tuple(blockers))
        command = ChannelCommand(action.action_type, self._args(action, fields))
        expected = step.dest if step is not None else current
        return Decision(name, True, (), command, expected)

    def _status_check(
        self, action: Action, current: str, fields: Mapping[str, object]
    ) -> tuple[Step | None, list[Blocker]]:
        if current not in action.at:
            message = (
                f"action '{action.name}' is not allowed at status '{current}'; "
                f"it is allowed at {_quoted(action.at)}"
            )
            params = {"action": action.name, "status": current, "allowed": action.at}
            return None, [Blocker(BlockerCode.NOT_ALLOWED_AT_STATUS, message, params)]
        if action.transition is None:
            return None, []
        return self._transition_check(action, action.transition, current, fields)

    def _transition_check(
        self, action: Action, trigger: str, current: str, fields: Mapping[str, object]
    ) -> tuple[Step | None, list[Blocker]]:
        params: dict[str, object] = {"action": action.name, "status": current, "trigger": trigger}
        steps = self.table.steps.get((current, trigger), ())
        if not steps:
            message = f"the rules have no transition '{trigger}' from status '{current}'"
            return None, [Blocker(BlockerCode.NO_TRANSITION, message, params)]
        step = self.table.resolve(current, trigger, fields)
        if step is None:
            needs = tuple(str(s.condition) for s in steps)
            message = (
                f"action '{action.name}' cannot move the order from status '{current}': "
                f"transition '{trigger}' needs {' or '.join(needs)}"
            )
            return None, [
                Blocker(BlockerCode.CONDITION_FAILED, message, {**params, "needs": needs})
            ]
        if current in self.rules.final_statuses and step.dest != current:
            message = f"status '{current}' is final; action '{action.name}' would leave it"
            return None, [Blocker(BlockerCode.FINAL_STATUS, message, params)]
        return step, []

    def _field_blockers(self, action: Action, fields: Mapping[str, object]) -> Iterator[Blocker]:
        checked: set[str] = set()
        for requirement in action.requires:
            if requirement.when is None or requirement.when.holds(fields):
                checked.add(requirement.field)
                yield from self._requirement_blockers(action, requirement, fields)
        for arg in action.args:
            value = fields.get(arg.field)
            if arg.field not in checked and FieldPresent(arg.field).holds(fields):
                checked.add(arg.field)
                yield from self._value_blockers(action, arg.field, value, ())

    def _requirement_blockers(
        self, action: Action, requirement: Requirement, fields: Mapping[str, object]
    ) -> Iterator[Blocker]:
        name = requirement.field
        if not FieldPresent(name).holds(fields):
            when = str(requirement.when) if requirement.when is not None else None
            message = f"action '{action.name}' requires field '{name}'" + (
                f" when {when}" if when else ""
            )
            params = {"action": action.name, "field": name, "when": when}
            yield Blocker(BlockerCode.FIELD_REQUIRED, message, params)
            return
        yield from self._value_blockers(action, name, fields.get(name), requirement.values)

    def _value_blockers(
        self, action: Action, name: str, value: object, values: tuple[str, ...]
    ) -> Iterator[Blocker]:
        definition = self.rules.field_by_name.get(name)
        text = field_text(definition, value)
        allowed = values or (definition.codes if definition is not None else ())
        if text is None or (allowed and text not in allowed):
            message = (
                f"field '{name}' has value '{value}', which action '{action.name}' does not "
                f"accept; allowed values: {', '.join(allowed)}"
            )
            params = {"action": action.name, "field": name, "value": value, "allowed": allowed}
            yield Blocker(BlockerCode.VALUE_NOT_ALLOWED, message, params)

    def _args(self, action: Action, fields: Mapping[str, object]) -> dict[str, str]:
        args: dict[str, str] = {}
        for arg in action.args:
            if FieldPresent(arg.field).holds(fields):
                text = field_text(self.rules.field_by_name.get(arg.field), fields.get(arg.field))
                if text is not None:
                    args[arg.name] = text
        return args
