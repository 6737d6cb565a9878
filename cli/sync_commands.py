"""The channel commands: `orderflow sync` (fetch orders into the store) and `orderflow twin`.

Thin wrappers: the sync lives in `engine.sync.syncer`, the twin in `simulator.twin.server`, its
faults in `simulator.twin.faults`. Bad
input (a rule file with problems, a wrong fault, a port in use) is a one-line error and exit 1,
never a traceback.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import db_option, rule_sets, rules_option, scenario_option, sync_options
from engine.channels.config import VARIABLES
from engine.model.errors import RuleFileInvalid
from engine.store import StoreError

# The HTTP client, the store (SQLAlchemy) and the twin's order generator (numpy) load inside the
# commands that use them, so that every other command, `--help` included, starts without them.
if TYPE_CHECKING:
    from engine.channels.config import AccountSettings
    from engine.model.clock import SystemClock
    from engine.sync.accounts import SyncOptions
    from engine.sync.syncer import Syncer
    from simulator.run.live import LiveSimulation
    from simulator.twin.api import Credentials, TwinService
    from simulator.twin.orders import Generation

FAULT_HELP = (
    "Inject a fault, KEY=VALUE (repeatable): rate_limit=N / rate_limit_every=K (HTTP 429, "
    "retry_after=SECONDS), server_error=N / server_error_every=K (error_status=503), slow=N / "
    "slow_every=K (delay=SECONDS), duplicate_pages, reorder_pages, malformed=N (per page), "
    "shift_listing=N (before each of the next N requests for page 2 on, the listing's first "
    "order is updated past the window, as when an order changes during a walk), "
    "html_actions=N (the next N action POSTs are queued but answered 200 with an HTML page, "
    "as by a failing proxy); order faults, N orders each, drawn by the seed: mixed_lines=N "
    "(cart lines that disagree: one refused and the rest accepted, or one refunded and the "
    "rest shipped), unreachable=N (a status no rule path reaches for the order's fields, "
    "such as picked up in store for a home delivery), unknown_status=N (a code the rule "
    "file does not declare); latency_ms=MS answers every request that much later, as a round "
    "trip to the real API does. N: the next N requests; K: every Kth request."
)


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--orders", type=click.IntRange(0), default=300, show_default=True, help="Orders to generate."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the orders.")
@rules_option()
@click.option("--fault", "fault_options", multiple=True, metavar="KEY=VALUE", help=FAULT_HELP)
@click.option(
    "--access-token",
    default="",
    envvar=VARIABLES["access_token"],
    show_envvar=True,
    help="Accept only this access token (default: any); the sync reads the same variable.",
)
@click.option(
    "--secret",
    default="",
    envvar=VARIABLES["secret"],
    show_envvar=True,
    help="Accept only this secret (default: any); the sync reads the same variable.",
)
@click.option("--account-id", type=click.IntRange(1), default=1, show_default=True)
@scenario_option("Serve a running simulation of this scenario instead of fixed orders.")
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="With --scenario: virtual seconds per real second (60: an hour a minute).",
)
@click.option("--verbose", is_flag=True, help="Print each request line.")
def twin(
    port: int,
    host: str,
    orders: int,
    seed: int,
    rule_paths: tuple[Path, ...],
    fault_options: tuple[str, ...],
    access_token: str,
    secret: str,
    account_id: int,
    scenario_path: Path | None,
    speed: float,
    verbose: bool,
) -> None:
    """Serve a Lengow-compatible API on loopback, backed by simulated orders.

    Serves POST /access/get_token, GET /v3.0/orders and GET/POST /v3.0/orders/actions/ in
    Lengow's JSON shapes. The orders are random legal walks through the rule files' transitions,
    or, with --scenario, a simulation running live (orders arrive and move as time passes); an
    action you POST is applied to its order before the next fetch. Faults can be changed
    while it runs: POST /_twin/faults with a JSON object (GET shows them, DELETE clears them);
    DELETE /_twin/tokens revokes every token. Runs until Ctrl-C.

    \b
    Example:
      orderflow twin --port 8765 --fault rate_limit_every=10 --fault malformed=1
      orderflow twin --port 8765 --scenario simulator/scenarios/baseline.yaml --speed 600
      LENGOW_API_URL=http://127.0.0.1:8765 LENGOW_ACCESS_TOKEN=x LENGOW_SECRET=y \\
        LENGOW_ACCOUNT_ID=1 orderflow sync --once
    """
    from simulator.twin.api import Credentials
    from simulator.twin.orders import Generation
    from simulator.twin.server import Twin

    credentials = Credentials(access_token, secret, account_id)
    plan = Generation(count=orders, seed=seed, account_id=account_id)
    live = _live(scenario_path, seed, speed, account_id) if scenario_path else None
    service, codes = _service(rule_paths, fault_options, credentials, plan, live)
    try:
        server = Twin(service, host, port, verbose)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    what = f"a live simulation of {scenario_path} at {speed:g}x" if live else f"{orders} orders"
    click.echo(f"Lengow twin: {what} ({codes}) on {server.url}")
    click.echo(
        f"  export LENGOW_API_URL={server.url} "
        f"LENGOW_ACCESS_TOKEN={'<yours>' if access_token else 'any'} "
        f"LENGOW_SECRET={'<yours>' if secret else 'any'} LENGOW_ACCOUNT_ID={account_id}"
    )
    click.echo("  Ctrl-C to stop.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("twin stopped")


def _service(
    rule_paths: tuple[Path, ...],
    fault_options: tuple[str, ...],
    credentials: Credentials,
    plan: Generation,
    live: LiveSimulation | None = None,
) -> tuple[TwinService, str]:
    """The twin's service and the marketplace codes it serves; bad input is a ClickException."""
    from simulator.twin.faults import FaultError, Faults, parse_fault_options
    from simulator.twin.server import build_service

    try:
        faults = Faults().changed(parse_fault_options(fault_options))
    except FaultError as exc:
        raise click.ClickException(str(exc)) from None
    served = [live.rules] if live else rule_sets(rule_paths)
    service = build_service(served, plan=plan, faults=faults, credentials=credentials, source=live)
    return service, ", ".join(r.marketplace.code for r in served)


