"""Seller commands checked against the rules before anything is sent.

An action is checked in the order a person asks: is it allowed at the order's status, does the
machine have a transition for it there whose guard holds on the order's fields, and are the
fields it requires present and valid (an enum value must be one of the field's codes, or of the
requirement's own list). Every blocker is collected, not the first only. The runtime and the
bulk path share this checker, so a command gets the same answer whichever path runs it.

A requirement's `when` or a transition's guard that reads a value its enum field does not list
is unknown, never false: the action is blocked with `value_not_recognised` (once per such field)
instead of being allowed without the field or sent down the other transition.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from engine.model.blockers import Blocker, BlockerCode, ChannelCommand, Decision
from engine.model.conditions import Condition, FieldPresent
from engine.model.definition import (
    Action,
    FieldType,
    OrderField,
    Requirement,
    RuleSet,
    UnlistedValue,
)
from engine.model.errors import UnknownName
from engine.runtime.machine import Step, TransitionTable


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
        # One presence check per field named by an action, built once, not per command.
        named = {r.field for a in rules.actions for r in a.requires}
        named |= {arg.field for a in rules.actions for arg in a.args}
        self._present = {name: FieldPresent(name) for name in named}
        # Declared codes as sets, for the fields whose values are not checked by `canonical`.
        self._codes = {
            f.name: frozenset(f.codes)
            for f in rules.fields
            if f.codes and f.type is not FieldType.ENUM
        }

    def action(self, name: str) -> Action:
        action = self.rules.action_by_name.get(name)
        if action is None:
            known = _quoted(tuple(self.rules.action_by_name))
            raise UnknownName(f"action '{name}' is not declared; the actions are: {known}")
        return action

    def decide(
        self,
        current: str,
        name: str,
        fields: Mapping[str, object],
        lines: Sequence[str] = (),
        known_lines: Collection[str] = (),
    ) -> Decision:
        """Whether action `name` may run on an order at `current` with `fields`, and why not.

        `lines` names the cart lines the command acts on (none: the whole order), each of which
        must be among the order's `known_lines`; such a command expects no status of its own.
        """
        action = self.action(name)
        if current not in self.rules.status_by_name:
            raise UnknownName(f"status '{current}' is not declared in {self.rules.source}")
        step, blockers = self._status_check(action, current, fields)
        args: dict[str, str] = {}
        if action.requires or action.args:
            more, args = self._check_fields(action, fields, blockers)
            blockers.extend(more)
        named = tuple(dict.fromkeys(lines))
        if named:
            blockers.extend(_line_blockers(action, named, known_lines))
        if blockers:
            return Decision(name, False, tuple(blockers))
        command = ChannelCommand(action.action_type, args)
        if named:
            return Decision(name, True, (), command, None, named)
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
        steps = self.table.steps.get((current, trigger), ())
        step = self.table.resolve(current, trigger, fields) if steps else None
        if step is not None and (step.dest == current or current not in self.rules.final_statuses):
            return step, []
        params: dict[str, object] = {"action": action.name, "status": current, "trigger": trigger}
        if not steps:
            message = f"the rules have no transition '{trigger}' from status '{current}'"
            return None, [Blocker(BlockerCode.NO_TRANSITION, message, params)]
        undecided = self.table.undecided(current, trigger, fields) if step is None else None
        if undecided is not None:
            return None, self._not_recognised(action, undecided, fields, [])
        if step is None:
            needs = tuple(str(s.condition) for s in steps)
            message = (
                f"action '{action.name}' cannot move the order from status '{current}': "
                f"transition '{trigger}' needs {' or '.join(needs)}"
            )
            params["needs"] = needs
            return None, [Blocker(BlockerCode.CONDITION_FAILED, message, params)]
        message = f"status '{current}' is final; action '{action.name}' would leave it"
        return None, [Blocker(BlockerCode.FINAL_STATUS, message, params)]

    def _not_recognised(
        self,
        action: Action,
        condition: Condition,
        fields: Mapping[str, object],
        earlier: list[Blocker],
    ) -> list[Blocker]:
        """One blocker per unlisted value `condition` reads that `earlier` does not name yet."""
        named = {b.params["field"] for b in earlier if b.code is BlockerCode.VALUE_NOT_RECOGNISED}
        unlisted = self.rules.unlisted(fields, condition.fields())
        return [_not_recognised(action, u) for u in unlisted if u.field not in named]

    def _check_fields(
        self, action: Action, fields: Mapping[str, object], earlier: list[Blocker]
    ) -> tuple[list[Blocker], dict[str, str]]:
        """The blockers of the action's fields and, when there are none, the args to send."""
        blockers: list[Blocker] = []
        texts: dict[str, str | None] = {}
        vocabulary = self.rules.vocabulary
        for requirement in action.requires:
            applies = (
                True if requirement.when is None else requirement.when.truth(fields, vocabulary)
            )
            if applies is None:
                assert requirement.when is not None
                blockers.extend(
                    self._not_recognised(action, requirement.when, fields, earlier + blockers)
                )
            elif applies:
                name = requirement.field
                texts[name] = self._check_value(action, name, fields, requirement, blockers)
        args: dict[str, str] = {}
        for arg in action.args:
            name = arg.field
            if name not in texts:
                if not self._present[name].holds(fields):
                    continue
                texts[name] = self._check_value(action, name, fields, None, blockers)
            text = texts[name]
            if text is not None:
                args[arg.name] = text
        return blockers, args

    def _check_value(
        self,
        action: Action,
        name: str,
        fields: Mapping[str, object],
        requirement: Requirement | None,
        blockers: list[Blocker],
    ) -> str | None:
        """The field's text to send; a missing required or invalid value adds its blocker."""
        if requirement is not None and not self._present[name].holds(fields):
            blockers.append(_required(action, requirement))
            return None
        value = fields.get(name)
        definition = self.rules.field_by_name.get(name)
        text = field_text(definition, value)
        values = requirement.values if requirement is not None else ()
        codes = self._codes.get(name)
        if text is None or (values and text not in values) or (codes and text not in codes):
            codes_in_order = definition.codes if definition is not None else ()
            allowed = values or codes_in_order
            blockers.append(_not_allowed(action, name, value, allowed, definition))
        return text


