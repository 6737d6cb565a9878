"""Hypothesis strategies for rule sets that are valid by construction.

Statuses form a chain from one initial status, every final status is entered from the chain and
every non-final status has a way out; triggers are unique except for pairs guarded by exclusive
conditions; every seller transition has an action at its sources and every timer transition a
timer on each source. Names mix plain identifiers with texts YAML likes to misread (`on`, `1.5`,
`null`) or must quote (`a: b`, `#x`), so the round trip through YAML is really exercised.
"""

from __future__ import annotations

import itertools
import string

from hypothesis import strategies as st

from engine.model.conditions import AllOf, AnyOf, Condition, FieldIn, FieldPresent, Not
from engine.model.definition import (
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
    Marketplace,
    OrderField,
    Requirement,
    RuleSet,
    Status,
    Timer,
    Transition,
)

TRICKY = ("on", "no", "yes", "off", "null", "true", "1", "1.5", "010", "1e5", "2026.11",
          "#x", "a: b", "- x", "[x]", 'Ready; "go"', "Écrit", "x y", "~", "*star")  # fmt: skip
IDENT = st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=10)
PROSE = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=30)
SECONDS = st.integers(min_value=1, max_value=10**7)
Draw = st.DrawFn


def names(count: int) -> st.SearchStrategy[list[str]]:
    """`count` distinct names (distinct even without case: status codes ignore case)."""
    one = st.one_of(st.sampled_from(TRICKY), IDENT)
    return st.lists(one, min_size=count, max_size=count, unique_by=str.casefold)


def _path(draw: Draw) -> str:
    steps = draw(
        st.lists(
            st.from_regex(r"[a-z][a-z_]{0,7}(\[[0-9]\])?", fullmatch=True), min_size=1, max_size=3
        )
    )
    return ".".join(steps)


@st.composite
def _field(draw: Draw, name: str) -> OrderField:
    kind = draw(st.sampled_from(list(FieldType)))
    values: tuple[FieldValue, ...] = ()
    if kind is FieldType.ENUM:
        count = draw(st.integers(1, 4))
        spellings = draw(names(count * 3))
        values = tuple(
            FieldValue(
                spellings[i],
                spellings[count + i] if draw(st.booleans()) else "",
                (spellings[2 * count + i],) if draw(st.booleans()) else (),
            )
            for i in range(count)
        )
    paths = tuple(_path(draw) for _ in range(draw(st.integers(0, 2))))
    return OrderField(name, kind, draw(PROSE), values, paths)


def _choices(field: OrderField) -> st.SearchStrategy[tuple[str, ...]]:
    pool: st.SearchStrategy[str]
    if field.values:
        pool = st.sampled_from(field.codes)
    elif field.type is FieldType.BOOL:
        pool = st.sampled_from(("true", "false"))
    else:
        pool = st.one_of(st.sampled_from(TRICKY), IDENT)
    return st.lists(pool, min_size=1, max_size=3, unique=True).map(tuple)


