"""`orderflow simulate`: try a rule file or a seller policy on simulated orders.

A thin command over `simulator`: it loads the scenario (every problem located, exit 1, never a
traceback), runs it with a progress bar, writes the event log, the truth, the commands, the
anomalies and the orders (Parquet or CSV) with a summary (JSON and a readable table), or, with
`--compare`, runs two sides on the same arrivals over replications and prints the differences.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.options import scenario_option
from engine.model.errors import OrderflowError, RuleFileInvalid

# The simulator (numpy, pyarrow) and tqdm load inside the functions that run a simulation, so
# that every other command, `--help` included, starts without them.
if TYPE_CHECKING:
    from tqdm import tqdm

    from simulator.results import compare as comparing
    from simulator.scenario.values import Scenario

# The formats `simulator.results.output.RunFiles` writes, named here so that `--help` does not
# import pyarrow (tests/test_startup.py keeps the two equal).
FORMATS: tuple[str, ...] = ("parquet", "csv")


def _fail(problems: Iterable[object], what: str) -> None:
    lines = [str(p) for p in problems]
    for line in lines:
        click.echo(line, err=True)
    click.echo(f"{what} has {len(lines)} problem{'s' if len(lines) != 1 else ''}", err=True)
    raise SystemExit(1)


def _load(path: Path) -> Scenario:
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.values import ScenarioInvalid

    try:
        return load_scenario(path)
    except ScenarioInvalid as exc:
        _fail(exc.problems, str(path))
        raise  # unreachable: _fail exits


def _other_side(first: Path, other: Path) -> Scenario:
    """`other` is a second scenario, or a rule file to run the first scenario on."""
    from engine.rulefile.loader import load_rules
    from engine.rulefile.yaml_source import load_located
    from simulator.scenario.loader import load_scenario
    from simulator.scenario.values import ScenarioInvalid

    text = other.read_text(encoding="utf-8") if other.is_file() else ""
    data, _ = load_located(text, str(other)) if text else (None, [])
    if isinstance(data, dict) and "statuses" in data:
        try:
            rules = load_rules(other)
        except RuleFileInvalid as exc:
            _fail(exc.problems, str(other))
            raise
        try:
            scenario = load_scenario(first, rules)
        except ScenarioInvalid as exc:
            _fail(exc.problems, f"{first} on the rules of {other}")
            raise
        # Both sides are the same scenario: the rule file tells them apart in the table.
        return dataclasses.replace(scenario, name=f"{scenario.name} on {other.name}")
    return _load(other)


class _Progress:
    """A tqdm bar over the run's fetches, opened at the first one."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm[Any] | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="fetch", desc="polling the marketplace")
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _single(scenario: Scenario, days: int, seed: int, out: Path, fmt: str, quiet: bool) -> None:
    from simulator.results.output import RunFiles
    from simulator.results.report import render
    from simulator.results.summary import summarise
    from simulator.run.runner import simulate

    started = time.perf_counter()
    if not quiet:
        click.echo(
            f"simulating '{scenario.name}': {days} days, seed {seed}; generating the "
            "marketplace's truth...",
            err=True,
        )
    files = RunFiles(out, scenario, fmt)
    progress = _Progress(not quiet)
    try:
        run = simulate(scenario, days, seed, sink=files, progress=progress)
    finally:
        progress.close()
    files.finish(run)
    summary = summarise(run)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    text = render(summary)
    (out / "summary.txt").write_text(text, encoding="utf-8")
    click.echo(text)
    if quiet:
        return
    seconds = time.perf_counter() - started
    events = run.truth.order.size + run.engine_events
    click.echo(
        f"wrote {out}/ (events, truth, commands, anomalies, orders as {fmt}; summary.json, "
        f"summary.txt) in {seconds:.1f}s, {events / seconds:,.0f} events/s",
        err=True,
    )


def _into_store(scenario: Scenario, days: int, seed: int, url: str, quiet: bool) -> None:
    """One run written into a store by the demo store's code path, on the scenario's dates."""
    from datetime import timedelta

    from engine.store import open_store
    from workspace.sample_store import StoppedClock, fill

    end = scenario.start + timedelta(days=days)
    progress = _Progress(not quiet)
    with open_store(url) as store:
        if store.count_orders():
            raise click.ClickException(
                f"the store {store.url} already holds orders: write a simulated run into an "
                "empty store (a new SQLite file, or an empty database)"
            )
        try:
            filled = fill(store, scenario, days, seed, progress, StoppedClock(end))
        finally:
            progress.close()
        shown = store.url
    click.echo(
        f"stored {filled.orders:,} orders and {filled.events:,} events of '{scenario.name}' "
        f"(seed {seed}, {filled.start:%Y-%m-%d %H:%M} to {filled.end:%Y-%m-%d %H:%M} UTC) "
        f"in {shown}, with {filled.actions:,} recent actions and {filled.fetch_runs:,} polls "
        "of the last day"
    )


