"""Calibration: a known scenario read back from the engine's log, and how close its runs come.

Recovery and time. The baseline scenario (`simulator/scenarios/baseline.yaml`) at 6,700 orders a day
for 30 days (about 200,000 orders, a million events of the engine's log) is simulated through the
polls and the engine; `calibration.calibrate` fits it back from that log (the frame a store gives,
with its polls: the incremental fetches and the sweeps run in their stead). `calibrate_seconds` is
the fit's wall time (goal at most 10 s), `calibrate_cpu_seconds` its CPU time (the machine may be
shared); `calibrate_worst_share_error` and `calibrate_worst_median_error` the worst relative error
of a fitted share and of a delay median against the scenario's own figures, over every fitted line
the scenario has, and `calibrate_worst_share_z` and `calibrate_worst_median_z` the same errors in
standard errors of their estimates (a share's binomial error over the stays at risk, a median's
1/sqrt(n) or sigma/sqrt(n)): a rare branch's share, fitted from a few hundred stays, cannot come
within 2 % whatever the method, and the z-scores say whether it is off by more than its sample
allows. A scenario's figure is not what a run realised, though: a branch drawn a few hundred times
is off its share by several per cent before any fit. So `calibrate_worst_share_error_vs_run` and
`calibrate_worst_median_error_vs_run` take the same lines against what this very run drew
(`simulator.world.draws`, recorded as the simulator draws, no estimator run on it): a share against
the draws of that cause over the visits at its risk (the seller's: the visits still there when a
poll showed them), a median against that of the scenario's shape over the delays drawn (an
exponential's mean times ln 2, a log-normal's geometric mean), exact and unpolled. That error is
what calibrate answers for: what the polls, the engine's inferred paths and the racing causes hid of
the draws. What remains of it is mostly the estimate's own noise under censoring, which a fit cannot
take out: where another exit beats a cause (the seller's acceptance beats a third of the 1 %
cancellations before notification), the fit cannot tell which of the stays that exit ended carried a
draw of the cause, and infers them from the delay it fits to the stays the cause did end, so the
share and the median of such a cause miss the draws together (a longer fitted delay, more draws
beaten: at full size over seeds 7 to 10, +4.3/+5.4, -5.7/-5.4, +6.5/+12.3, +0.4/-3.5 %; over twelve
seeds of 50,000 orders, +0.2 % and -0.7 % on average, no bias). So `calibrate_worst_share_z_vs_run`
and `calibrate_worst_median_z_vs_run` give each error against the run in units of the fit's own miss
of the draws, measured by a parametric bootstrap: the calibrated scenario's replays (`REPLAY_SEEDS`,
run for the distances below) are each fitted back the same way and held to their own draws, and the
unit is the root mean square of those misses (`with_noise`; from six replays the unit itself is
known to about 30 %, from the tiny size's one replay hardly at all). A few units is noise; ten, a
bias. The notes name the five worst against the scenario, then every line that misses 2 % or 5 %
against the run, each with its units. A branch the engine infers away between two polls
(ValidatedFianet) is fitted over the hidden paths (`calibration.hidden`).

Distances, as business-process-simulation research measures a discovered model (Simod, Prosimos):
`log-distance-measures`' n-gram (control flow), case-arrival, circadian-event, relative-event and
cycle-time distribution distances between the calibrated scenario's simulated log and the original
log (`calibrate_<measure>`), beside the floor set by noise: the same distance between the original
and another run of the original scenario with a different seed (`calibrate_<measure>_floor`; goal:
each distance within 1.2 times its floor). The original is the recovery run's log (the store's log)
and the calibrated scenario the one fitted from it; each replay runs at the same size. Each distance
compares `CASES` orders drawn at random from each log (the package loops over cases in Python), each
log its own draw: the first orders of two runs of one scenario arrive at nearly the same instants
whatever the seed, so comparing the same positions made the floor too low (a third below its value
on random orders) and any other scenario look worse. Each distance and its floor are means over
`REPLAY_SEEDS`, the calibrated replay and the original's on the same seed: one replication's
distance swings with its seed by far more than 1.2x. The package is a dev dependency
(pyproject.toml's `dev` extra), pinned in requirements.lock like the rest; it declares pandas below
3, which the lock lifts (lock-overrides.txt: it runs on pandas 3) and `make` installs the lock with
`--no-deps`, so `pip check`'s complaint about it is the one expected (pip-check-expected.txt). The
bench needs it: without it the distances fail to import. No ratio: no other tool fits a scenario
from this log to time against.
"""

