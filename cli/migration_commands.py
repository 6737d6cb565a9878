"""`orderflow impact` and `orderflow migrate`: a rule change measured on the orders in flight, and
those orders moved to the new version.

`impact OLD NEW --db URL` prints one line per finding (a status gone or renamed, stranded orders,
actions and blockers gained or lost, deadlines moved, orders overdue at once, codes mapped
elsewhere) with how many orders are behind it; `--orders` lists them, `--json` gives it all as
data. `migrate --db URL --to FILE` says what a migration would do and, with `--apply`, does it
(`authoring.migration`); a status with nowhere to go refuses it, naming the orders, exit 1.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import db_option
from engine.model.errors import OrderflowError, RuleFileInvalid

if TYPE_CHECKING:
    from authoring.impact import Impact
    from authoring.migration import MigrationPlan
    from engine.model.definition import RuleSet

RULE_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _load(path: Path) -> RuleSet:
    from engine.rulefile.loader import load_rules

    try:
        return load_rules(path)
    except RuleFileInvalid as exc:
        raise click.ClickException(str(exc)) from None


def _instant(text: str | None) -> datetime:
    if text is None:
        from engine.model.clock import SystemClock

        return SystemClock().now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"'{text}' is not an ISO time such as 2026-03-18T14:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def impact_text(result: Impact, orders: bool) -> list[str]:
    """The summary table (and, with `orders`, the orders behind each line) as lines."""
    said = [
        f"{result.marketplace} {result.old} -> {result.new}: {result.in_flight} orders in flight, "
        f"{len(result.affected)} affected (as of {result.at.isoformat(timespec='seconds')})"
    ]
    if not result.lines:
        return [*said, "No order in flight is affected."]
    width = max(len(str(line.kind)) for line in result.lines)
    for line in result.lines:
        said.append(f"  {line.count:>6}  {line.kind!s:<{width}}  {line.subject}")
        if orders:
            said.append(f"          {', '.join(line.orders)}")
    return said


@click.command()
@click.argument("old_path", metavar="OLD", type=RULE_FILE)
@click.argument("new_path", metavar="NEW", type=RULE_FILE)
@db_option()
@click.option("--orders", "show_orders", is_flag=True, help="List the orders behind each line.")
@click.option("--json", "as_json", is_flag=True, help="Print the impact as JSON.")
@click.option(
    "--at", "at_text", metavar="TIME", help="Deadlines as of this ISO time [default: now]."
)
def impact(
    old_path: Path,
    new_path: Path,
    db: str,
    show_orders: bool,
    as_json: bool,
    at_text: str | None,
) -> None:
    """What replacing rule file OLD by NEW does to the orders in flight in the store.

    Every order of NEW's marketplace at a status OLD does not call final is looked at under both:
    its status gone, renamed, merged or moved (NEW's 'migrations:'), stranded (no way out any
    more), seller actions and blockers gained or lost, its timer's deadline moved (by how much)
    or overdue at once, and the marketplace codes that now map elsewhere.

    \b
    Examples:
      orderflow impact rules/cdiscount.yaml new/cdiscount.yaml --db sqlite:///orderflow.db
      orderflow impact rules/cdiscount.yaml new/cdiscount.yaml --orders
    """
    from authoring.impact import MarketplaceMismatch
    from authoring.impact import impact as measure
    from engine.store import StoreError, open_store
    from engine.sync.pinned_rules import pinned_text

    old, new = _load(old_path), _load(new_path)
    now = _instant(at_text)
    try:
        with open_store(db) as store:
            orders = store.in_flight(new.marketplace.code, old.final_statuses)
        result = measure(old, new, orders, now)
    except (StoreError, MarketplaceMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    _warn_reused(
        pinned_text(old)
        if old.marketplace.rules_version == new.marketplace.rules_version
        else None,
        new,
    )
    if as_json:
        click.echo(json.dumps(result.to_data(), indent=2))
        return
    click.echo("\n".join(impact_text(result, show_orders)))


def plan_text(plan: MigrationPlan, applied: bool) -> list[str]:
    done = "moved" if applied else "would move"
    said = [
        f"{plan.marketplace}: {plan.in_flight} orders in flight; {plan.changed} {done} to "
        f"rules {plan.version}{'' if applied else ' (a dry run: --apply to migrate)'}"
    ]
    counts: dict[str, int] = {}
    for move in plan.moves:
        key = f"{move.move.kind} '{move.move.old}' -> '{move.move.new}'"
        counts[key] = counts.get(key, 0) + 1
    said.extend(f"  {count:>6}  {key}" for key, count in counts.items())
    if plan.repinned:
        said.append(f"  {len(plan.repinned):>6}  status kept, pinned to {plan.version}")
    return said


@click.command()
@db_option()
@click.option("--to", "to_path", required=True, type=RULE_FILE, help="The new rule file.")
@click.option(
    "--dry-run/--apply", "dry_run", default=True, show_default=True,
    help="Only say what would move (the default), or move the orders.",
)  # fmt: skip
def migrate(db: str, to_path: Path, dry_run: bool) -> None:
    """Move the orders in flight to the rules version of FILE, in one transaction.

    An order at a status FILE declares is pinned to its version; one at a status FILE moves
    ('migrations:' renamed, merged or removed) gets a migration event to its new status. While
    an order in flight is at a status FILE neither declares nor moves, nothing moves: the
    refusal names the orders (exit 1). A second run changes nothing.

    \b
    Examples:
      orderflow migrate --db sqlite:///orderflow.db --to rules/cdiscount.yaml
      orderflow migrate --db sqlite:///orderflow.db --to rules/cdiscount.yaml --apply
    """
    from authoring.migration import migrate as move
    from engine.model.clock import SystemClock
    from engine.store import StoreError, open_store

    new = _load(to_path)
    try:
        with open_store(db) as store:
            kept = store.rule_version(new.marketplace.code, new.marketplace.rules_version)
            plan = move(store, new, SystemClock().now(), apply=not dry_run)
    except (StoreError, OrderflowError) as exc:
        raise click.ClickException(str(exc)) from None
    _warn_reused(kept.text if kept is not None else None, new)
    click.echo("\n".join(plan_text(plan, not dry_run)))


def _warn_reused(earlier: str | None, new: RuleSet) -> None:
    """On standard error: that NEW reuses a version string for other rules, if it does."""
    from authoring.migration import version_reused

    warning = version_reused(earlier, new)
    if warning:
        click.echo(f"warning: {warning}", err=True)


COMMANDS: list[click.Command] = [impact, migrate]
