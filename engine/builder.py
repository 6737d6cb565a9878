"""From a rule file's located YAML to a `RuleSet`, with every problem located.

The builder checks the shape of each section (keys, types, durations) and every name a section
refers to (statuses, fields, triggers), so a misspelling is reported at the exact line and
column of the reference with a suggestion. Graph checks (reachability, dead ends,
nondeterminism...) belong to `engine.validation`, which runs on the built value.
"""

from __future__ import annotations

from typing import Any

from engine.conditions import AllOf, AnyOf, Condition, FieldIn, FieldPresent, Not
from engine.definition import (
    STAGES,
    Action,
    Actor,
    ChannelArg,
    Connector,
    ConnectorSupport,
    FetchSchedule,
    FieldType,
    FieldValue,
    ImportPolicy,
    Location,
    Marketplace,
    OrderField,
    Requirement,
    RuleSet,
    Status,
    Timer,
    Transition,
)
from engine.reader import Reader, describe, suggestion
from engine.yamlsource import LocatedDict, LocatedList

FORMAT_VERSION = 1
TOP_KEYS = (
    "format", "marketplace", "fields", "statuses", "transitions", "actions", "timers",
    "import_policy", "schedule", "mapping",
)
REQUIRED_TOP = ("format", "marketplace", "statuses", "transitions", "schedule")