from __future__ import annotations

import datetime
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.censoring import entries
from analytics.eventlog import CASE, prepare
from bench.result import BenchResult
from calibration.calibrate import StoreLog, calibrate
from calibration.competing import CauseFit
from calibration.fitted import Calibrated
from calibration.writer import scenario_text
from simulator.results.output import RunFiles
from simulator.run.runner import Run, simulate
from simulator.scenario.distributions import Distribution, Exponential, LogNormal
from simulator.scenario.loader import check_scenario_text, load_scenario
from simulator.scenario.values import Happening, Scenario, SellerMove
from simulator.world.draws import Draws

SCENARIO = Path(__file__).resolve().parents[1] / "simulator" / "scenarios" / "baseline.yaml"
# (orders a day, days) of the recovery run: the original log, fitted and then compared.
RECOVERY = {"tiny": (150.0, 3), "full": (6700.0, 30)}
# The orders drawn from each log for the distances, and the replays (seeds) compared with the
# original (seed 7): each distance and its floor are means over them.
CASES = {"tiny": 150, "full": 10000}
REPLAY_SEEDS = {"tiny": (8,), "full": (8, 9, 10, 11, 12, 13)}
# The tolerances: every share within 2 % (relative), every delay median within 5 %.
SHARE_GOAL, MEDIAN_GOAL = 0.02, 0.05
MEASURES = ("ngram", "case_arrival", "circadian_event", "relative_event", "cycle_time")


def world(per_day: float) -> Scenario:
    base = load_scenario(SCENARIO)
    return replace(base, arrivals=replace(base.arrivals, per_day=per_day))


def engine_log(scenario: Scenario, days: int, seed: int) -> StoreLog:
    """What the engine saw of a run, as a store gives it: events with fields, the polls."""
    return simulated(scenario, days, seed)[0]


def simulated(
    scenario: Scenario, days: int, seed: int, draws: Draws | None = None
) -> tuple[StoreLog, Run]:
    """`engine_log` of a run, and the run itself (its truth); `draws` records what it drew."""
    with tempfile.TemporaryDirectory() as out:
        files = RunFiles(Path(out), scenario)
        result = simulate(scenario, days, seed, sink=files, draws=draws)
        files.finish(result)
        frame = pd.read_parquet(Path(out) / "events.parquet")
    # The instants the engine read the marketplace up to: every incremental fetch and each
    # sweep's last piece (`calibration.calibrate.reads_to_now`; a sweep replaces the fetch due).
    polls = result.polls
    reaching = np.asarray(polls.end, dtype=np.int64) >= np.asarray(polls.at, dtype=np.int64)
    at = np.asarray(polls.at, dtype=np.int64)[reaching]
    start = np.datetime64(scenario.start.replace(tzinfo=None), "us")
    instants = start + at.astype("timedelta64[s]").astype("timedelta64[us]")
    return StoreLog(frame.drop(columns=["seen_at"]), np.unique(instants)), result


def true_median(delay: Distribution) -> float | None:
    if isinstance(delay, LogNormal):
        return delay.median
    if isinstance(delay, Exponential):
        return delay.mean * math.log(2.0)
    return None


def relative_noise(delay: Distribution, events: int) -> float | None:
    """The relative standard error of a median fitted from `events` delays drawn from `delay`
    (an exponential's mean: 1/sqrt(n); a lognormal's median: sigma/sqrt(n))."""
    if events <= 0:
        return None
    if isinstance(delay, LogNormal):
        return delay.sigma / math.sqrt(events)
    return 1.0 / math.sqrt(events) if isinstance(delay, Exponential) else None


