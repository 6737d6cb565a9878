"""Reading a rule file's `properties:` section: what the file promises about every order.

Each entry is named and holds one of `always`, `never` or `eventually` (see
`engine.model.properties`). Every status, stage, trigger, action and actor a property names is
checked against the file (with a did-you-mean), its conditions with the condition reader, and a
property that would pick out every step is refused: it says nothing a rule author meant. A
property with any problem is left out (its problems are kept).
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.model.definition import STAGES, Actor
from engine.model.problems import Location
from engine.model.properties import PATTERN_KEYS, Property, PropertyKind, StepPattern
from engine.rulefile.condition_reader import ConditionReader
from engine.rulefile.reader import Reader
from engine.rulefile.yaml_source import LocatedDict

KINDS = tuple(kind.value for kind in PropertyKind)
PROPERTY_KEYS = ("description", *KINDS)
# The keys each kind takes besides the pattern's.
EXTRA_KEYS = {
    PropertyKind.ALWAYS: ("then",),
    PropertyKind.NEVER: (),
    PropertyKind.EVENTUALLY: ("within", "after"),
}
EXAMPLE = "always: {enters: Shipped, then: {field: carrier, present: true}}"


class PropertyReader:
    """Reads the `properties` section of one rule file, whose names are already known."""

    def __init__(
        self,
        reader: Reader,
        conditions: ConditionReader,
        statuses: Iterable[str],
        triggers: Iterable[str],
        actions: Iterable[str],
    ) -> None:
        self.reader = reader
        self.conditions = conditions
        self.known = {
            "status": tuple(statuses),
            "stage": STAGES,
            "trigger": tuple(triggers),
            "action": tuple(actions),
            "actor": tuple(a.value for a in Actor),
        }

    def properties(self, top: LocatedDict) -> tuple[Property, ...]:
        if top.get("properties") is None:
            return ()
        section = self.reader.mapping(top["properties"], top.key_at("properties"), "'properties'")
        if section is None:
            return ()
        built = (self._property(section, name) for name in section)
        return tuple(p for p in built if p is not None)

    def _property(self, section: LocatedDict, name: str) -> Property | None:
        what = f"property '{name}'"
        before = len(self.reader.problems)
        where = section.key_at(name)
        data = self.reader.mapping(section[name], where, what, PROPERTY_KEYS)
        if data is None:
            return None
        kinds = [k for k in KINDS if k in data]
        if len(kinds) != 1:
            found = " and ".join(f"'{k}'" for k in kinds) if kinds else "none of them"
            self.reader.problem(
                where,
                f"{what} must hold one of 'always', 'never' or 'eventually', found {found}",
                f"for example {EXAMPLE}",
            )
            return None
        kind = PropertyKind(kinds[0])
        description = self.reader.scalar(data, "description", str, what, "")
        built = self._body(data, kind, f"'{kind}' of {what}", name, description, where)
        return built if len(self.reader.problems) == before else None

    def _body(
        self,
        data: LocatedDict,
        kind: PropertyKind,
        what: str,
        name: str,
        description: str,
        where: Location,
    ) -> Property | None:
        body = self.reader.mapping(
            data[kind], data.at(kind), what, (*PATTERN_KEYS, *EXTRA_KEYS[kind])
        )
        if body is None:
            return None
        pattern = self._pattern(body, data.at(kind), what)
        then = within = after = None
        if kind is PropertyKind.ALWAYS:
            then = self.conditions.read(body, "then", what)
            if "then" not in body:
                self.reader.problem(
                    data.at(kind),
                    f"{what} is missing the key 'then'",
                    "say what must hold on those steps, e.g. {field: carrier, present: true}",
                )
        if kind is PropertyKind.EVENTUALLY:
            within = self.reader.duration(body, "within", what)
            if "after" in body:
                inner = self.reader.mapping(
                    body["after"], body.at("after"), f"'after' of {what}", PATTERN_KEYS
                )
                after = (
                    self._pattern(inner, body.at("after"), f"'after' of {what}")
                    if inner is not None
                    else None
                )
        if pattern is None:
            return None
        return Property(name, kind, pattern, then, within, after, description, where)

    def _pattern(self, body: LocatedDict, where: Location, what: str) -> StepPattern | None:
        names = {
            key: self._names(body, key, kind, what)
            for key, kind in (
                ("enters", "status"),
                ("leaves", "status"),
                ("enters_stage", "stage"),
                ("leaves_stage", "stage"),
                ("trigger", "trigger"),
                ("action", "action"),
                ("by", "actor"),
            )
        }
        when = self.conditions.read(body, "when", what)
        if not any(key in body for key in PATTERN_KEYS):
            keys = ", ".join(f"'{k}'" for k in PATTERN_KEYS)
            self.reader.problem(
                where,
                f"{what} picks out every step: it needs one of {keys}",
                "name the statuses, stages, triggers, actions or actors it is about",
            )
            return None
        return StepPattern(**names, when=when)

    def _names(self, body: LocatedDict, key: str, kind: str, what: str) -> tuple[str, ...]:
        found = self.reader.names(body, key, what)
        known = self.known[kind]
        context = f"'{key}' of {what} names"
        hint = f"the {kind}s are {', '.join(known)}" if kind in ("stage", "actor") else ""
        return tuple(
            dict.fromkeys(
                name
                for name, at in found
                if self.reader.reference(name, at, known, kind, context, hint)
            )
        )


def read_properties(
    reader: Reader,
    top: LocatedDict,
    conditions: ConditionReader,
    statuses: Iterable[str],
    triggers: Iterable[str],
) -> tuple[Property, ...]:
    """The `properties` section of `top`; every problem is kept on `reader`. Actions are named
    as written, even one with a problem of its own (reported there)."""
    written = top.get("actions")
    actions = tuple(written) if isinstance(written, dict) else ()
    return PropertyReader(reader, conditions, statuses, triggers, actions).properties(top)
