"""Shortest legal paths between statuses, for observations that skipped statuses.

A poll may see an order at `A` and next at `C`; if the rules lead from `A` to `C` through `B`,
the engine applies that path and marks `B` inferred. Which transitions exist depends on the
order's fields (a guard such as "delivery mode is click and collect"), so paths are searched on
the edges the machine would take for those fields: for each trigger, the first step whose guard
holds, exactly as the machine picks it. Final statuses have no exits: they never change.

Fields only matter through the truth of the table's guards, so searches are cached per
*signature* (one bit per distinct guard); a breadth-first tree per (source, signature) is built
once and serves every order with the same signature.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from engine.model.conditions import Condition
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
        self._trees: dict[tuple[str, int], dict[str, Path]] = {}

    def signature(self, fields: Mapping[str, object]) -> int:
        """One bit per guard of the table that holds on `fields`."""
        return sum(bit for condition, bit in self._bits.items() if condition.holds(fields))

    def holds(self, condition: Condition | None, signature: int) -> bool:
        """Whether a guard of the table holds for orders of this signature."""
        return condition is None or bool(signature & self._bits[condition])

    def moves_from(self, status: str, signature: int) -> tuple[Move, ...]:
        """The transitions the machine can take from `status` for orders of this signature."""
        if status in self.finals:
            return ()
        moves = []
        for trigger, steps in self.table.outgoing.get(status, ()):
            for step in steps:
                if self.holds(step.condition, signature):
                    if step.dest != status:
                        moves.append(Move(trigger, status, step.dest, step.actor))
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