def conditions(fields: tuple[OrderField, ...]) -> st.SearchStrategy[Condition]:
    """Conditions of every form over `fields`, nested a little."""
    pick = st.sampled_from(fields)
    leaves = st.one_of(
        pick.flatmap(lambda f: _choices(f).map(lambda values: FieldIn(f.name, values))),
        st.builds(FieldPresent, pick.map(lambda f: f.name), st.booleans()),
    )

    def nest(inner: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        group = st.lists(inner, min_size=1, max_size=3).map(tuple)
        return st.one_of(st.builds(AllOf, group), st.builds(AnyOf, group), st.builds(Not, inner))

    return st.recursive(leaves, nest, max_leaves=4)


def _optional_condition(draw: Draw, fields: tuple[OrderField, ...]) -> Condition | None:
    if not fields or not draw(st.booleans()):
        return None
    return draw(conditions(fields))


@st.composite
def _statuses(draw: Draw) -> tuple[Status, ...]:
    live, final = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    return tuple(
        Status(
            name,
            draw(st.sampled_from(STAGES)),
            draw(PROSE),
            i == 0,
            i >= live,
            draw(st.sampled_from(("", "api"))),
        )
        for i, name in enumerate(draw(names(live + final)))
    )


def _edges(draw: Draw, live: list[str], final: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """(sources, destination) pairs: the chain, a way out of its end, a way into each final."""
    edges: list[tuple[tuple[str, ...], str]] = [((a,), b) for a, b in itertools.pairwise(live)]
    edges.append(((live[-1],), draw(st.sampled_from(final))))
    for dest in final:
        sources = draw(st.lists(st.sampled_from(live), min_size=1, max_size=3, unique=True))
        edges.append((tuple(sources), dest))
    everywhere = live + final
    for _ in range(draw(st.integers(0, 3))):
        source, dest = draw(st.sampled_from(live)), draw(st.sampled_from(everywhere))
        if source != dest:
            edges.append(((source,), dest))
    return edges


def _guarded_pair(
    draw: Draw, fields: tuple[OrderField, ...], live: list[str], everywhere: list[str]
) -> list[tuple[tuple[str, ...], str, Condition | None]]:
    """Two transitions on one trigger and source whose conditions cannot both hold."""
    enums = [f for f in fields if len(f.values) >= 2]
    if not enums or not draw(st.booleans()):
        return []
    field = draw(st.sampled_from(enums))
    cut = draw(st.integers(1, len(field.codes) - 1))
    yes = FieldIn(field.name, field.codes[:cut])
    opposites: list[Condition] = [FieldIn(field.name, field.codes[cut:]), Not(yes)]
    no = draw(st.sampled_from(opposites))
    source = draw(st.sampled_from(live))
    dests = [s for s in everywhere if s != source]
    return [
        ((source,), draw(st.sampled_from(dests)), yes),
        ((source,), draw(st.sampled_from(dests)), no),
    ]


@st.composite
def _transitions(
    draw: Draw, fields: tuple[OrderField, ...], statuses: tuple[Status, ...]
) -> tuple[Transition, ...]:
    live = [s.name for s in statuses if not s.final]
    final = [s.name for s in statuses if s.final]
    plain = [(sources, dest, None) for sources, dest in _edges(draw, live, final)]
    pair = _guarded_pair(draw, fields, live, live + final)
    triggers = draw(names(len(plain) + 1))
    actors = st.sampled_from(list(Actor))
    result = [
        Transition(triggers[i], sources, dest, draw(actors), None, draw(PROSE))
        for i, (sources, dest, _) in enumerate(plain)
    ]
    actor = draw(actors)
    result += [
        Transition(triggers[-1], sources, dest, actor, when, draw(PROSE))
        for sources, dest, when in pair
    ]
    return tuple(draw(st.permutations(result)))


def _requirements(draw: Draw, fields: tuple[OrderField, ...]) -> tuple[Requirement, ...]:
    if not fields:
        return ()
    result = []
    for field in draw(st.lists(st.sampled_from(fields), max_size=3, unique_by=lambda f: f.name)):
        values = draw(_choices(field)) if draw(st.booleans()) else ()
        result.append(Requirement(field.name, _optional_condition(draw, fields), values))
    return tuple(result)


def _args(draw: Draw, fields: tuple[OrderField, ...]) -> tuple[ChannelArg, ...]:
    if not fields:
        return ()
    arg_names = draw(st.lists(st.one_of(st.sampled_from(TRICKY), IDENT), max_size=3, unique=True))
    picks = st.sampled_from(fields).map(lambda f: f.name)
    return tuple(ChannelArg(name, draw(picks), draw(st.booleans())) for name in arg_names)


@st.composite
def _actions(
    draw: Draw,
    fields: tuple[OrderField, ...],
    transitions: tuple[Transition, ...],
    declared: tuple[str, ...] = (),
) -> tuple[Action, ...]:
    places: dict[str, dict[str, None]] = {}
    for t in transitions:
        if t.actor is Actor.SELLER:
            places.setdefault(t.trigger, {}).update(dict.fromkeys(t.sources))
    loose = draw(st.booleans())
    action_names = draw(names(len(places) + 1))
    kinds = st.sampled_from(("accept", "refuse", "ship", "cancel", "refund", *declared))
    plan: list[tuple[tuple[str, ...], str | None]] = [
        (tuple(at), trigger) for trigger, at in places.items()
    ]
    if loose:  # an action that changes no status, like a refund at a final status
        statuses = sorted({s for t in transitions for s in (*t.sources, t.dest)})
        plan.append(
            (
                tuple(
                    draw(st.lists(st.sampled_from(statuses), min_size=1, max_size=2, unique=True))
                ),
                None,
            )
        )
    return tuple(
        Action(
            name,
            at,
            trigger,
            draw(kinds),
            _args(draw, fields),
            _requirements(draw, fields),
            draw(PROSE),
        )
        for name, (at, trigger) in zip(action_names, plan, strict=False)
    )


def _timers(draw: Draw, transitions: tuple[Transition, ...]) -> tuple[Timer, ...]:
    timed = [(s, t.trigger) for t in transitions if t.actor is Actor.TIMER for s in t.sources]
    timed = list(dict.fromkeys(timed))
    timer_names = draw(names(len(timed)))
    return tuple(
        Timer(name, status, draw(SECONDS), trigger, draw(PROSE))
        for name, (status, trigger) in zip(timer_names, timed, strict=True)
    )


def _import_policy(
    draw: Draw, fields: tuple[OrderField, ...], statuses: tuple[Status, ...]
) -> ImportPolicy | None:
    flags = [f.name for f in fields if f.type is FieldType.BOOL]
    if not flags or not draw(st.booleans()):
        return None
    connector_names = draw(
        st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=8), max_size=3, unique=True)
    )
    return ImportPolicy(
        draw(st.sampled_from(flags)),
        draw(st.sampled_from([s.name for s in statuses])),
        draw(st.booleans()),
        tuple(Connector(n, draw(st.sampled_from(list(ConnectorSupport)))) for n in connector_names),
    )


