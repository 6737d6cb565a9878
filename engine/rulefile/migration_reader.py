"""Reading a rule file's `migrations:` section: where its predecessor's statuses went.

A new version of a rule file may rename, merge or remove statuses; the section says, per kind,
which old status goes to which status of this file, and from which version (`from`). Every name
on the right must be a status of this file (with a did-you-mean), and every name on the left must
not be one any more (a status this file still declares has no move to make); a status is moved
once, and two statuses renamed to one are a merge. A section with any problem is left out.
"""

from __future__ import annotations

from engine.model.migrations import Migrations, MoveKind, StatusMove
from engine.model.problems import Location
from engine.rulefile.reader import Reader, describe
from engine.rulefile.yaml_source import LocatedDict

KEYS = ("from", *(kind.value for kind in MoveKind))
DECLARE_STATUS = "declare it under 'statuses'"


def read_migrations(
    reader: Reader, top: LocatedDict, statuses: tuple[str, ...], version: str
) -> Migrations | None:
    """The `migrations` section of `top`, checked against this file's `statuses` and
    `version`; None when absent or when it has a problem."""
    if top.get("migrations") is None:
        return None
    where = top.key_at("migrations")
    data = reader.mapping(top["migrations"], where, "'migrations'", KEYS, ("from",))
    if data is None:
        return None
    before = len(reader.problems)
    predecessor = reader.scalar(data, "from", str, "'migrations'", "")
    if "from" in data and predecessor == version:
        reader.problem(
            data.at("from"),
            f"'from' of 'migrations' names this file's own version '{version}'",
            "name the rules_version of the file this version replaces",
        )
    moves: dict[str, StatusMove] = {}
    for kind in MoveKind:
        for move in _moves(reader, data, kind, statuses):
            _add(reader, moves, move)
    if len(reader.problems) != before:
        return None
    return Migrations(predecessor, tuple(moves.values()), where)


def _moves(
    reader: Reader, data: LocatedDict, kind: MoveKind, statuses: tuple[str, ...]
) -> list[StatusMove]:
    if data.get(kind.value) is None:
        return []
    what = f"'migrations.{kind.value}'"
    section = reader.mapping(data[kind.value], data.key_at(kind.value), what)
    if section is None:
        return []
    found: list[StatusMove] = []
    for old, new in section.items():
        if old in statuses:
            reader.problem(
                section.key_at(old),
                f"status '{old}' under {what} is still a status of this file",
                "a migration moves orders out of a status this version no longer declares",
            )
            continue
        if not isinstance(new, str) or not new:
            reader.problem(
                section.at(old),
                f"status '{old}' under {what} must name a status, found {describe(new)}",
            )
            continue
        context = f"status '{old}' under {what} goes to"
        if reader.reference(new, section.at(old), statuses, "status", context, DECLARE_STATUS):
            found.append(StatusMove(old, new, kind, section.key_at(old)))
    return found


def _add(reader: Reader, moves: dict[str, StatusMove], move: StatusMove) -> None:
    """Keep `move` unless its status is moved already, or it renames onto a renamed status."""
    where = move.where or Location(reader.file, 1, 1)
    earlier = moves.get(move.old)
    if earlier is not None:
        reader.problem(
            where,
            f"status '{move.old}' is moved twice: under 'migrations.{earlier.kind}' and "
            f"'migrations.{move.kind}'",
            "keep one of them",
        )
        return
    if move.kind is MoveKind.RENAMED:
        twin = next(
            (m for m in moves.values() if m.kind is MoveKind.RENAMED and m.new == move.new), None
        )
        if twin is not None:
            reader.problem(
                where,
                f"statuses '{twin.old}' and '{move.old}' are both renamed to '{move.new}'",
                "a status renamed from two is a merge: list them under 'migrations.merged'",
            )
            return
    moves[move.old] = move