class RuleBuilder(Reader):
    """Builds one rule file; `problems` holds everything found on the way."""

    def build(self, data: Any) -> RuleSet | None:
        where = Location(self.file, 1, 1)
        top = self.mapping(data, where, "the rule file", TOP_KEYS, REQUIRED_TOP)
        if top is None:
            return None
        fmt = self.scalar(top, "format", int, "the rule file's", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            self.problem(top.at("format"), f"unsupported format {fmt}",
                         f"this orderflow reads format {FORMAT_VERSION}")
        self.fields = self._fields(top)
        self.statuses = self._statuses(top)
        self.status_names = tuple(s.name for s in self.statuses)
        transitions = self._transitions(top)
        self.trigger_names = tuple(dict.fromkeys(t.trigger for t in transitions))
        return RuleSet(
            format=FORMAT_VERSION,
            marketplace=self._marketplace(top),
            fields=self.fields,
            statuses=self.statuses,
            transitions=transitions,
            actions=self._actions(top),
            timers=self._timers(top),
            import_policy=self._import_policy(top),
            schedule=self._schedule(top),
            mapping=self._mapping(top),
            source=self.file,
        )

    # -- sections ------------------------------------------------------------------------------

    def _section(self, top: LocatedDict, key: str) -> LocatedDict | None:
        if key not in top:
            return None
        return self.mapping(top[key], top.at(key), f"'{key}'")

    def _marketplace(self, top: LocatedDict) -> Marketplace:
        data = self.mapping(top.get("marketplace"), top.at("marketplace"), "'marketplace'",
                            ("code", "name", "rules_version"), ("code", "rules_version"))
        if data is None:
            return Marketplace("", "", "")
        code = self.scalar(data, "code", str, "the marketplace's", "")
        return Marketplace(code, self.scalar(data, "name", str, "the marketplace's", code),
                           self.scalar(data, "rules_version", str, "the marketplace's", ""))

    def _fields(self, top: LocatedDict) -> tuple[OrderField, ...]:
        section = self._section(top, "fields") or LocatedDict()
        result = []
        for name, raw in section.items():
            what = f"field '{name}'"
            data = self.mapping(raw, section.at(name), what,
                                ("type", "description", "values", "sources"), ("type",))
            if data is None:
                continue
            type_name = self.scalar(data, "type", str, what, "string")
            if type_name not in FieldType.__members__.values():
                self.problem(data.at("type"), f"{what} has unknown type '{type_name}'",
                             suggestion(type_name, FieldType) or
                             f"expected one of: {', '.join(FieldType)}")
                type_name = "string"
            sources = self._texts(data, "sources", what)
            result.append(OrderField(name, FieldType(type_name),
                                     self.scalar(data, "description", str, what, ""),
                                     self._values(data, what), sources, section.key_where[name]))
        return tuple(result)

    def _values(self, data: LocatedDict, what: str) -> tuple[FieldValue, ...]:
        if "values" not in data:
            if data.get("type") == "enum":
                self.problem(data.where, f"{what} is an enum but lists no 'values'")
            return ()
        values = self.mapping(data["values"], data.at("values"), f"the values of {what}")
        result = []
        for code, raw in (values or {}).items():
            if raw is None:
                result.append(FieldValue(code))
                continue
            entry = self.mapping(raw, values.at(code), f"value '{code}' of {what}",  # type: ignore[union-attr]
                                 ("label", "aliases"))
            if entry is not None:
                result.append(FieldValue(code, self.scalar(entry, "label", str, "the", ""),
                                         self._texts(entry, "aliases", f"value '{code}'")))
        return tuple(result)

    def _texts(self, data: LocatedDict, key: str, what: str) -> tuple[str, ...]:
        if key not in data:
            return ()
        items = self.sequence(data[key], data.at(key), f"'{key}' of {what}")
        texts = []
        for i, item in enumerate(items or ()):
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                texts.append(str(item))
            else:
                self.problem(items.at(i), f"'{key}' of {what} must list texts, "  # type: ignore[union-attr]
                             f"found {describe(item)}")
        return tuple(texts)

    def _statuses(self, top: LocatedDict) -> tuple[Status, ...]:
        section = self._section(top, "statuses") or LocatedDict()
        result = []
        for name, raw in section.items():
            what = f"status '{name}'"
            data = self.mapping(raw, section.at(name), what,
                                ("description", "stage", "initial", "final", "origin"), ("stage",))
            if data is None:
                continue
            stage = self.scalar(data, "stage", str, what, "new")
            if stage not in STAGES:
                self.problem(data.at("stage"), f"{what} has unknown stage '{stage}'",
                             suggestion(stage, STAGES) or f"expected one of: {', '.join(STAGES)}")
            result.append(Status(name, stage, self.scalar(data, "description", str, what, ""),
                                 self.scalar(data, "initial", bool, what, False),
                                 self.scalar(data, "final", bool, what, False),
                                 self.scalar(data, "origin", str, what, ""),
                                 section.key_where[name]))
        return tuple(result)

    def _transitions(self, top: LocatedDict) -> tuple[Transition, ...]:
        items = self.sequence(top.get("transitions"), top.at("transitions"), "'transitions'")
        result = []
        for i, raw in enumerate(items or ()):
            where = items.at(i)  # type: ignore[union-attr]
            data = self.mapping(raw, where, f"transition {i + 1}",
                                ("trigger", "from", "to", "actor", "when", "description"),
                                ("trigger", "from", "to", "actor"))
            if data is None or not isinstance(data.get("trigger"), str):
                if data is not None and "trigger" in data:
                    self.problem(data.at("trigger"), f"transition {i + 1} 'trigger' must be a "
                                 f"name, found {describe(data['trigger'])}")
                continue
            trigger = data["trigger"]
            what = f"transition '{trigger}'"
            sources = self._status_refs(data, "from", what)
            dests = self._status_refs(data, "to", what)
            actor = self.scalar(data, "actor", str, what, "marketplace")
            if actor not in Actor.__members__.values():
                self.problem(data.at("actor"), f"{what} has unknown actor '{actor}'",
                             suggestion(actor, Actor) or f"expected one of: {', '.join(Actor)}")
                actor = "marketplace"
            if isinstance(data.get("to"), LocatedList) and len(data["to"]) != 1:
                self.problem(data.at("to"), f"{what} 'to' must name one status, not a list")
                continue
            if not sources or len(dests) != 1:
                continue
            result.append(Transition(trigger, sources, dests[0], Actor(actor),
                                     self._condition(data, "when", what),
                                     self.scalar(data, "description", str, what, ""), where))
        return tuple(result)

    def _status_refs(self, data: LocatedDict, key: str, what: str) -> tuple[str, ...]:
        return tuple(
            name for name, where in self.names(data, key, what)
            if self.reference(name, where, self.status_names, "status", f"{what} '{key}' names an")
        )

    def _actions(self, top: LocatedDict) -> tuple[Action, ...]:
        section = self._section(top, "actions") or LocatedDict()
        result = []
        keys = ("description", "at", "transition", "action_type", "args", "requires")
        for name, raw in section.items():
            what = f"action '{name}'"
            data = self.mapping(raw, section.at(name), what, keys, ("at", "action_type"))
            if data is None:
                continue
            transition = self.scalar(data, "transition", str, what, None)
            if transition is not None and not self.reference(
                transition, data.at("transition"), self.trigger_names, "trigger",
                f"{what} causes an"
            ):
                transition = None
            result.append(Action(name, self._status_refs(data, "at", what), transition,
                                 self.scalar(data, "action_type", str, what, name),
                                 self._args(data, what), self._requirements(data, what),
                                 self.scalar(data, "description", str, what, ""),
                                 section.key_where[name]))
        return tuple(result)

    def _field_ref(self, name: str, where: Location, context: str) -> bool:
        return self.reference(name, where, (f.name for f in self.fields), "field", context)

    def _args(self, data: LocatedDict, what: str) -> tuple[ChannelArg, ...]:
        if "args" not in data:
            return ()
        args = self.mapping(data["args"], data.at("args"), f"the args of {what}")
        result = []
        for arg, raw in (args or {}).items():
            optional = False
            where = args.at(arg)  # type: ignore[union-attr]
            if isinstance(raw, LocatedDict):
                entry = self.mapping(raw, where, f"arg '{arg}' of {what}", ("field", "optional"),
                                     ("field",))
                raw = entry.get("field") if entry else None
                optional = self.scalar(entry, "optional", bool, "the", False) if entry else False
                where = entry.at("field") if entry else where
            if not isinstance(raw, str):
                self.problem(where, f"arg '{arg}' of {what} must name a field, "
                             f"found {describe(raw)}")
            elif self._field_ref(raw, where, f"arg '{arg}' of {what} reads an"):
                result.append(ChannelArg(arg, raw, optional))
        return tuple(result)

    def _requirements(self, data: LocatedDict, what: str) -> tuple[Requirement, ...]:
        if "requires" not in data:
            return ()
        items = self.sequence(data["requires"], data.at("requires"), f"'requires' of {what}")
        result = []
        for i, raw in enumerate(items or ()):
            entry = self.mapping(raw, items.at(i), f"requirement {i + 1} of {what}",  # type: ignore[union-attr]
                                 ("field", "when", "values"), ("field",))
            if entry is None or not isinstance(entry.get("field"), str):
                continue
            name = entry["field"]
            if not self._field_ref(name, entry.at("field"), f"{what} requires an"):
                continue
            result.append(Requirement(name, self._condition(entry, "when", what),
                                      self._texts(entry, "values", f"requirement '{name}'"),
                                      entry.where))
        return tuple(result)

    # -- conditions ----------------------------------------------------------------------------

    def _condition(self, data: LocatedDict, key: str, what: str) -> Condition | None:
        if key not in data:
            return None
        return self._parse_condition(data[key], data.at(key), what)

    def _parse_condition(self, raw: Any, where: Location, what: str) -> Condition | None:
        data = self.mapping(raw, where, f"a condition of {what}")
        if data is None:
            return None
        forms = ("field", "all", "any", "not")
        kind = [k for k in forms if k in data]
        if len(kind) != 1:
            self.problem(where, f"a condition of {what} must have exactly one of "
                         f"{', '.join(forms)}, found {', '.join(data) or 'none'}")
            return None
        if kind[0] == "not":
            self.mapping(data, where, f"a condition of {what}", ("not",))
            inner = self._parse_condition(data["not"], data.at("not"), what)
            return Not(inner) if inner else None
        if kind[0] in ("all", "any"):
            self.mapping(data, where, f"a condition of {what}", (kind[0],))
            items = self.sequence(data[kind[0]], data.at(kind[0]), f"'{kind[0]}' of {what}")
            parts = [self._parse_condition(item, items.at(i), what)  # type: ignore[union-attr]
                     for i, item in enumerate(items or ())]
            if None in parts or not parts:
                return None
            return (AllOf if kind[0] == "all" else AnyOf)(tuple(p for p in parts if p))
        return self._field_condition(data, where, what)

    def _field_condition(self, data: LocatedDict, where: Location, what: str) -> Condition | None:
        self.mapping(data, where, f"a condition of {what}", ("field", "in", "present"))
        name = data["field"]
        if not isinstance(name, str) or not self._field_ref(
            name, data.at("field"), f"a condition of {what} reads an"
        ):
            return None
        if "present" in data:
            return FieldPresent(name, self.scalar(data, "present", bool, "the condition's", True))
        values = self._texts(data, "in", f"the condition on '{name}'")
        if "in" not in data:
            self.problem(where, f"the condition on '{name}' of {what} needs 'in' or 'present'")
            return None
        field = next(f for f in self.fields if f.name == name)
        for i, value in enumerate(values):
            if field.values and value not in field.codes:
                self.problem(data["in"].at(i), f"the condition on '{name}' of {what} names "
                             f"unknown value '{value}'", suggestion(value, field.codes))
        return FieldIn(name, values)

    # -- policies ------------------------------------------------------------------------------

    def _timers(self, top: LocatedDict) -> tuple[Timer, ...]:
        section = self._section(top, "timers") or LocatedDict()
        result = []
        for name, raw in section.items():
            what = f"timer '{name}'"
            data = self.mapping(raw, section.at(name), what, ("status", "after", "fire", "note"),
                                ("status", "after", "fire"))
            if data is None:
                continue
            after = self.duration(data, "after", what)
            status = self._status_refs(data, "status", what)
            fire = self.scalar(data, "fire", str, what, "")
            known = fire and self.reference(fire, data.at("fire"), self.trigger_names, "trigger",
                                            f"{what} fires an")
            if after and len(status) == 1 and known:
                result.append(Timer(name, status[0], after, fire,
                                    self.scalar(data, "note", str, what, ""),
                                    section.key_where[name]))
        return tuple(result)

    def _import_policy(self, top: LocatedDict) -> ImportPolicy | None:
        what = "'import_policy'"
        data = self._section(top, "import_policy")
        if data is None:
            return None
        self.mapping(data, data.where, what,
                     ("flag_field", "arrives_at", "import_by_default", "connectors"),
                     ("flag_field", "arrives_at"))
        flag = self.scalar(data, "flag_field", str, what, "")
        if flag:
            self._field_ref(flag, data.at("flag_field"), f"{what} flags with an")
        arrives = self._status_refs(data, "arrives_at", what)
        connectors = []
        table = self._section(data, "connectors") or LocatedDict()
        for name, support in table.items():
            if support not in ConnectorSupport.__members__.values():
                self.problem(table.at(name), f"connector '{name}' must be 'option' or "
                             f"'not_possible', found {describe(support)}",
                             suggestion(str(support), ConnectorSupport))
                continue
            connectors.append(Connector(name.casefold(), ConnectorSupport(support)))
        return ImportPolicy(flag, arrives[0] if arrives else "",
                            self.scalar(data, "import_by_default", bool, what, False),
                            tuple(connectors), data.where)

    def _schedule(self, top: LocatedDict) -> FetchSchedule:
        what = "'schedule'"
        data = self.mapping(top.get("schedule"), top.at("schedule"), what,
                            ("every", "overlap", "sweep_every", "sweep_lookback"))
        if data is None:
            return FetchSchedule(900, 0, 86400, 432000)
        every, overlap, sweep_every, lookback = (
            self.duration(data, key, what)
            for key in ("every", "overlap", "sweep_every", "sweep_lookback")
        )
        return FetchSchedule(every or 900, overlap or 0, sweep_every or 86400, lookback or 432000,
                             data.where)

    def _mapping(self, top: LocatedDict) -> tuple[tuple[str, str], ...]:
        data = self._section(top, "mapping")
        if data is None:
            return ()
        pairs = []
        for code, status in data.items():
            if isinstance(status, str) and self.reference(
                status, data.at(code), self.status_names, "status", f"code '{code}' maps to an"
            ):
                pairs.append((code, status))
            elif not isinstance(status, str):
                self.problem(data.at(code), f"code '{code}' must map to a status name, "
                             f"found {describe(status)}")
        return tuple(pairs)
