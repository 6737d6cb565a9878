"""`orderflow conformance`: how many orders followed the rules, per marketplace and period.

Thin: the figures are `analytics.conformance`'s, over the store's event log and anomalies; this
prints them as a table per marketplace (orders, conforming, share), then the deviations by
(from, to) with up to five order ids each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import db_option, rules_option
from engine.model.errors import OrderflowError

if TYPE_CHECKING:
    from analytics.conformance import Conformance
    from workspace.sources import RuleBook

RULES = Path(__file__).resolve().parent.parent / "rules"
SHOWN_IDS = 5
_DAY = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])


def _utc(moment: datetime | None) -> datetime | None:
    """A naive --since/--until is UTC, as the event log's instants."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


@click.command("conformance")
@db_option(required=True)
@rules_option(folder=RULES, help="The folder of rule files, to name each marketplace's file.")
@click.option("--since", type=_DAY, help="Count events from this instant on (UTC).")
@click.option("--until", type=_DAY, help="Count events before this instant (UTC).")
@click.option("--marketplace", "marketplace", metavar="CODE", help="Only this marketplace.")
def conformance_command(
    db: str,
    rules_dir: Path,
    since: datetime | None,
    until: datetime | None,
    marketplace: str | None,
) -> None:
    """Print the share of orders whose every step conforms to the rules, per marketplace.

    Counted: the orders with at least one event in [SINCE, UNTIL); an order conforms when none
    of those events is a deviation (a status the rules could not explain, taken anyway).
    """
    # pandas and SQLAlchemy load here: `--help` and the other commands start without them.
    from analytics.conformance import conformance
    from cli.app_commands import _must_exist
    from engine.store import open_store
    from workspace.sources import load_rulebook, read_anomalies, read_log

    start, end = _utc(since), _utc(until)
    if start is not None and end is not None and start >= end:
        raise click.ClickException("--since must be before --until")
    try:
        _must_exist(db)
        book = load_rulebook(rules_dir) if rules_dir.exists() else None
        with open_store(db) as store:
            log = read_log(store, book.rule_sets() if book else ())
            found = read_anomalies(store)
    except OrderflowError as error:
        raise click.ClickException(str(error)) from error
    if marketplace is not None:
        log = log.loc[(log["marketplace"] == marketplace).to_numpy()].reset_index(drop=True)
        found = found.loc[(found["marketplace"] == marketplace).to_numpy()]
    result = conformance(log, found, start, end)
    click.echo(render(result, book))


def render(result: Conformance, book: RuleBook | None = None) -> str:
    """The figures as text: a table per marketplace."""
    lines = [f"Counted: {result.counts}."]
    if result.summary.empty:
        lines.append("No order has an event in the period.")
    for row in result.summary.itertuples():
        code = str(row.marketplace)
        named = code
        if book is not None and code in book.rules:
            named = f"{code}: {book.rules[code].marketplace.name} ({book.files[code].name})"
        lines += ["", named]
        lines.append(f"  {'orders':>8}  {'conforming':>10}  {'share %':>7}")
        lines.append(f"  {row.orders:>8,}  {row.conforming:>10,}  {100 * row.share:>7.1f}")
        moves = result.by_transition.loc[result.by_transition["marketplace"] == code]
        if moves.empty:
            lines.append("  no deviation")
            continue
        lines.append("  deviations by (from, to):")
        lines.append(f"  {'from':<28} {'to':<28} {'events':>6} {'orders':>6}  order ids")
        for move in moves.itertuples():
            source = "(new order)" if move.from_status is None else str(move.from_status)
            ids = list(move.order_ids)
            shown = ", ".join(ids[:SHOWN_IDS]) + (", …" if len(ids) > SHOWN_IDS else "")
            lines.append(
                f"  {source:<28} {move.to_status!s:<28} {move.deviations:>6,} "
                f"{move.orders:>6,}  {shown}"
            )
        kinds = result.by_kind.loc[result.by_kind["marketplace"] == code]
        text = ", ".join(f"{k.kind} {k.deviations:,}" for k in kinds.itertuples())
        lines.append(f"  by kind: {text}")
    return "\n".join(lines)


COMMANDS: list[click.Command] = [conformance_command]
