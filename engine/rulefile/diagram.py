"""A rule set drawn as a state diagram: Mermaid (stateDiagram-v2) and Graphviz DOT text.

People review rules by looking at them. Each status is a node (its stage underneath; the initial
ones entered from a start point, the final ones marked), each transition an edge per source
labelled with its trigger, its actor, its condition, the fields the seller action behind it needs
and the delay of the timer that fires it. The analyst app passes counts and median times per
edge, measured on the event log, to draw the flow as it really runs (in DOT the busiest edges are
the thickest, so the main flow shows at a glance). Names are arbitrary text in a rule file, so
nodes get generated ids and every label is escaped for its format.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from engine.model.definition import Action, RuleSet, Transition

EdgeKey = tuple[str, str, str]
"""(source status, destination status, trigger): how the event log names an edge."""
DeviationKey = tuple[str | None, str]
"""(source status or None for a new order, reported status): a move no rule explains."""
# Observed deviations: dashed red edges (and nodes, for a status the rule file does not declare).
_DEVIATION_STYLE = 'style=dashed, color="#d62728", fontcolor="#d62728"'
# One order's path (a counterexample of `orderflow check`): bold blue edges.
_PATH_STYLE = 'penwidth=3, color="#1f77b4", fontcolor="#1f77b4"'

# Mermaid reads `#name;` entity codes in any text; `#` and `;` would otherwise end a label.
_MERMAID_ESCAPES = {
    "#": "#35;",
    ";": "#59;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "%": "#37;",
    "\n": " ",
    "\r": " ",
}
_DOT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": ""}
_SPANS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
# DOT edge widths with stats: the busiest edge six times as thick as an unused one, so the main
# flow stands out at a glance while a rare edge stays visible.
_THINNEST, _THICKEST = 1.0, 6.0


@dataclass(frozen=True)
class EdgeStats:
    """What the event log says about one edge: how many orders took it, and how long after
    entering the source status (median), when known."""

    count: int
    median_seconds: float | None = None


@dataclass(frozen=True)
class Edge:
    source: str
    dest: str
    trigger: str
    parts: tuple[str, ...]
    count: int | None = None  # orders that took it, when stats were given for it


def span(seconds: float) -> str:
    """A duration for people: `45s`, `12m`, `3h 20m`, `2d 4h` (two units at most)."""
    rest = max(0, round(seconds))
    units: list[str] = []
    for unit, size in _SPANS:
        if rest >= size or (unit == "s" and not units):
            units.append(f"{rest // size}{unit}")
            rest %= size
        if len(units) == 2 or (units and rest == 0):
            break
    return " ".join(units)


def _requirements(actions: list[Action]) -> Iterator[str]:
    groups: dict[str, list[str]] = {}
    for action in actions:
        for requirement in action.requires:
            condition = "" if requirement.when is None else f" if {requirement.when}"
            groups.setdefault(condition, []).append(requirement.field)
    for condition, names in groups.items():
        yield f"needs {', '.join(dict.fromkeys(names))}{condition}"


def _parts(rules: RuleSet, transition: Transition, source: str) -> Iterator[str]:
    yield f"{transition.trigger} ({transition.actor})"
    if transition.when is not None:
        yield f"when {transition.when}"
    causes = [a for a in rules.actions if a.transition == transition.trigger and source in a.at]
    yield from _requirements(causes)
    for timer in rules.timers_by_status.get(source, ()):
        if timer.fire == transition.trigger:
            yield f"after {span(timer.after_seconds)}"


def _stats_part(stats: EdgeStats) -> str:
    text = f"{stats.count} order{'' if stats.count == 1 else 's'}"
    if stats.median_seconds is not None:
        text += f", median {span(stats.median_seconds)}"
    return text


def edges(rules: RuleSet, stats: Mapping[EdgeKey, EdgeStats] | None = None) -> tuple[Edge, ...]:
    """One edge per transition and source, in file order, with its label parts."""
    result = []
    for transition in rules.transitions:
        for source in transition.sources:
            parts = list(_parts(rules, transition, source))
            found = (stats or {}).get((source, transition.dest, transition.trigger))
            if found is not None:
                parts.append(_stats_part(found))
            count = found.count if found is not None else None
            result.append(Edge(source, transition.dest, transition.trigger, tuple(parts), count))
    return tuple(result)


def fulfilled_entry(rules: RuleSet) -> tuple[str, str] | None:
    """Where orders fulfilled by the marketplace arrive (when not an initial status) and why."""
    policy = rules.import_policy
    if policy is None or not policy.arrives_at or policy.arrives_at in rules.initial_statuses:
        return None
    return policy.arrives_at, f"arrives fulfilled by the marketplace ({policy.flag_field})"


def _escape(text: str, table: Mapping[str, str]) -> str:
    return "".join(table.get(char, char) for char in text)


def _ids(rules: RuleSet) -> dict[str, str]:
    return {status.name: f"s{i}" for i, status in enumerate(rules.statuses)}


def mermaid(rules: RuleSet, stats: Mapping[EdgeKey, EdgeStats] | None = None) -> str:
    """The rule set as a Mermaid stateDiagram-v2."""
    ids = _ids(rules)
    market = rules.marketplace
    lines = [
        "stateDiagram-v2",
        f"    %% {_escape(market.name, _MERMAID_ESCAPES)}, rules {market.rules_version}",
    ]
    for status in rules.statuses:
        lines.append(f'    state "{_escape(status.name, _MERMAID_ESCAPES)}" as {ids[status.name]}')
        lines.append(f"    {ids[status.name]} : {_escape(status.stage, _MERMAID_ESCAPES)}")
    lines.extend(f"    [*] --> {ids[name]}" for name in rules.initial_statuses)
    entry = fulfilled_entry(rules)
    if entry is not None:
        lines.append(f"    [*] --> {ids[entry[0]]} : {_escape(entry[1], _MERMAID_ESCAPES)}")
    for edge in edges(rules, stats):
        label = _escape(" · ".join(edge.parts), _MERMAID_ESCAPES)
        lines.append(f"    {ids[edge.source]} --> {ids[edge.dest]} : {label}")
    lines.extend(f"    {ids[s.name]} --> [*]" for s in rules.statuses if s.final)
    return "\n".join(lines) + "\n"


def quoted(text: str) -> str:
    """`text` as a DOT string, quoted and escaped (any drawing in DOT writes its labels so)."""
    return f'"{_escape(text, _DOT_ESCAPES)}"'


def _pen(count: int | None, busiest: int) -> str:
    """The edge's width attribute, in proportion to the busiest edge; none without counts."""
    if count is None or busiest <= 0:
        return ""
    return f", penwidth={_THINNEST + (_THICKEST - _THINNEST) * count / busiest:.1f}"


