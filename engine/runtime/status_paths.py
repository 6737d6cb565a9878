"""Shortest legal paths between statuses, for observations that skipped statuses.

A poll may see an order at `A` and next at `C`; if the rules lead from `A` to `C` through `B`,
the engine applies that path and marks `B` inferred. Which transitions exist depends on the
order's fields (a guard such as "delivery mode is click and collect"), so paths are searched on
the edges the machine would take for those fields: for each trigger, the first step whose guard
holds, exactly as the machine picks it. Final statuses have no exits: they never change.

Fields only matter through the truth of the table's guards, so searches are cached per
*signature* (one bit per distinct guard that holds, and above them one bit per guard whose truth
is unknown); a breadth-first tree per (source, signature) is built once and serves every order
with the same signature.

A guard of unknown truth (it reads a value its enum field does not list) may have held: a path
may go through it, or on past it to the trigger's next transition, and the reported status
decides which way the order went. An order with no such value has the signature it always had.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from engine.model.conditions import Condition, Truth
from engine.runtime.machine import TransitionTable


@dataclass(frozen=True, slots=True)
class Move:
    """One transition on a path."""

    trigger: str
    source: str
    dest: str
    actor: str


Path = tuple[Move, ...]


class PathFinder:
    """Shortest legal paths on a transition table; ties go to the earlier trigger."""

    def __init__(self, table: TransitionTable, finals: frozenset[str]) -> None:
        self.table = table
        self.finals = finals
        self._bits = {condition: 1 << i for i, condition in enumerate(table.conditions)}
        self._width = len(self._bits)
        self._trees: dict[tuple[str, int], dict[str, Path]] = {}

    def signature(self, fields: Mapping[str, object]) -> int:
        """One bit per guard of the table that holds on `fields`; the unknown ones above them."""
        signature = 0
        vocabulary = self.table.vocabulary
        for condition, bit in self._bits.items():
            truth = condition.truth(fields, vocabulary)
            if truth:
                signature |= bit
            elif truth is None:
                signature |= bit << self._width
        return signature

    def holds(self, condition: Condition | None, signature: int) -> bool:
        """Whether a guard of the table holds for orders of this signature."""
        return condition is None or bool(signature & self._bits[condition])

    def unknown(self, condition: Condition | None, signature: int) -> bool:
        """Whether a guard's truth is unknown for orders of this signature."""
        return condition is not None and bool(signature >> self._width & self._bits[condition])

    def truth(self, condition: Condition | None, signature: int) -> Truth:
        """A guard's truth for orders of this signature: True, False or None (unknown)."""
        if self.holds(condition, signature):
            return True
        return None if self.unknown(condition, signature) else False

    def moves_from(self, status: str, signature: int) -> tuple[Move, ...]:
        """The transitions the machine can take from `status` for orders of this signature: per
        trigger the first step whose guard holds, and before it those whose guard is unknown."""
        if status in self.finals:
            return ()
        moves = []
        for trigger, steps in self.table.outgoing.get(status, ()):
            dests: set[str] = set()
            for step in steps:
                truth = self.truth(step.condition, signature)
                if truth is not False and step.dest != status and step.dest not in dests:
                    dests.add(step.dest)
                    moves.append(Move(trigger, status, step.dest, step.actor))
                if truth:
                    break
        return tuple(moves)

    def tree(self, source: str, signature: int) -> Mapping[str, Path]:
        """The shortest path from `source` to every status it can reach (itself: empty)."""
        key = (source, signature)
        found = self._trees.get(key)
        if found is None:
            found = self._search(source, signature)
            self._trees[key] = found
        return found

    def _search(self, source: str, signature: int) -> dict[str, Path]:
        paths: dict[str, Path] = {source: ()}
        queue = deque([source])
        while queue:
            status = queue.popleft()
            for move in self.moves_from(status, signature):
                if move.dest not in paths:
                    paths[move.dest] = (*paths[status], move)
                    queue.append(move.dest)
        return paths

    def shortest(self, source: str, target: str, fields: Mapping[str, object]) -> Path | None:
        """The shortest legal path from `source` to `target` for an order with `fields`."""
        return self.tree(source, self.signature(fields)).get(target)

    def shortest_from_any(
        self, sources: tuple[str, ...], target: str, fields: Mapping[str, object]
    ) -> tuple[str, Path] | None:
        """The source (earliest on ties) with the shortest path to `target`, and that path."""
        signature = self.signature(fields)
        best: tuple[str, Path] | None = None
        for source in sources:
            path = self.tree(source, signature).get(target)
            if path is not None and (best is None or len(path) < len(best[1])):
                best = (source, path)
        return best