def _live(scenario: Path, seed: int, speed: float, account_id: int) -> LiveSimulation:
    from engine.model.clock import SystemClock
    from simulator.run.live import LiveSimulation
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.values import ScenarioInvalid

    try:
        loaded = load_scenario(scenario)
    except (ScenarioInvalid, RuleFileInvalid) as exc:
        raise click.ClickException(str(exc)) from None
    return LiveSimulation(loaded, seed, SystemClock(), speed, account_id=account_id)


@click.command()
@db_option()
@rules_option()
@click.option(
    "--account", "account_keys", multiple=True, metavar="ID_OR_NAME",
    help="Sync only this account of the config file, repeatable (default: every account).",
)  # fmt: skip
@click.option(
    "--once", "mode", flag_value="once", default=True, help="Fetch what is due, then stop."
)
@click.option(
    "--watch", "mode", flag_value="watch", help="Keep fetching on the rule files' schedule."
)
@sync_options
def sync(
    db: str,
    rule_paths: tuple[Path, ...],
    config: Path | None,
    mode: str,
    options: SyncOptions,
    account_keys: tuple[str, ...],
) -> None:
    """Fetch orders from the Lengow API into the store, and send the outbox's actions.

    The windows come from the rule files' schedule: on a new store, the last days' sweep; then
    every few minutes the orders updated since the last committed window (with an overlap), and
    a daily sweep. Every order runs under the rule file of its marketplace; an order nobody can
    read is quarantined with its reason. Running it twice changes nothing; a killed run resumes.
    Several syncs may share a store: one at a time fetches an account's windows (it holds their
    lease), another says so and skips them (--watch: asks again when the lease lapses).
    A config file listing several [[account]] tables has each account synced in turn, with its
    credentials, rule files and connector, into the one store; beyond one process, see
    `orderflow worker`.

    \b
    Settings: LENGOW_API_URL, LENGOW_ACCESS_TOKEN, LENGOW_SECRET, LENGOW_ACCOUNT_ID
    (or --config FILE). Try it against the twin:
      orderflow twin --port 8765 &
      LENGOW_API_URL=http://127.0.0.1:8765 LENGOW_ACCESS_TOKEN=x LENGOW_SECRET=y \\
        LENGOW_ACCOUNT_ID=1 orderflow sync --once
    """
    from contextlib import ExitStack

    from engine.channels.config import SettingsInvalid, load_accounts
    from engine.model.clock import SystemClock
    from engine.model.errors import RuleFileInvalid
    from engine.store import open_store
    from engine.sync.accounts import account_syncer

    found = rule_sets(rule_paths)
    try:
        accounts = _chosen(load_accounts(config), account_keys)
        store = open_store(db)
    except (SettingsInvalid, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in (w for a in accounts for w in a.settings.warnings):
        click.echo(warning, err=True)
    clock = SystemClock()
    options = dataclasses.replace(options, default_rules=found)
    named = len(accounts) > 1  # one account: the lines read as before
    with store, ExitStack() as stack:
        try:
            syncers = [
                stack.enter_context(account_syncer(a, store, clock, options)) for a in accounts
            ]
        except RuleFileInvalid as exc:
            raise click.ClickException(str(exc)) from None
        for syncer in syncers:
            for note in (decision.message for decision in syncer.imports.values()):
                click.echo(note)
        while True:
            failed, held = False, []
            for account, syncer in zip(accounts, syncers, strict=True):
                report = syncer.run_once()
                who = f"{account.name}: " if named else ""
                click.echo(f"{clock.now():%Y-%m-%d %H:%M:%S} {who}{report.summary()}")
                failed = failed or bool(report.failed or report.outbox.problems)
                held.append(report.held_until)
            if mode == "once":
                if failed:  # a fetch or a send went wrong
                    raise SystemExit(1)
                return
            _wait(syncers, clock, held)


def _chosen(accounts: tuple[AccountSettings, ...], keys: tuple[str, ...]) -> list[AccountSettings]:
    """The accounts `--account` names (by id or name), all of them without it."""
    if not keys:
        return list(accounts)
    chosen = [a for a in accounts if a.key in keys or a.name in keys]
    unknown = [k for k in keys if not any(k in (a.key, a.name) for a in accounts)]
    if unknown:
        listed = ", ".join(f"{a.key} ({a.name})" for a in accounts)
        raise click.ClickException(f"no account '{unknown[0]}' in the settings; they are {listed}")
    return chosen


def _wait(syncers: list[Syncer], clock: SystemClock, held: list[datetime | None]) -> None:
    """Sleep until an account's next window is due, past the lease another sync holds, if any."""
    now = clock.now()
    due = min(max(s.next_due(), until or now) for s, until in zip(syncers, held, strict=True))
    click.echo(f"next fetch at {due:%H:%M:%S}")
    try:
        clock.sleep((due - clock.now()).total_seconds())
    except KeyboardInterrupt:
        click.echo("sync stopped")
        raise SystemExit(0) from None


COMMANDS: list[click.Command] = [sync, twin]