def dot(
    rules: RuleSet,
    stats: Mapping[EdgeKey, EdgeStats] | None = None,
    deviations: Mapping[DeviationKey, int] | None = None,
    path: Mapping[EdgeKey, str] | None = None,
) -> str:
    """The rule set as a Graphviz digraph; final statuses have a double border, and with
    `stats` each edge is as thick as its share of the busiest edge's orders. `deviations`
    (observed moves no rule explains, with how many) are drawn as dashed red edges labelled with
    their count, to a dashed red node for a status the rule file does not declare. `path` (an
    order's edges, each with a note such as its step numbers) is drawn bold in blue."""
    ids = _ids(rules)
    market = rules.marketplace
    lines = [
        f"digraph {quoted(market.code)} {{",
        f"  label={quoted(f'{market.name}, rules {market.rules_version}')};",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        '  start [shape=point, label=""];',
    ]
    for status in rules.statuses:
        final = ", peripheries=2" if status.final else ""
        label = quoted(f"{status.name}\n{status.stage}")
        lines.append(f"  {ids[status.name]} [label={label}{final}];")
    lines.extend(f"  start -> {ids[name]};" for name in rules.initial_statuses)
    entry = fulfilled_entry(rules)
    if entry is not None:
        lines.append(f"  start -> {ids[entry[0]]} [label={quoted(entry[1])}, style=dashed];")
    drawn = edges(rules, stats)
    busiest = max((edge.count or 0 for edge in drawn), default=0)
    for edge in drawn:
        note = (path or {}).get((edge.source, edge.dest, edge.trigger))
        label = quoted("\n".join((*edge.parts, note) if note else edge.parts))
        pen = f", {_PATH_STYLE}" if note else _pen(edge.count, busiest)
        lines.append(f"  {ids[edge.source]} -> {ids[edge.dest]} [label={label}{pen}];")
    lines.extend(_deviation_lines(ids, deviations or {}))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _deviation_lines(
    ids: Mapping[str, str], deviations: Mapping[DeviationKey, int]
) -> Iterator[str]:
    extra: dict[str, str] = {}

    def node(name: str | None) -> str:
        if name is None:
            return "start"
        if name in ids:
            return ids[name]
        return extra.setdefault(name, f"u{len(extra)}")

    drawn = [(node(source), node(dest), count) for (source, dest), count in deviations.items()]
    for name, ident in extra.items():
        label = quoted(name + "\nnot in the rules")
        yield f"  {ident} [label={label}, {_DEVIATION_STYLE}];"
    for source, dest, count in drawn:
        label = quoted(f"{count} deviation{'' if count == 1 else 's'}")
        yield f"  {source} -> {dest} [label={label}, {_DEVIATION_STYLE}];"


FORMATS = {"mermaid": mermaid, "dot": dot}
"""The diagram formats by name, for the command line and the app."""
