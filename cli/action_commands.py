"""`orderflow act`: queue a seller action on a stored order, from the command line.

The same path as the app's order desk (`engine.sync.seller_actions.submit`): the order's stored
fields, completed by `--field`, are checked by the runtime; an allowed action goes to the outbox
(the next `orderflow sync` sends it and confirms it from a later fetch), a blocked one prints
its blockers and exits 1. Nothing is ever sent from here. The order is checked under the rules
version it is pinned to (`workspace.order_desk.order_runtime`), which is said when it is not the
file's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import db_option, rule_sets, rules_option
from cli.runtime_commands import describe_decision, parse_fields, suggest
from engine.store import StoreError

if TYPE_CHECKING:
    from engine.model.definition import RuleSet
    from engine.store import OrderState, Store


def _find(
    store: Store, rule_sets: list[RuleSet], order_id: str, marketplace: str | None
) -> tuple[RuleSet, OrderState]:
    found = [
        (rules, state)
        for rules in rule_sets
        if marketplace in (None, rules.marketplace.code)
        and (state := store.get_order(rules.marketplace.code, order_id)) is not None
    ]
    if not found:
        where = f" of marketplace '{marketplace}'" if marketplace else ""
        raise click.ClickException(f"no order '{order_id}'{where} in the store")
    if len(found) > 1:
        codes = ", ".join(rules.marketplace.code for rules, _ in found)
        raise click.ClickException(
            f"order '{order_id}' exists for several marketplaces ({codes}): pass --marketplace"
        )
    return found[0]


@click.command()
@click.argument("order_id")
@click.argument("action")
@db_option()
@rules_option()
@click.option("--marketplace", help="The order's marketplace code, when its id is not unique.")
@click.option(
    "--field", "pairs", multiple=True, metavar="NAME=VALUE",
    help="A field the action needs, repeatable (enum values by code, label or alias).",
)  # fmt: skip
@click.option(
    "--line", "lines", multiple=True, metavar="LINE_ID",
    help="Act on this cart line only, repeatable: one action per line, sent with it as 'line' "
    "(only for actions the rule file marks 'lines: true'; the order's status then follows what "
    "the marketplace reports).",
)  # fmt: skip
def act(
    order_id: str,
    action: str,
    db: str,
    rule_paths: tuple[Path, ...],
    marketplace: str | None,
    pairs: tuple[str, ...],
    lines: tuple[str, ...],
) -> None:
    """Queue seller ACTION (accept, ship, refund...) on stored order ORDER_ID.

    \b
    Examples:
      orderflow act 1300435653830-A ship --field carrier=Colissimo --field tracking_number=8R01
      orderflow act 1300435653830-A refuse --line 1300435653830-A-2
    """
    # Imported here, not at the top: the state machine library and SQLAlchemy would slow down
    # every other command, `--help` included.
    from engine.model.clock import SystemClock
    from engine.store import open_store
    from engine.sync.seller_actions import submit
    from workspace.order_desk import order_runtime

    found = rule_sets(rule_paths)
    try:
        store = open_store(db)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    with store:
        rules, state = _find(store, found, order_id, marketplace)
        runtime, note = order_runtime(store, rules, state)
        if note:
            click.echo(f"Note: {note}.", err=True)
        rules = runtime.rules
        if action not in rules.action_by_name:
            hint = suggest(action, list(rules.action_by_name))
            raise click.ClickException(f"'{action}' is not an action of {rules.source}{hint}")
        if state.status is None:
            raise click.ClickException(f"order '{order_id}' has no known status yet")
        key = (rules.marketplace.code, order_id)
        inputs = parse_fields(rules, pairs)
        queued = submit(runtime, store, key, state.status, state.fields, action, inputs,
                        SystemClock().now(), lines)  # fmt: skip
    said = describe_decision(queued.decision)
    if not queued.decision.allowed:
        click.echo(f"'{action}' is blocked for order '{order_id}' at '{state.status}':")
        click.echo("\n".join(said[1:]))
        raise SystemExit(1)
    named = queued.decision.lines or ("",)
    for line, (outbox_id, created) in zip(named, queued.entries, strict=True):
        what = "queued in" if created else "already waiting in"
        on = f" line '{line}' of" if line else ""
        click.echo(f"'{action}' for{on} order '{order_id}' {what} the outbox as #{outbox_id}:")
    click.echo(said[0])


COMMANDS: list[click.Command] = [act]
