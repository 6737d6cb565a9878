"""`orderflow run` and `orderflow export`: the analyst app, and the event log for other tools.

`run` is what `make run` does on a fresh clone: it starts the Streamlit app on the demo store,
`.orderflow/demo.db`, filled on first start from a simulated month of the baseline scenario that
ends now, and prints the address. The demo store is a file of its own: `orderflow sync` writes
to its own default store (`engine.store.DEFAULT_URL`), so a sync never mixes real orders into
the demo month; `--db` opens another store instead, which is never filled unless `--fill` asks.
`export` writes the store's event log as XES, CSV or Parquet with the process-mining column
names. Both are thin: the work lives in workspace/, analytics/ and the app's pages.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.app_server import (
    LOOPBACK,
    PortUnavailable,
    check_port,
    exposure_warning,
    serve,
    streamlit_command,
)
from cli.options import db_option, rules_option, scenario_option
from engine.channels.loopback import is_loopback
from engine.model.errors import OrderflowError

if TYPE_CHECKING:
    from engine.model.problems import Problem
    from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# The demo store's folder (relative to where `orderflow run` runs, like the sync's default
# store) and its file in it.
DEMO_DIR = Path(".orderflow")
DEMO_FILE = "demo.db"
RULES = ROOT / "rules"
BASELINE = ROOT / "simulator" / "scenarios" / "baseline.yaml"
PORT = 8501
# The formats `analytics.export.write` takes, named here so that `--help` does not import pandas
# (tests/test_startup.py keeps the two equal).
FORMATS: tuple[str, ...] = ("xes", "csv", "parquet")
INFERRED: tuple[str, ...] = ("keep", "drop", "interval")  # `analytics.export.INFERRED`


def default_url(data_dir: Path) -> str:
    """The demo store's URL: its file in `data_dir`."""
    return f"sqlite:///{(data_dir / DEMO_FILE).resolve()}"


@click.command("run")
@db_option(computed_default=f"the demo store, sqlite:///DATA_DIR/{DEMO_FILE}")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEMO_DIR,
    show_default=True,
    help="The folder of the demo store (created with it).",
)
@rules_option(folder=RULES, help="The folder of rule files the app reads and edits.")
@scenario_option("The scenario that fills a new store.", default=BASELINE)
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=PORT, show_default=True)
@click.option("--host", default=LOOPBACK, show_default=True,
              help="Address to listen on. The app has no login: another address than loopback "
              "lets anyone who reaches it edit rules and queue seller actions.")  # fmt: skip
@click.option("--fill/--no-fill", "fill_new", default=None,
              help="Fill an empty store from a simulated run first [default: the demo store "
              "only; a --db store is filled only with --fill].")  # fmt: skip
def run_command(
    db: str | None,
    data_dir: Path,
    rules_dir: Path,
    scenario_path: Path,
    days: int,
    seed: int,
    port: int,
    host: str,
    fill_new: bool | None,
) -> None:
    """Start the analyst app (Streamlit) on the demo store, filling it on first start.

    The demo store is DATA_DIR/demo.db (.orderflow/demo.db by default), apart from the store
    `orderflow sync` fills. On first start it is empty: it is filled from a DAYS-day simulated
    run of SCENARIO (Cdiscount's baseline month by default) that ends now, then the app starts
    on http://localhost:PORT. --db opens another store (your own, say) instead, and leaves it
    as it is unless --fill is given. Stop it with Ctrl+C (or SIGTERM): Streamlit stops with it.
    The app has no login, so it listens on loopback unless --host names another address.
    """
    from engine.store import open_store  # SQLAlchemy, only once a command needs the store

    try:
        check_port(host, port)
    except PortUnavailable as error:
        raise click.ClickException(str(error)) from None
    warning = exposure_warning(host, port)
    if warning:
        click.echo(warning, err=True)
    try:
        # Streamlit runs in the repository's folder: a relative SQLite path is made absolute.
        url = _anchored(db) if db else default_url(data_dir)
        demo = url == default_url(data_dir)
        if demo:
            data_dir.mkdir(parents=True, exist_ok=True)
        with open_store(url) as store:
            if (demo if fill_new is None else fill_new) and store.count_orders() == 0:
                _fill(store, scenario_path, days, seed)
            shown = store.url
    except OrderflowError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"orderflow app on {'the demo store' if demo else 'your store'} {shown}")
    shown_host = "localhost" if is_loopback(host) else host
    click.echo(f"Open http://{shown_host}:{port} in your browser (Ctrl+C stops the app).")
    env = {**os.environ, "ORDERFLOW_DB": url, "ORDERFLOW_RULES": str(rules_dir.resolve())}
    env["ORDERFLOW_DEMO"] = "1" if demo else "0"
    code = serve(streamlit_command(APP, host, port), env, ROOT)
    sys.exit(code)


