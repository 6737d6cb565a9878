"""`orderflow explain`: which seller actions a rule file allows at a status, and why not.

A rule author (or an operator puzzled by a refused shipment) asks "at this status, with these
fields, what may the seller do?". The answer comes from the runtime itself (`Runtime.options`),
so it is exactly what the engine will decide on a real order. Bad input (a missing or invalid
file, an unknown status or field) is a one-line error, never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

# The rule definitions load when a command runs: `orderflow --help` imports this module.
if TYPE_CHECKING:
    from engine.model.blockers import Decision
    from engine.model.definition import RuleSet


def suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else f"; known: {', '.join(known)}"


def _load(path: Path) -> RuleSet:
    from engine.rulefile.loader import check_file

    if path.is_dir():
        raise click.ClickException(f"{path} is a directory, not a rule file")
    rules, problems = check_file(path)
    if rules is None:
        lines = "\n".join(str(p) for p in problems)
        raise click.ClickException(f"{path} is not a valid rule file:\n{lines}")
    return rules


def _status(rules: RuleSet, given: str) -> str:
    status = rules.status_for_code(given)
    if status is None:
        known = [s.name for s in rules.statuses]
        raise click.BadParameter(
            f"status '{given}' is not declared in {rules.source}{suggest(given, known)}",
            param_hint="--status",
        )
    return status


def parse_fields(rules: RuleSet, pairs: Sequence[str]) -> dict[str, object]:
    """`name=value` pairs as order fields; enum values may be given by code, label or alias."""
    from engine.model.definition import FieldType

    fields: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{pair}' is not name=value", param_hint="--field")
        definition = rules.field_by_name.get(name.strip())
        if definition is None:
            known = [f.name for f in rules.fields]
            raise click.BadParameter(
                f"field '{name}' is not declared in {rules.source}{suggest(name, known)}",
                param_hint="--field",
            )
        canonical = definition.canonical(value) if definition.type is FieldType.ENUM else None
        fields[definition.name] = canonical or value
    return fields


def describe_decision(decision: Decision) -> list[str]:
    if decision.allowed:
        command = decision.command
        args = ", ".join(f"{k}={v}" for k, v in (command.args if command else {}).items())
        sends = f"{command.action_type}({args})" if command else ""
        if decision.lines:  # acts on lines: the order's status follows the marketplace's
            on = ", ".join(decision.lines)
            return [f"  {decision.action} on lines {on}  (sends {sends} once per line)"]
        return [f"  {decision.action} -> {decision.expected_status}  (sends {sends})"]
    lines = [f"  {decision.action}"]
    lines.extend(f"    - {b.code}: {b.message}" for b in decision.blockers)
    return lines


def explanation(rules: RuleSet, status: str, fields: dict[str, object]) -> str:
    """The report `explain` prints: allowed actions, then blocked ones with their blockers."""
    from engine.runtime.runtime import Runtime

    decisions = Runtime(rules).options(status, fields)
    shown = ", ".join(f"{k}={v}" for k, v in fields.items()) or "none"
    lines = [
        f"{rules.source}: status '{status}' (stage {rules.stage_of(status)}), fields: {shown}",
        # A value no spelling lists: every condition on its field is unknown, and says so.
        *(f"not recognised: {u}; conditions on it are unknown" for u in rules.unlisted(fields)),
        "allowed:",
    ]
    allowed = [line for d in decisions if d.allowed for line in describe_decision(d)]
    lines.extend(allowed or ["  (none)"])
    lines.append("blocked:")
    blocked = [line for d in decisions if not d.allowed for line in describe_decision(d)]
    lines.extend(blocked or ["  (none)"])
    return "\n".join(lines)


@click.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True))
@click.option("--status", "status", required=True, help="A status name or marketplace code.")
@click.option(
    "--field", "pairs", multiple=True, metavar="NAME=VALUE",
    help="An order field, repeatable (enum values by code, label or alias).",
)  # fmt: skip
def explain(file: Path, status: str, pairs: tuple[str, ...]) -> None:
    """List the seller actions FILE allows at a status, and the blockers of the others.

    Each blocker has a code (field_required, value_not_allowed, value_not_recognised,
    not_allowed_at_status, condition_failed...) and a sentence naming the field or status. An
    enum value no value or alias lists is named on its own line. Exits 0 whether or not an
    action is allowed; an unknown file, status or field is an error.

    \b
    Example:
      orderflow explain rules/cdiscount.yaml --status WaitingForShipmentAcceptation \\
          --field delivery_mode=TRK --field tracking_number=8R0001
    """
    rules = _load(file)
    click.echo(explanation(rules, _status(rules, status), parse_fields(rules, pairs)))


COMMANDS: list[click.Command] = [explain]