def recovery_errors(fitted: Calibrated, truth: Scenario, run: Draws) -> list[Recovered]:
    """For every fitted line the truth has: its share's and its median's relative error, each
    error in standard errors of the estimate (the share's binomial error over the stays at risk,
    the median's as `relative_noise`), and both errors against what the run drew (`run`,
    `simulator.world.draws`): how far off a fit is, whether by more than its sample allows, and how
    far from what the log could have shown."""
    found = []
    for who, line in _lines(truth):
        name = line.action if isinstance(line, SellerMove) else line.trigger
        fit = fitted.cause(who, line.status, name)
        median = true_median(line.after)
        p = line.probability
        if fit is None or median is None or p <= 0 or fit.at_risk <= 0:
            continue
        share = abs(fit.probability - p) / p
        share_se = math.sqrt(p * (1 - p) / fit.at_risk) / p if p < 1 else math.inf
        off = abs(fit.median_s - median) / median
        noise = relative_noise(line.after, fit.events)
        drawn, middle = against_draws(fit, who, line, run)
        found.append(
            Recovered(
                f"{line.status} {name}", share, off, share / share_se if share_se else 0.0,
                off / noise if noise else None, drawn, middle,
            )
        )  # fmt: skip
    return found


def _lines(scenario: Scenario) -> list[tuple[str, Happening | SellerMove]]:
    lines: list[Happening | SellerMove] = [*scenario.happenings, *scenario.seller]
    return [("seller" if isinstance(line, SellerMove) else "marketplace", line) for line in lines]


# A line's relative errors (share, median) against a run's draws; None where it drew none.
Miss = tuple[float | None, float | None]


def against_draws(fit: CauseFit, who: str, line: Happening | SellerMove, run: Draws) -> Miss:
    """A fitted cause's share and median against what `run` drew of `line` (relative errors;
    None where it drew none, or the line's shape has no median from its draws)."""
    name = line.action if isinstance(line, SellerMove) else line.trigger
    drawn = run.share((who, line.status, name))
    middle = run.median((who, line.status, name), line.after)
    return (
        abs(fit.probability - drawn) / drawn if drawn else None,
        abs(fit.median_s - middle) / middle if middle else None,
    )


def replay_misses(fitted: Calibrated, scenario: Scenario, run: Draws) -> dict[str, Miss]:
    """Per line of `scenario`: how far the fit of one of its runs (`run` its draws) misses what
    that run drew, as `against_draws`."""
    misses = {}
    for who, line in _lines(scenario):
        name = line.action if isinstance(line, SellerMove) else line.trigger
        fit = fitted.cause(who, line.status, name)
        if fit is not None and fit.at_risk > 0:
            misses[f"{line.status} {name}"] = against_draws(fit, who, line, run)
    return misses


def typical_miss(replays: list[dict[str, Miss]], line: str, which: int) -> float | None:
    """The root mean square of a line's errors against their own draws over the replays (see
    `with_noise`); None where no replay measured one."""
    found = [e for m in replays if line in m for e in [m[line][which]] if e is not None]
    return math.sqrt(sum(e * e for e in found) / len(found)) if found else None


def with_noise(errors: list[Recovered], replays: list[dict[str, Miss]]) -> list[Recovered]:
    """The errors against the run's draws in units of the fit's own miss of the draws, as a
    parametric bootstrap measures it: the calibrated scenario's replays (`REPLAY_SEEDS`), each
    fitted back the same way and held to what it drew itself. The fit cannot see which of the
    stays another exit ended carried a draw of a cause (a third of the 1 % cancellations before
    notification lose to the seller's acceptance): its miss of the draws is noise of its own,
    which shrinks with the log only as a square root. A miss of a few of these units is that
    noise; many, a bias."""
    out = []
    for e in errors:
        share, median = typical_miss(replays, e.line, 0), typical_miss(replays, e.line, 1)
        out.append(
            replace(
                e,
                share_z_vs_run=_ratio(e.share_vs_run, share),
                median_z_vs_run=_ratio(e.median_vs_run, median),
            )
        )
    return out


