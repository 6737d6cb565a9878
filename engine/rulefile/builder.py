"""From a rule file's located YAML to a `RuleSet`, with every problem located.

The builder checks the shape of each section (keys, types, durations) and every name a section
refers to (statuses, fields, triggers), so a misspelling is reported at the exact line and
column of the reference with a suggestion. Graph checks (reachability, dead ends,
nondeterminism...) belong to `engine.validation.checks`, which runs on the built value.

An element with a problem is left out of the rule set (statuses and fields excepted: they are
kept by name so that one mistake does not make every reference to them unknown too), and
`complete` says whether anything was left out or defaulted.
"""

from __future__ import annotations

from typing import Any

from engine.model.definition import (
    STAGES,
    Action,
    Actor,
    ChannelArg,
    Marketplace,
    Requirement,
    RuleSet,
    Status,
    Transition,
)
from engine.model.problems import Location
from engine.rulefile.condition_reader import ConditionReader, field_value
from engine.rulefile.field_reader import read_fields
from engine.rulefile.migration_reader import read_migrations
from engine.rulefile.policy_reader import DECLARE_STATUS, NAME_TRIGGER, PolicyReader
from engine.rulefile.property_reader import read_properties
from engine.rulefile.reader import Reader, describe, suggestion
from engine.rulefile.yaml_source import LocatedDict

FORMAT_VERSION = 1
TOP_KEYS = (
    "format",
    "marketplace",
    "fields",
    "statuses",
    "transitions",
    "actions",
    "timers",
    "import_policy",
    "schedule",
    "mapping",
    "lines",
    "migrations",
    "properties",
)
REQUIRED_TOP = ("format", "marketplace", "statuses", "transitions", "schedule")
STATUS_KEYS = ("description", "stage", "initial", "final", "origin")
TRANSITION_KEYS = ("trigger", "from", "to", "actor", "when", "description")
ACTION_KEYS = ("description", "at", "transition", "action_type", "args", "requires", "lines")
MARKETPLACE_KEYS = ("code", "name", "rules_version", "action_types")
DECLARE_FIELD = "declare it under 'fields'"