def _mapping(draw: Draw, statuses: tuple[Status, ...]) -> tuple[tuple[str, str], ...]:
    taken = {s.name.casefold() for s in statuses}
    codes = draw(
        st.lists(st.one_of(st.sampled_from(TRICKY), IDENT), max_size=3, unique_by=str.casefold)
    )
    targets = st.sampled_from([s.name for s in statuses])
    return tuple((code, draw(targets)) for code in codes if code.casefold() not in taken)


@st.composite
def rule_sets(draw: Draw) -> RuleSet:
    """A rule set that loads and validates clean, built directly as a value."""
    field_names = draw(names(draw(st.integers(0, 4))))
    fields = tuple(draw(_field(name)) for name in field_names)
    statuses = draw(_statuses())
    transitions = draw(_transitions(fields, statuses))
    # Action types of the marketplace's own, besides the channel's.
    declared = tuple(draw(st.lists(IDENT, max_size=2, unique=True)))
    market = Marketplace(
        draw(IDENT),
        draw(PROSE.filter(bool)),
        draw(st.one_of(PROSE, st.sampled_from(TRICKY))),
        declared,
    )
    return RuleSet(
        format=1,
        marketplace=market,
        fields=fields,
        statuses=statuses,
        transitions=transitions,
        actions=draw(_actions(fields, transitions, declared)),
        timers=_timers(draw, transitions),
        import_policy=_import_policy(draw, fields, statuses),
        schedule=FetchSchedule(draw(SECONDS), draw(SECONDS), draw(SECONDS), draw(SECONDS)),
        mapping=_mapping(draw, statuses),
        source="generated.yaml",
    )
