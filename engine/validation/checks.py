"""Semantic checks of a built rule set: the graph and the policies, not the spelling.

Each check is a small function from a `RuleSet` to located problems; `validate` runs them all so
a file's every mistake is reported at once. Names were already checked by the builder, which
leaves out what it could not read. So the checks are in two groups: local checks, true of
whatever was read, always run; whole-graph checks (reachability, dead ends...) run only on a
complete build, since a transition left out for a misspelling would make them report mistakes
that are not there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from engine.model.conditions import exclusive
from engine.model.definition import Actor, FieldType, RuleSet, Transition
from engine.model.problems import Location, Problem

Check = Callable[[RuleSet], Iterator[Problem]]


def _where(rules: RuleSet, where: Location | None) -> Location:
    return where or Location(rules.source, 1, 1)


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _sources(rules: RuleSet, trigger: str) -> tuple[str, ...]:
    """Every status a transition with `trigger` leaves, in file order."""
    found = (s for t in rules.transitions if t.trigger == trigger for s in t.sources)
    return tuple(dict.fromkeys(found))


# -- local checks ------------------------------------------------------------------------------


def check_final_exits(rules: RuleSet) -> Iterator[Problem]:
    for transition in rules.transitions:
        for source in transition.sources:
            if source in rules.final_statuses:
                yield Problem(
                    _where(rules, transition.where),
                    f"transition '{transition.trigger}' leaves final status '{source}'",
                    f"an order never leaves a final status: remove 'final: true' from "
                    f"'{source}', or this transition",
                )


def _ambiguity(rules: RuleSet, first: Transition, later: Transition) -> Problem | None:
    common = [s for s in later.sources if s in first.sources]
    if not common or exclusive(first.when, later.when):
        return None
    line = _where(rules, first.where).line
    plural = "statuses" if len(common) > 1 else "status"
    hint = (
        "give them different triggers, or 'when' conditions that cannot both hold"
        if first.when is None or later.when is None
        else "make their 'when' conditions exclusive, for example one the 'not' of the other"
    )
    return Problem(
        _where(rules, later.where),
        f"transition '{later.trigger}' and the transition '{first.trigger}' at line {line} "
        f"can both fire from {plural} {_quoted(common)}",
        hint,
    )


def check_determinism(rules: RuleSet) -> Iterator[Problem]:
    """Two transitions on one trigger from one status must never both be able to fire."""
    for i, later in enumerate(rules.transitions):
        for first in rules.transitions[:i]:
            if first.trigger == later.trigger:
                problem = _ambiguity(rules, first, later)
                if problem is not None:
                    yield problem


def check_timer_statuses(rules: RuleSet) -> Iterator[Problem]:
    for timer in rules.timers:
        if timer.status in rules.final_statuses:
            yield Problem(
                _where(rules, timer.where),
                f"timer '{timer.name}' waits at final status '{timer.status}', "
                "which an order never leaves",
                f"remove the timer, or remove 'final: true' from '{timer.status}'",
            )


def check_timer_actors(rules: RuleSet) -> Iterator[Problem]:
    """What a timer fires is caused by the timer, so the event log names the right actor."""
    for timer in rules.timers:
        for transition in rules.transitions:
            fired = transition.trigger == timer.fire and timer.status in transition.sources
            if fired and transition.actor is not Actor.TIMER:
                yield Problem(
                    _where(rules, transition.where),
                    f"transition '{transition.trigger}' from status '{timer.status}' is fired "
                    f"by timer '{timer.name}' but its actor is '{transition.actor}'",
                    "set 'actor: timer' on the transition, or make the timer fire another trigger",
                )


def check_action_actors(rules: RuleSet) -> Iterator[Problem]:
    """What a seller action causes is caused by the seller, so the event log names the right
    actor (as `check_timer_actors` for timers)."""
    for action in rules.actions:
        for transition in rules.transitions:
            if transition.trigger != action.transition or transition.actor is Actor.SELLER:
                continue
            for status in (s for s in action.at if s in transition.sources):
                yield Problem(
                    _where(rules, transition.where),
                    f"transition '{transition.trigger}' from status '{status}' is caused by "
                    f"action '{action.name}' but its actor is '{transition.actor}'",
                    "set 'actor: seller' on the transition, or make the action cause another "
                    "trigger",
                )


def check_status_case(rules: RuleSet) -> Iterator[Problem]:
    """Marketplace codes are matched ignoring case, so two statuses must differ by more."""
    seen: dict[str, tuple[str, Location]] = {}
    for status in rules.statuses:
        where = _where(rules, status.where)
        other = seen.setdefault(status.name.casefold(), (status.name, where))
        if other[0] != status.name:
            yield Problem(
                where,
                f"status '{status.name}' differs from status '{other[0]}' (line "
                f"{other[1].line}) only by case",
                "codes are compared ignoring case, so the two would be one: rename or remove one",
            )


# -- whole-graph checks ------------------------------------------------------------------------


def check_initial(rules: RuleSet) -> Iterator[Problem]:
    if rules.statuses and not rules.initial_statuses:
        yield Problem(
            _where(rules, rules.statuses[0].where),
            "no status is marked 'initial: true'",
            "mark the status where new orders start with 'initial: true'",
        )


def _reachable(rules: RuleSet) -> set[str]:
    start = list(rules.initial_statuses)
    if rules.import_policy is not None:
        start.append(rules.import_policy.arrives_at)  # fulfilled orders arrive there directly
    seen = set(start)
    while start:
        status = start.pop()
        for transition in rules.transitions:
            if status in transition.sources and transition.dest not in seen:
                seen.add(transition.dest)
                start.append(transition.dest)
    return seen


def check_reachable(rules: RuleSet) -> Iterator[Problem]:
    if not rules.initial_statuses:
        return  # reported by check_initial; everything would look unreachable
    seen = _reachable(rules)
    initial = _quoted(rules.initial_statuses)
    plural = "statuses" if len(rules.initial_statuses) > 1 else "status"
    for status in rules.statuses:
        if status.name not in seen:
            yield Problem(
                _where(rules, status.where),
                f"status '{status.name}' cannot be reached from the initial {plural} {initial}",
                f"add a transition to '{status.name}', or remove the status",
            )


def check_dead_ends(rules: RuleSet) -> Iterator[Problem]:
    left = {s for t in rules.transitions for s in t.sources}
    for status in rules.statuses:
        if not status.final and status.name not in left:
            yield Problem(
                _where(rules, status.where),
                f"status '{status.name}' is not final but no transition leaves it",
                f"add a transition from '{status.name}', or mark it 'final: true'",
            )


def check_action_statuses(rules: RuleSet) -> Iterator[Problem]:
    """An action that causes a transition is allowed only where that transition can fire."""
    for action in rules.actions:
        if action.transition is None:
            continue  # an action without transition (a refund) changes no status
        sources = _sources(rules, action.transition)
        for status in action.at:
            if status not in sources:
                yield Problem(
                    _where(rules, action.where),
                    f"action '{action.name}' is allowed at status '{status}', where its "
                    f"transition '{action.transition}' cannot fire",
                    f"'{action.transition}' leaves only {_quoted(sources)}: add '{status}' to "
                    "its 'from', or remove it from the action's 'at'",
                )


def check_timer_triggers(rules: RuleSet) -> Iterator[Problem]:
    for timer in rules.timers:
        sources = _sources(rules, timer.fire)
        if timer.status not in sources and timer.status not in rules.final_statuses:
            yield Problem(
                _where(rules, timer.where),
                f"timer '{timer.name}' fires '{timer.fire}' but no transition "
                f"'{timer.fire}' leaves status '{timer.status}'",
                f"'{timer.fire}' leaves only {_quoted(sources)}: add '{timer.status}' to its "
                "'from', or fire another trigger",
            )


def check_import_flag(rules: RuleSet) -> Iterator[Problem]:
    policy = rules.import_policy
    field = rules.field_by_name.get(policy.flag_field) if policy is not None else None
    if policy is not None and field is not None and field.type is not FieldType.BOOL:
        yield Problem(
            _where(rules, policy.where),
            f"the import policy flags orders with field '{field.name}', whose type is "
            f"'{field.type}', not 'bool'",
            f"make '{field.name}' 'type: bool', or flag with a bool field",
        )


LOCAL_CHECKS: tuple[Check, ...] = (
    check_final_exits,
    check_determinism,
    check_timer_statuses,
    check_timer_actors,
    check_action_actors,
    check_status_case,
)
WHOLE_CHECKS: tuple[Check, ...] = (
    check_initial,
    check_reachable,
    check_dead_ends,
    check_action_statuses,
    check_timer_triggers,
    check_import_flag,
)


def validate(rules: RuleSet, complete: bool = True) -> list[Problem]:
    """Every semantic problem of `rules`; `complete=False` runs only the local checks."""
    checks = LOCAL_CHECKS + WHOLE_CHECKS if complete else LOCAL_CHECKS
    return [problem for check in checks for problem in check(rules)]