class RuleBuilder(Reader):
    """Builds one rule file; `problems` holds everything found on the way."""

    @property
    def complete(self) -> bool:
        """True when nothing was left out or defaulted: whole-graph checks can be trusted."""
        return not self.problems

    def build(self, data: Any) -> RuleSet | None:
        top = self.mapping(data, Location(self.file, 1, 1), "the rule file", TOP_KEYS, REQUIRED_TOP)
        if top is None:
            return None
        fmt = self.scalar(top, "format", int, "the rule file", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            self.problem(
                top.at("format"),
                f"unsupported format {fmt}",
                f"this orderflow reads format {FORMAT_VERSION}",
            )
        marketplace = self._marketplace(top)
        self.action_types = marketplace.sendable_action_types
        fields = read_fields(self, top)
        self.field_by_name = {f.name: f for f in fields}
        self.conditions = ConditionReader(self, fields)
        statuses = self._statuses(top)
        self.status_names = tuple(s.name for s in statuses)
        self.trigger_names = self._trigger_names(top)
        transitions = self._transitions(top)
        policies = PolicyReader(self, self.status_names, self.trigger_names, fields)
        return RuleSet(
            format=FORMAT_VERSION,
            marketplace=marketplace,
            fields=fields,
            statuses=statuses,
            transitions=transitions,
            actions=self._actions(top),
            timers=policies.timers(top),
            import_policy=policies.import_policy(top),
            schedule=policies.schedule(top),
            mapping=policies.mapping(top),
            line_statuses=policies.line_statuses(top),
            migrations=read_migrations(self, top, self.status_names, marketplace.rules_version),
            properties=read_properties(
                self, top, self.conditions, self.status_names, self.trigger_names
            ),
            source=self.file,
        )

    def _section(self, top: LocatedDict, key: str) -> LocatedDict:
        """An optional mapping section; empty when absent, written empty or not a mapping."""
        value = top.get(key)
        found = self.mapping(value, top.key_at(key), f"'{key}'") if value is not None else None
        return found if found is not None else LocatedDict.empty(top.key_at(key))

    def _marketplace(self, top: LocatedDict) -> Marketplace:
        if "marketplace" not in top:
            return Marketplace("", "", "")
        what = "the marketplace"
        required = ("code", "rules_version")
        data = self.mapping(
            top["marketplace"], top.key_at("marketplace"), what, MARKETPLACE_KEYS, required
        )
        if data is None:
            return Marketplace("", "", "")
        code = self.scalar(data, "code", str, what, "")
        name = self.scalar(data, "name", str, what, code)
        types = tuple(dict.fromkeys(n for n, _ in self.names(data, "action_types", what)))
        return Marketplace(code, name, self.scalar(data, "rules_version", str, what, ""), types)

    # -- statuses and transitions --------------------------------------------------------------

    def _statuses(self, top: LocatedDict) -> tuple[Status, ...]:
        section = self._section(top, "statuses")
        written = top.get("statuses", False)
        if (written is None or isinstance(written, dict)) and not section:
            self.problem(top.key_at("statuses"), "'statuses' declares no status")
        return tuple(self._status(section, name) for name in section)

    def _status(self, section: LocatedDict, name: str) -> Status:
        what = f"status '{name}'"
        where = section.key_at(name)
        data = self.mapping(section[name], where, what, STATUS_KEYS, ("stage",))
        if data is None:
            return Status(name, "new", where=where)
        stage = self.scalar(data, "stage", str, what, "new")
        if stage not in STAGES:
            self.problem(
                data.at("stage"),
                f"{what} has unknown stage '{stage}'",
                suggestion(stage, STAGES) or f"expected one of: {', '.join(STAGES)}",
            )
        return Status(
            name,
            stage,
            self.scalar(data, "description", str, what, ""),
            self.scalar(data, "initial", bool, what, False),
            self.scalar(data, "final", bool, what, False),
            self.scalar(data, "origin", str, what, ""),
            where,
        )

    def _trigger_names(self, top: LocatedDict) -> tuple[str, ...]:
        """Every trigger written, even on a transition left out, so references to it resolve."""
        items = top.get("transitions")
        names = (
            item["trigger"]
            for item in (items if isinstance(items, list) else ())
            if isinstance(item, dict) and isinstance(item.get("trigger"), str)
        )
        return tuple(dict.fromkeys(names))

    def _transitions(self, top: LocatedDict) -> tuple[Transition, ...]:
        if "transitions" not in top:
            return ()
        items = self.items(top["transitions"], top.key_at("transitions"), "'transitions'")
        built = (self._transition(raw, items.at(i)) for i, raw in enumerate(items))
        return tuple(t for t in built if t is not None)

    def _transition(self, raw: Any, where: Location) -> Transition | None:
        before = len(self.problems)
        trigger = raw.get("trigger") if isinstance(raw, dict) else None
        what = f"transition '{trigger}'" if isinstance(trigger, str) and trigger else "a transition"
        data = self.mapping(raw, where, what, TRANSITION_KEYS, TRANSITION_KEYS[:4])
        if data is None:
            return None
        if "trigger" in data and (not isinstance(trigger, str) or not trigger):
            self.problem(
                data.at("trigger"),
                f"'trigger' of a transition must be a name, found {describe(trigger)}",
            )
        sources = self._status_refs(data, "from", what, f"{what} starts from")
        dest = self._status_ref(data, "to", what, f"{what} targets")
        actor = self.scalar(data, "actor", str, what, None)
        if actor is not None and actor not in Actor.__members__.values():
            self.problem(
                data.at("actor"),
                f"{what} has unknown actor '{actor}'",
                suggestion(actor, Actor) or f"expected one of: {', '.join(Actor)}",
            )
        when = self.conditions.read(data, "when", what)
        description = self.scalar(data, "description", str, what, "")
        if len(self.problems) != before or dest is None or actor is None:
            return None
        return Transition(str(trigger), sources, dest, Actor(actor), when, description, where)

    def _status_refs(self, data: LocatedDict, key: str, what: str, context: str) -> tuple[str, ...]:
        found = self.names(data, key, what)
        known = [
            self.reference(n, w, self.status_names, "status", context, DECLARE_STATUS)
            for n, w in found
        ]
        return tuple(dict.fromkeys(n for (n, _), ok in zip(found, known, strict=True) if ok))

    def _status_ref(self, data: LocatedDict, key: str, what: str, context: str) -> str | None:
        found = self.name(data, key, what)
        if found is None:
            return None
        known = self.reference(
            found[0], found[1], self.status_names, "status", context, DECLARE_STATUS
        )
        return found[0] if known else None

    # -- actions -------------------------------------------------------------------------------

    def _actions(self, top: LocatedDict) -> tuple[Action, ...]:
        section = self._section(top, "actions")
        built = (self._action(section, name) for name in section)
        return tuple(a for a in built if a is not None)

    def _action(self, section: LocatedDict, name: str) -> Action | None:
        what = f"action '{name}'"
        before = len(self.problems)
        data = self.mapping(
            section[name], section.key_at(name), what, ACTION_KEYS, ("at", "action_type")
        )
        if data is None:
            return None
        at = self._status_refs(data, "at", what, f"{what} is allowed at")
        transition = self.scalar(data, "transition", str, what, None)
        if transition is not None:
            self.reference(
                transition,
                data.at("transition"),
                self.trigger_names,
                "trigger",
                f"{what} causes",
                NAME_TRIGGER,
            )
        action_type = self.scalar(data, "action_type", str, what, name)
        if "action_type" in data and isinstance(data["action_type"], str):
            self._action_type_ref(action_type, data.at("action_type"), what)
        args = self._args(data, what)
        requires = self._requirements(data, what)
        description = self.scalar(data, "description", str, what, "")
        lines = self.scalar(data, "lines", bool, what, False)
        if len(self.problems) != before:
            return None
        return Action(
            name,
            at,
            transition,
            action_type,
            args,
            requires,
            description,
            section.key_at(name),
            lines,
        )

    def _action_type_ref(self, action_type: str, where: Location, what: str) -> bool:
        """The channel takes its own action types and those the marketplace declares."""
        known = ", ".join(f"'{t}'" for t in self.action_types)
        otherwise = (
            f"the action types are {known}; declare another one the marketplace takes under "
            "'marketplace.action_types'"
        )
        return self.reference(
            action_type, where, self.action_types, "action type", f"{what} sends", otherwise
        )

    def _field_ref(self, name: str, where: Location, context: str) -> bool:
        return self.reference(name, where, self.field_by_name, "field", context, DECLARE_FIELD)

    def _args(self, data: LocatedDict, what: str) -> tuple[ChannelArg, ...]:
        if "args" not in data:
            return ()
        args = self.mapping(data["args"], data.key_at("args"), f"'args' of {what}")
        if args is None:
            return ()
        result = []
        for arg, raw in args.items():
            arg_what = f"arg '{arg}' of {what}"
            name, where, optional = raw, args.at(arg), False
            if isinstance(raw, LocatedDict):
                entry = self.mapping(raw, where, arg_what, ("field", "optional"), ("field",))
                if entry is None or "field" not in entry:
                    continue
                name, where = entry["field"], entry.at("field")
                optional = self.scalar(entry, "optional", bool, arg_what, False)
            if not isinstance(name, str):
                self.problem(where, f"{arg_what} must name a field, found {describe(name)}")
            elif self._field_ref(name, where, f"{arg_what} reads"):
                result.append(ChannelArg(arg, name, optional))
        return tuple(result)

    def _requirements(self, data: LocatedDict, what: str) -> tuple[Requirement, ...]:
        if "requires" not in data:
            return ()
        items = self.items(data["requires"], data.key_at("requires"), f"'requires' of {what}")
        built = (self._requirement(raw, items.at(i), i, what) for i, raw in enumerate(items))
        return tuple(r for r in built if r is not None)

    def _requirement(self, raw: Any, where: Location, index: int, what: str) -> Requirement | None:
        item_what = f"requirement {index + 1} of {what}"
        entry = self.mapping(raw, where, item_what, ("field", "when", "values"), ("field",))
        name = self.scalar(entry, "field", str, item_what, None) if entry is not None else None
        if entry is None or name is None:
            return None
        if not self._field_ref(name, entry.at("field"), f"{what} requires"):
            return None
        when = self.conditions.read(entry, "when", item_what)
        return Requirement(name, when, self._allowed(entry, name, item_what), where)

    def _allowed(self, entry: LocatedDict, name: str, what: str) -> tuple[str, ...]:
        if "values" not in entry:
            return ()
        items = self.items(entry["values"], entry.at("values"), f"'values' of {what}")
        field = self.field_by_name[name]
        values = (
            field_value(self, items.as_written(i), items.at(i), field, f"'values' of {what}")
            for i in range(len(items))
        )
        return tuple(v for v in values if v is not None)