def _ratio(error: float | None, noise: float | None) -> float | None:
    return error / noise if error is not None and noise else None


@dataclass(frozen=True)
class Recovered:
    """One fitted line against the truth: relative errors, the same in standard errors, the
    relative errors against what the run drew (None where it drew none), and those in units of
    the fit's own miss of the draws on the replays (`with_noise`; None before or without)."""

    line: str
    share: float
    median: float
    share_z: float
    median_z: float | None  # None: no delay of it was seen (the median is the scenario's)
    share_vs_run: float | None
    median_vs_run: float | None
    share_z_vs_run: float | None = None
    median_z_vs_run: float | None = None

    def missed(self) -> bool:
        """Whether it misses the issue's tolerances against what the run drew."""
        return (self.share_vs_run or 0.0) > SHARE_GOAL or (self.median_vs_run or 0.0) > MEDIAN_GOAL

    def note(self) -> str:
        z = "no delay seen" if self.median_z is None else f"{self.median_z:.1f}"
        return (
            f"{self.line}: share off {self.share:.1%} ({self.share_z:.1f} standard errors), "
            f"median off {self.median:.1%} ({z}); against the run's draws "
            f"{_pct(self.share_vs_run)}{_units(self.share_z_vs_run)} and "
            f"{_pct(self.median_vs_run)}{_units(self.median_z_vs_run)}"
        )


def _units(z: float | None) -> str:
    return "" if z is None else f" ({z:.1f} times the replays' typical miss)"


def _pct(value: float | None) -> str:
    return "none drawn" if value is None else f"{value:.1%}"


def distance_log(source: StoreLog, rules_of: Scenario, cases: int, seed: int) -> pd.DataFrame:
    """`cases` orders of a log drawn at random (by `seed`), one row per event at its entry
    (`analytics.censoring`)."""
    log = prepare(source.frame, [rules_of.rules], polls=source.polls)
    orders = int(log[CASE].max()) + 1 if len(log) else 0
    drawn = np.random.default_rng(seed).choice(orders, size=min(cases, orders), replace=False)
    log = log[log[CASE].isin(drawn)].reset_index(drop=True)
    at = pd.to_datetime(entries(log).placed()).tz_localize("UTC")
    return pd.DataFrame(
        {
            "case": log[CASE].to_numpy(),
            "activity": log["to_status"].astype(str).to_numpy(),
            "start": at,
            "end": at,
            "resource": log["actor"].astype(str).to_numpy(),
        }
    )