def _line_blockers(action: Action, lines: tuple[str, ...], known: Collection[str]) -> list[Blocker]:
    if not action.lines:
        message = (
            f"action '{action.name}' acts on the whole order: the marketplace takes no line for "
            "it (the rule file gives it no 'lines: true')"
        )
        return [Blocker(BlockerCode.LINES_NOT_TAKEN, message, {"action": action.name})]
    unknown = tuple(line for line in lines if line not in known)
    if not unknown:
        return []
    listed = _quoted(tuple(known)) if known else "none"
    message = (
        f"the order has no line {_quoted(unknown)}; its lines are {listed}"
        if len(unknown) == 1
        else f"the order has no lines {_quoted(unknown)}; its lines are {listed}"
    )
    params = {"action": action.name, "lines": unknown, "known": tuple(known)}
    return [Blocker(BlockerCode.UNKNOWN_LINE, message, params)]


def _required(action: Action, requirement: Requirement) -> Blocker:
    name = requirement.field
    when = str(requirement.when) if requirement.when is not None else None
    message = f"action '{action.name}' requires field '{name}'" + (f" when {when}" if when else "")
    return Blocker(
        BlockerCode.FIELD_REQUIRED, message, {"action": action.name, "field": name, "when": when}
    )


def _not_recognised(action: Action, unlisted: UnlistedValue) -> Blocker:
    message = (
        f"action '{action.name}' depends on field '{unlisted.field}', whose value "
        f"'{unlisted.value}' is not recognised; the known values are {_quoted(unlisted.listed)}"
    )
    params = {
        "action": action.name,
        "field": unlisted.field,
        "value": unlisted.value,
        "known": unlisted.listed,
    }
    return Blocker(BlockerCode.VALUE_NOT_RECOGNISED, message, params)


def _not_allowed(
    action: Action,
    name: str,
    value: object,
    allowed: tuple[str, ...],
    definition: OrderField | None,
) -> Blocker:
    """The blocker of a value the action does not take, each allowed code with its label (the
    label is accepted too: `OrderField.spellings`)."""
    labels = {v.code: v.label for v in definition.values} if definition is not None else {}
    shown = (f"{code} ({labels[code]})" if labels.get(code) else code for code in allowed)
    message = (
        f"field '{name}' has value '{value}', which action '{action.name}' does not "
        f"accept; allowed values: {', '.join(shown)}"
    )
    params = {"action": action.name, "field": name, "value": value, "allowed": allowed}
    return Blocker(BlockerCode.VALUE_NOT_ALLOWED, message, params)