def _anchored(url: str) -> str:
    """`url`, with a relative SQLite path made absolute (from the folder the command runs in)."""
    from engine.store.database import store_url

    parsed = store_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    path = Path(str(parsed.database)).expanduser().resolve()
    return parsed.set(database=str(path)).render_as_string(hide_password=False)


def _fill(store: Store, scenario_path: Path, days: int, seed: int) -> None:
    # The simulator is only needed here: the other commands work without it.
    from tqdm import tqdm

    from engine.model.clock import SystemClock
    from simulator.scenario.loader import load_scenario
    from workspace.sample_store import fill

    scenario = load_scenario(scenario_path)
    click.echo(
        f"New store: filling it from a {days}-day simulated run of '{scenario.name}' (seed {seed}) "
        "ending now…"
    )
    with tqdm(total=1, unit="poll", desc="simulating") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)  # update() redraws at most every mininterval

        filled = fill(store, scenario, days, seed, progress, SystemClock())
    click.echo(
        f"Stored {filled.orders:,} orders, {filled.events:,} events, "
        f"{filled.actions:,} recent actions in the outbox and the last day's "
        f"{filled.fetch_runs:,} polls as fetch runs, from {filled.start:%Y-%m-%d %H:%M} to "
        f"{filled.end:%Y-%m-%d %H:%M} UTC."
    )


@click.command("export")
@db_option(required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="XES (IEEE 1849) for process-mining tools, or CSV or Parquet.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write, e.g. orders.xes.")  # fmt: skip
@click.option("--inferred", type=click.Choice(INFERRED), default="interval", show_default=True,
              help="Inferred events (passed through, never fetched): keep them as stored (at "
              "the next observed time), drop them, or place them within their poll bounds "
              "(interval: the time in status any tool computes is the app's).")  # fmt: skip
@rules_option(folder=RULES, help="The folder of rule files, for each event's stage and fields.")
def export_command(db: str, fmt: str, out: Path, inferred: str, rules_dir: Path) -> None:
    """Write the store's event log for process-mining tools (XES, CSV or Parquet).

    Columns use the XES names: case:concept:name (the order), concept:name (the status
    entered), time:timestamp (UTC, microseconds), org:resource (who caused it),
    lifecycle:transition; case attributes carry the case: prefix in CSV and Parquet
    (case:marketplace and every enum and bool field of the rule files). Each event says
    whether it was inferred and how its time was chosen (time_basis); with --inferred
    interval, entered_earliest and entered_latest are its poll bounds.
    """
    # pandas and SQLAlchemy load here, not at the top: every other command starts without them.
    from tqdm import tqdm

    from analytics.export import counts, write
    from engine.store import open_store
    from workspace.sources import load_rulebook, read_log

    try:
        _must_exist(db)
        book = load_rulebook(rules_dir)
        if not book.rules:
            raise click.ClickException(_no_rules(rules_dir, book.problems))
        with open_store(db) as store:
            log = read_log(store, book.rule_sets())
    except OrderflowError as error:
        raise click.ClickException(str(error)) from error
    out.parent.mkdir(parents=True, exist_ok=True)
    with tqdm(total=0, unit="trace", disable=fmt != "xes") as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        count = write(log, fmt, out, progress, inferred)  # type: ignore[arg-type]
    for line in _written(counts(log), count, out, fmt, inferred):
        click.echo(line)


def _written(found: Mapping[str, int], count: int, out: Path, fmt: str, inferred: str) -> list[str]:
    """What an export wrote, and how it timed the inferred events."""
    from analytics.export import TIME_RULE

    share = f"{found['inferred']:,} of {found['events']:,} events inferred"
    lines = [
        f"Wrote {count:,} events of {found['orders']:,} orders to {out} ({fmt}).",
        f"Times (--inferred {inferred}, {share}): {TIME_RULE[inferred]}.",
    ]
    if inferred == "interval" and found["unbounded"]:
        lines.append(
            f"Left out: {found['unbounded']:,} inferred events before their order's first "
            "observed one (no lower bound; --inferred keep writes them as stored)."
        )
    return lines


def _must_exist(url: str) -> None:
    """An export reads a store: a mistyped SQLite path must not create an empty one."""
    from engine.store.database import store_url

    parsed = store_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(str(parsed.database)).expanduser()
    if not path.exists():
        raise click.ClickException(
            f"no store at {path}; `orderflow run` or `orderflow sync` fills one"
        )


def _no_rules(rules: Path, problems: Mapping[str, list[Problem]]) -> str:
    if not rules.exists():
        return f"no rule file in {rules}: it does not exist; --rules names the rule files' folder"
    if problems:
        names = ", ".join(sorted(problems))
        return f"no valid rule file in {rules} ({names}: orderflow validate lists the problems)"
    return f"no rule file in {rules}; --rules names the folder of the rule files"


COMMANDS: list[click.Command] = [run_command, export_command]