def distances(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """Each measure of log-distance-measures (a dev dependency) between logs `a` and `b`."""
    from log_distance_measures import case_arrival_distribution as arrival
    from log_distance_measures import circadian_event_distribution as circadian
    from log_distance_measures import cycle_time_distribution as cycle
    from log_distance_measures import n_gram_distribution as ngram
    from log_distance_measures import relative_event_distribution as relative
    from log_distance_measures.config import EventLogIDs

    ids = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")
    hour = datetime.timedelta(hours=1)
    measures: dict[str, Callable[[], float]] = {
        "ngram": lambda: ngram.n_gram_distribution_distance(a, ids, b, ids, n=3),
        "case_arrival": lambda: arrival.case_arrival_distribution_distance(a, ids, b, ids),
        "circadian_event": lambda: circadian.circadian_event_distribution_distance(a, ids, b, ids),
        "relative_event": lambda: relative.relative_event_distribution_distance(a, ids, b, ids),
        "cycle_time": lambda: cycle.cycle_time_distribution_distance(a, ids, b, ids, hour),
    }
    return {name: float(measure()) for name, measure in measures.items()}


def _calibrated(source: StoreLog, truth: Scenario) -> tuple[Calibrated, Scenario | None]:
    fitted = calibrate(source, truth.rules, truth)
    here = Path(truth.rules.source).resolve().parent / "calibrated.yaml"
    scenario, _ = check_scenario_text(
        scenario_text(fitted, here, "the bench"), str(here), truth.rules
    )
    return fitted, scenario


def run(size: str) -> BenchResult:
    result = BenchResult("calibrate")
    per_day, days = RECOVERY[size]
    truth = world(per_day)
    draws = Draws()
    source, _ = simulated(truth, days, 7, draws)
    started, cpu = time.perf_counter(), time.process_time()
    fitted, scenario = _calibrated(source, truth)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    result.figures = {
        "calibrate_seconds": seconds,
        "calibrate_cpu_seconds": cpu,
        "calibrate_events": float(len(source.frame)),
        "calibrate_orders": float(fitted.arrivals.orders),
    }
    errors = recovery_errors(fitted, truth, draws)
    result.agree["calibrated_scenario_loads"] = scenario is not None
    result.agree["every_status_shares_sum_to_at_most_one"] = all(
        sum(c.probability for c in fit.causes) <= 1.0 + 1e-9
        for fit in (*fitted.marketplace, *fitted.seller)
    )
    if scenario is not None:
        errors = with_noise(errors, _replays(result, size, (truth, source), scenario))
    result.figures.update(
        {
            "calibrate_worst_share_error": max(e.share for e in errors),
            "calibrate_worst_median_error": max(e.median for e in errors),
            "calibrate_worst_share_z": max(e.share_z for e in errors),
            "calibrate_worst_median_z": max(e.median_z or 0.0 for e in errors),
            "calibrate_worst_share_error_vs_run": max(e.share_vs_run or 0.0 for e in errors),
            "calibrate_worst_median_error_vs_run": max(e.median_vs_run or 0.0 for e in errors),
            "calibrate_per_day_error": abs(fitted.arrivals.per_day - per_day) / per_day,
        }
    )
    if scenario is not None:
        result.figures["calibrate_worst_share_z_vs_run"] = max(
            e.share_z_vs_run or 0.0 for e in errors
        )
        result.figures["calibrate_worst_median_z_vs_run"] = max(
            e.median_z_vs_run or 0.0 for e in errors
        )
    worst = sorted(errors, key=lambda e: -max(e.share, e.median))[:5]
    result.notes[:0] = [e.note() for e in worst]
    misses = [f"misses against the run's draws: {e.note()}" for e in errors if e.missed()]
    result.notes[len(worst) : len(worst)] = misses
    return result


def _replays(
    result: BenchResult, size: str, original: tuple[Scenario, StoreLog], scenario: Scenario
) -> list[dict[str, Miss]]:
    """The distances of the calibrated scenario's replays and of the original's (the floor) to
    the original log (see the module); and each calibrated replay fitted back the same way, its
    misses of its own draws (`replay_misses`, for `with_noise`)."""
    truth, source = original
    days, cases, seeds = RECOVERY[size][1], CASES[size], REPLAY_SEEDS[size]
    base = distance_log(source, truth, cases, 0)
    found, floor = dict.fromkeys(MEASURES, 0.0), dict.fromkeys(MEASURES, 0.0)
    misses = []
    for seed in seeds:
        # The same seed for both replays, and the same draw of orders from each.
        drawn = Draws()
        replay, _ = simulated(scenario, days, seed, drawn)
        again = distances(base, distance_log(replay, truth, cases, seed))
        misses.append(replay_misses(calibrate(replay, truth.rules, scenario), scenario, drawn))
        del replay
        other = distances(base, distance_log(engine_log(truth, days, seed), truth, cases, seed))
        for name in MEASURES:
            found[name] += again[name] / len(seeds)
            floor[name] += other[name] / len(seeds)
    for name in MEASURES:
        result.figures[f"calibrate_{name}"] = found[name]
        result.figures[f"calibrate_{name}_floor"] = floor[name]
        ratio = found[name] / floor[name] if floor[name] > 0 else math.inf
        result.notes.append(f"{name}: {found[name]:.4g} against a floor of {floor[name]:.4g} "
                            f"({ratio:.2f}x; goal at most 1.2x)")  # fmt: skip
    return misses
