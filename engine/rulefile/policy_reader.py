"""Reading a rule file's policies: timers, the import policy, the fetch schedule, the mappings.

These sections refer to statuses, triggers and fields declared elsewhere in the file, so they
are read once those names are known. A policy entry with any problem is left out of the rule
set (its problems are kept): a half-read timer or import policy is worse than none.
"""

from __future__ import annotations

from engine.model.definition import (
    Connector,
    ConnectorSupport,
    FetchSchedule,
    ImportPolicy,
    OrderField,
    Timer,
)
from engine.model.lines import LineState
from engine.model.problems import Location
from engine.rulefile.reader import Reader, describe, suggestion
from engine.rulefile.yaml_source import LocatedDict

DEFAULT_SCHEDULE = FetchSchedule(900, 0, 86400, 5 * 86400)
DECLARE_STATUS = "declare it under 'statuses'"
NAME_TRIGGER = "name the trigger of a transition"


class PolicyReader:
    """Reads the policy sections of one rule file, whose names are already known."""

    def __init__(
        self,
        reader: Reader,
        statuses: tuple[str, ...],
        triggers: tuple[str, ...],
        fields: tuple[OrderField, ...],
    ) -> None:
        self.reader = reader
        self.statuses = statuses
        self.triggers = triggers
        self.fields = fields

    def _section(self, top: LocatedDict, key: str) -> LocatedDict | None:
        if top.get(key) is None:
            return None
        return self.reader.mapping(top[key], top.key_at(key), f"'{key}'")

    def _status(self, data: LocatedDict, key: str, what: str, context: str) -> str | None:
        found = self.reader.name(data, key, what)
        if found is None:
            return None
        name, where = found
        known = self.reader.reference(name, where, self.statuses, "status", context, DECLARE_STATUS)
        return name if known else None

    def timers(self, top: LocatedDict) -> tuple[Timer, ...]:
        section = self._section(top, "timers")
        if section is None:
            return ()
        timers = (self._timer(section, name) for name in section)
        return tuple(t for t in timers if t is not None)

    def _timer(self, section: LocatedDict, name: str) -> Timer | None:
        what = f"timer '{name}'"
        before = len(self.reader.problems)
        keys = ("status", "after", "fire", "note")
        data = self.reader.mapping(section[name], section.key_at(name), what, keys, keys[:3])
        if data is None:
            return None
        status = self._status(data, "status", what, f"{what} waits at")
        after = self.reader.duration(data, "after", what) if "after" in data else None
        fire = self.reader.scalar(data, "fire", str, what, None)
        if fire is not None:
            self.reader.reference(
                fire, data.at("fire"), self.triggers, "trigger", f"{what} fires", NAME_TRIGGER
            )
        note = self.reader.scalar(data, "note", str, what, "")
        if len(self.reader.problems) != before or status is None or not after or not fire:
            return None
        return Timer(name, status, after, fire, note, section.key_at(name))

    def import_policy(self, top: LocatedDict) -> ImportPolicy | None:
        what = "the import policy"
        data = self._section(top, "import_policy")
        if data is None:
            return None
        before = len(self.reader.problems)
        keys = ("flag_field", "arrives_at", "import_by_default", "connectors")
        self.reader.mapping(data, top.key_at("import_policy"), what, keys, keys[:2])
        flag = self.reader.scalar(data, "flag_field", str, what, "")
        if flag:
            self.reader.reference(
                flag,
                data.at("flag_field"),
                (f.name for f in self.fields),
                "field",
                f"{what}'s 'flag_field' names",
                "declare it under 'fields'",
            )
        arrives = self._status(data, "arrives_at", what, f"{what}'s 'arrives_at' names")
        default = self.reader.scalar(data, "import_by_default", bool, what, False)
        connectors = self._connectors(data)
        if len(self.reader.problems) != before or not flag or arrives is None:
            return None
        return ImportPolicy(flag, arrives, default, connectors, top.key_at("import_policy"))

    def _connectors(self, policy: LocatedDict) -> tuple[Connector, ...]:
        table = self._section(policy, "connectors") or LocatedDict.empty(policy.where)
        result: dict[str, Connector] = {}
        choices = tuple(ConnectorSupport)
        for name, support in table.items():
            if name.casefold() in result:
                message = f"connector '{name}' is listed twice (names are compared ignoring case)"
                self.reader.problem(table.key_at(name), message)
            elif not isinstance(support, str) or support not in choices:
                self.reader.problem(
                    table.at(name),
                    f"connector '{name}' must be 'option' or 'not_possible', "
                    f"found {describe(support)}",
                    suggestion(str(support), choices),
                )
            else:
                result[name.casefold()] = Connector(name.casefold(), ConnectorSupport(support))
        return tuple(result.values())

    def schedule(self, top: LocatedDict) -> FetchSchedule:
        what = "the schedule"
        if "schedule" not in top:
            return DEFAULT_SCHEDULE  # the missing key is reported with the file's other keys
        keys = ("every", "overlap", "sweep_every", "sweep_lookback")
        data = self.reader.mapping(top["schedule"], top.key_at("schedule"), what, keys)
        if data is None:
            return DEFAULT_SCHEDULE
        every, sweep_every, lookback = (
            self.reader.duration(data, key, what)
            for key in ("every", "sweep_every", "sweep_lookback")
        )
        overlap = (
            self.reader.duration(data, "overlap", what, allow_zero=True)
            if ("overlap" in data)
            else 0
        )
        return FetchSchedule(
            every or DEFAULT_SCHEDULE.every_seconds,
            overlap or 0,
            sweep_every or DEFAULT_SCHEDULE.sweep_every_seconds,
            lookback or DEFAULT_SCHEDULE.sweep_lookback_seconds,
            top.key_at("schedule"),
        )

    def mapping(self, top: LocatedDict) -> tuple[tuple[str, str], ...]:
        """Marketplace code -> status; codes are compared ignoring case, so they must agree."""
        data = self._section(top, "mapping")
        if data is None:
            return ()
        seen: dict[str, tuple[str, str, Location | None]] = {
            name.casefold(): (name, name, None) for name in self.statuses
        }
        pairs = []
        for code, status in data.items():
            if not isinstance(status, str):
                self.reader.problem(
                    data.at(code),
                    f"code '{code}' must map to a status name, found {describe(status)}",
                )
                continue
            context = f"code '{code}' maps to"
            if not self.reader.reference(
                status, data.at(code), self.statuses, "status", context, DECLARE_STATUS
            ):
                continue
            if self._collides(code, status, seen.get(code.casefold()), data.key_at(code)):
                continue
            seen[code.casefold()] = (code, status, data.key_at(code))
            pairs.append((code, status))
        return tuple(pairs)

    def line_statuses(self, top: LocatedDict) -> tuple[tuple[str, LineState], ...]:
        """`lines.statuses`: a cart line's marketplace code -> the state it stands for."""
        data = self._section(top, "lines")
        if data is None:
            return ()
        data = self.reader.mapping(data, top.key_at("lines"), "'lines'", ("statuses",), ())
        if data is None or data.get("statuses") is None:
            return ()
        codes = self.reader.mapping(data["statuses"], data.key_at("statuses"), "'lines.statuses'")
        if codes is None:
            return ()
        states = tuple(s.value for s in LineState if s is not LineState.UNKNOWN)
        pairs = []
        for code, state in codes.items():
            if not isinstance(state, str) or state not in states:
                close = suggestion(state, states) if isinstance(state, str) else ""
                self.reader.problem(
                    codes.at(code),
                    f"line code '{code}' must map to a line state, found {describe(state)}",
                    close or f"the line states are {', '.join(states)}",
                )
                continue
            pairs.append((code, LineState(state)))
        return tuple(pairs)

    def _collides(
        self,
        code: str,
        status: str,
        other: tuple[str, str, Location | None] | None,
        where: Location,
    ) -> bool:
        if other is None or other[1] == status:
            return False
        other_code, other_status, other_where = other
        if other_where is None:
            message = (
                f"code '{code}' is the status '{other_code}' ignoring case, but maps to '{status}'"
            )
            hint = "a status name is already a code of itself: remove this line or rename the code"
        else:
            message = (
                f"code '{code}' maps to '{status}' but code '{other_code}' (line "
                f"{other_where.line}) maps to '{other_status}': codes are compared ignoring case"
            )
            hint = "map both spellings to one status"
        self.reader.problem(where, message, hint)
        return True