def _compare(
    first: Scenario,
    second: Scenario,
    days: int,
    seed: int,
    replications: int,
    out: Path,
    dask: str | None,
    quiet: bool,
) -> None:
    from tqdm import tqdm

    from simulator.results import compare as comparing

    mapper = comparing.dask_map(dask) if dask else comparing.local_map()

    def wrapped(fn: Any, jobs: list[comparing.Job]) -> Iterable[Any]:
        return tqdm(mapper(fn, jobs), total=len(jobs), unit="replication", disable=quiet)

    found = comparing.compare(first, second, days, seed, replications, wrapped)
    text = comparing.render(found, first.name, second.name, replications)
    out.mkdir(parents=True, exist_ok=True)
    rows = [vars(d) for d in found]
    (out / "compare.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    (out / "compare.txt").write_text(text, encoding="utf-8")
    click.echo(text)


@click.command()
@scenario_option("Scenario file (YAML), e.g. simulator/scenarios/baseline.yaml.", required=True)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Days of virtual time to simulate [default: the scenario's days].",
)
@click.option(
    "--seed",
    type=int,
    default=7,
    show_default=True,
    help="Seed of the random generator: the same seed writes the same files.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Directory for the output files.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="parquet",
    show_default=True,
    help="File format of the tables.",
)
@click.option(
    "--compare",
    "compare_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A second scenario, or a rule file to run the scenario on; "
    "both sides get the same arrivals and the differences are printed.",
)
@click.option(
    "--replications",
    type=click.IntRange(min=1),
    default=None,
    help="Replications of a --compare, run in parallel [default: 5].",
)
@click.option(
    "--dask",
    "dask_address",
    default=None,
    metavar="ADDRESS",
    help="Run the replications on the Dask scheduler at ADDRESS (tcp://host:port).",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    metavar="URL",
    help="Write what the engine saw into the store at URL (sqlite or postgresql) instead of "
    "files, as `orderflow run` fills the demo store: the scenario's own dates, so a known "
    "scenario can go through the store and `orderflow calibrate` back.",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no timing line.")
def simulate_command(
    scenario_path: Path,
    days: int | None,
    seed: int,
    out: Path,
    fmt: str,
    compare_path: Path | None,
    replications: int | None,
    dask_address: str | None,
    store_url: str | None,
    quiet: bool,
) -> None:
    """Simulate a month of marketplace orders through the engine, on virtual time.

    The marketplace's truth moves by the rule file's transitions and timers; the integrator
    polls it on the rule file's schedule; the engine reads what the polls show (missed statuses
    are inferred) and the seller acts through the engine's command path. Writes to OUT:
    events, truth, commands, anomalies and orders tables and summary.json / summary.txt.

    A scenario names its rule file and describes arrivals, order fields, what customers, payment
    and marketplace do at each status, and the seller's policy; the shipped ones in
    simulator/scenarios/ are commented examples (baseline, slow_seller, peak_season, and
    galeries_lafayette on another marketplace's rule file).

    \b
    Examples:
      orderflow simulate --scenario simulator/scenarios/baseline.yaml --days 30 --seed 7 --out out/
      orderflow simulate --scenario simulator/scenarios/baseline.yaml \\
          --compare simulator/scenarios/slow_seller.yaml --replications 8 --days 14
      orderflow simulate --scenario simulator/scenarios/baseline.yaml --compare my_rules.yaml
      orderflow simulate --scenario simulator/scenarios/baseline.yaml --store sqlite:///sim.db
    """
    if compare_path is None and (replications is not None or dask_address is not None):
        raise click.UsageError("--replications and --dask apply to a --compare run")
    if compare_path is not None and store_url is not None:
        raise click.UsageError("--store writes one run: it does not apply to a --compare run")
    scenario = _load(scenario_path)
    days = days or scenario.days
    try:
        if store_url is not None:
            _into_store(scenario, days, seed, store_url, quiet)
            return
        if compare_path is None:
            _single(scenario, days, seed, out, fmt, quiet)
            return
        other = _other_side(scenario_path, compare_path)
        _compare(scenario, other, days, seed, replications or 5, out, dask_address, quiet)
    except OrderflowError as error:
        raise click.ClickException(str(error)) from error


simulate_command.name = "simulate"
COMMANDS: list[click.Command] = [simulate_command]
