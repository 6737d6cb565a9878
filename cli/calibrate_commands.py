"""`orderflow calibrate`: a scenario fitted from a store's event log, for `orderflow simulate`.

Thin: `calibration` fits, this reads the store, writes the scenario file (checked by the
scenario loader before it is written: a calibrated scenario always loads), and prints what was
fitted from how many orders.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.analysis_commands import _DAY, RULES, _utc
from cli.options import db_option, rules_option, scenario_option
from engine.model.errors import OrderflowError

if TYPE_CHECKING:
    from calibration.fitted import Calibrated
    from engine.model.definition import RuleSet
    from engine.store import Store
    from simulator.scenario.values import Scenario


@click.command("calibrate")
@db_option(required=True)
@rules_option(folder=RULES, help="The folder of rule files; the marketplace's is the one fitted.")
@click.option("--since", type=_DAY, help="Fit on the orders created from this instant on (UTC).")
@click.option("--until", type=_DAY, help="Fit on what the log shows before this instant (UTC).")
@click.option("--marketplace", metavar="CODE", help="The marketplace to fit [default: the "
              "store's only one].")  # fmt: skip
@scenario_option("A scenario whose lines are kept where the log holds too few orders to fit "
                 "them (and the seller's fills, retry delay and refunds, which no status "
                 "change shows).")  # fmt: skip
@click.option("--name", default="calibrated", show_default=True, help="The scenario's name.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The scenario file to write, e.g. calibrated.yaml.")  # fmt: skip
def calibrate_command(
    db: str,
    rules_dir: Path,
    since: datetime | None,
    until: datetime | None,
    marketplace: str | None,
    scenario_path: Path | None,
    name: str,
    out: Path,
) -> None:
    """Fit a simulation scenario from the store's event log and write it to OUT.

    Fitted: the daily arrival rate with its hour-of-day and day-of-week profile; the share of
    each value of the fields orders arrive with and the fulfilled-by-marketplace share; at each
    status, the share and the delay of each way on (the seller's actions from the poll that
    showed the order; the customers', payment's and marketplace's from the entry): exponential
    or log-normal, whichever is likelier, or the observed distribution where neither fits.
    Orders still open count as censored, statuses the polls missed within their poll bounds.
    Every figure's comment in OUT says from how many orders it comes.

    \b
    Examples:
      orderflow calibrate --db sqlite:///.orderflow/demo.db --out calibrated.yaml
      orderflow calibrate --db sqlite:///shop.db --scenario simulator/scenarios/baseline.yaml \\
          --since 2026-01-01 --until 2026-02-01 --out january.yaml
      orderflow simulate --scenario calibrated.yaml --out out/
    """
    from calibration.calibrate import NothingToFit, calibrate, read_store
    from calibration.writer import scenario_text
    from cli.app_commands import _must_exist
    from engine.store import open_store
    from simulator.scenario.loader import check_scenario_text
    from workspace.sources import load_rulebook

    start, end = _utc(since), _utc(until)
    if start is not None and end is not None and start >= end:
        raise click.ClickException("--since must be before --until")
    base = _base(scenario_path)
    try:
        _must_exist(db)
        book = load_rulebook(rules_dir)
        with open_store(db) as store:
            rules = _rules_of(store, book.rules, marketplace, rules_dir)
            source = read_store(store, rules)
            shown = store.url
        found = calibrate(source, rules, base, start, end, name)
    except (OrderflowError, NothingToFit) as error:
        raise click.ClickException(str(error)) from error
    text = scenario_text(found, out, shown)
    # Checked as the file it will be (its rule file named relative to OUT) before it is written.
    out.parent.mkdir(parents=True, exist_ok=True)
    scenario, problems = check_scenario_text(text, str(out))
    if scenario is None:  # a bug of the writer, not of the user's data: say it plainly
        raise click.ClickException(
            f"the calibrated scenario {out} would not load: " + "; ".join(map(str, problems))
        )
    out.write_text(text, encoding="utf-8")
    click.echo(summary(found, out))


def _base(path: Path | None) -> Scenario | None:
    if path is None:
        return None
    from cli.simulate_commands import _load

    return _load(path)


def _rules_of(
    store: Store, rules: dict[str, RuleSet], marketplace: str | None, folder: Path
) -> RuleSet:
    if marketplace is not None:
        if marketplace not in rules:
            known = ", ".join(sorted(rules)) or "none"
            raise click.ClickException(
                f"no rule file of marketplace '{marketplace}' in {folder} (found: {known})"
            )
        return rules[marketplace]
    present = [code for code in sorted(rules) if store.count_orders(code)]
    if len(present) != 1:
        which = ", ".join(present) if present else "none of the rule files' marketplaces"
        raise click.ClickException(
            f"the store holds orders of {which}: name the one to fit with --marketplace CODE"
        )
    return rules[present[0]]


def summary(found: Calibrated, out: Path) -> str:
    a = found.arrivals
    lines = [
        f"wrote {out}: '{found.name}' on {found.rules.marketplace.code}, fitted from "
        f"{a.orders:,} orders over {a.days:.1f} days ({a.per_day:,.1f} a day)"
    ]
    for fit in (*found.marketplace, *found.seller):
        for cause in fit.causes:
            lines.append(
                f"  {fit.status} {cause.name}: {100 * cause.probability:.2f}% "
                f"after a median {cause.median_s / 3600:.2f} h ({cause.shape}; "
                f"{cause.events:,} of {cause.at_risk:,} stays)"
            )
        for kept in fit.kept:
            lines.append(f"  {fit.status}: {kept.reason}")
    return "\n".join(lines)


COMMANDS: list[click.Command] = [calibrate_command]
