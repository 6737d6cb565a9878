"""Two scenarios (or one scenario on two rule files) on the same arrivals, replicated.

Each replication draws one set of arrivals and runs both sides on it with the same seed (common
random numbers), so the differences measure the change, not the luck of the draw. Replications
run in parallel: on the machine's cores (multiprocessing), or on a Dask cluster when given its
address; both call the same top-level `replicate`. The result is, per figure, the mean of each
side and the mean paired difference with its 95% confidence interval (Student's t).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.model.errors import OrderflowError
from simulator.results.summary import summarise
from simulator.run.runner import draw_arrivals, simulate
from simulator.scenario.values import Scenario

# Two-sided 95% quantiles of Student's t by degrees of freedom (1-30); beyond, the normal's.
T95 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t95(freedom: int) -> float:
    return T95[freedom - 1] if freedom <= len(T95) else 1.96


def metrics(summary: dict[str, Any], actions: Sequence[str] = ()) -> dict[str, float]:
    """The figures worth comparing, flat: shares in percent, counts, hours.

    Every action of `actions` (the rule set's) gets its figures, so one that was never used
    compares as 0 commands; its median time is NaN, unknown rather than zero hours.
    """
    orders = max(summary["orders"], 1)
    figures: dict[str, float] = {"orders": float(summary["orders"])}
    for stage, count in summary["final_stage"].items():
        figures[f"% of orders ending {stage}"] = 100.0 * count / orders
    for timer, count in summary["timers"].items():
        figures[f"timer {timer}, % of orders"] = 100.0 * count / orders
    for action in dict.fromkeys([*actions, *summary["seller"]]):
        seller = summary["seller"].get(action, {})
        figures[f"{action}: commands sent"] = float(seller.get("sent", 0))
        figures[f"{action}: median hours at the status"] = seller.get("median_hours", math.nan)
    figures["commands refused"] = float(sum(r["count"] for r in summary["refused"]))
    figures["anomalies"] = float(sum(a["count"] for a in summary["anomalies"]))
    figures["status changes missed by the polls"] = float(summary["visibility"]["missed_by_polls"])
    return figures


@dataclass(frozen=True)
class Job:
    """One replication: both sides, the run's length, the base seed and the replication."""

    first: Scenario
    second: Scenario
    days: int
    seed: int
    replication: int

    def seed_of(self) -> int:
        return int(np.random.SeedSequence([self.seed, self.replication]).generate_state(1)[0])


def replicate(job: Job) -> tuple[dict[str, float], dict[str, float]]:
    """Both sides of one replication on the arrivals of the first side."""
    seed = job.seed_of()
    arrivals = draw_arrivals(job.first, job.days, np.random.default_rng(seed))
    sides = [simulate(s, job.days, seed, arrivals=arrivals) for s in (job.first, job.second)]
    first, second = (
        metrics(summarise(run), [a.name for a in run.scenario.rules.actions]) for run in sides
    )
    return first, second


@dataclass(frozen=True)
class Difference:
    """A figure's mean on each side and the mean paired difference; None where unknown."""

    figure: str
    first: float | None
    second: float | None
    difference: float | None
    half_width: float | None  # of the 95% interval; None with fewer than two pairs


def differences(pairs: list[tuple[dict[str, float], dict[str, float]]]) -> list[Difference]:
    """Per figure (present on either side), the paired difference second - first.

    A figure missing on a side counts 0 (no order ended there, no command was sent); a NaN
    figure (a median of nothing) is unknown: left out of its side's mean and of the pairs.
    """
    names = list(dict.fromkeys(n for a, b in pairs for n in (*a, *b)))
    result = []
    for name in names:
        a = np.asarray([p[0].get(name, 0.0) for p in pairs], dtype=np.float64)
        b = np.asarray([p[1].get(name, 0.0) for p in pairs], dtype=np.float64)
        d = (b - a)[~np.isnan(a) & ~np.isnan(b)]
        half = None
        if d.size > 1:
            half = t95(d.size - 1) * float(np.std(d, ddof=1)) / math.sqrt(d.size)
        result.append(Difference(name, _mean(a), _mean(b), _mean(d), half))
    return result


def _mean(values: NDArray[np.float64]) -> float | None:
    known = values[~np.isnan(values)]
    return float(known.mean()) if known.size else None


Mapper = Callable[[Callable[[Job], Any], list[Job]], Iterable[Any]]


def local_map(workers: int | None = None) -> Mapper:
    """Run jobs on this machine's cores (one process per job, at most `workers` at once)."""

    def run(fn: Callable[[Job], Any], jobs: list[Job]) -> Iterator[Any]:
        if len(jobs) == 1 or workers == 1:
            yield from (fn(job) for job in jobs)
            return
        context = multiprocessing.get_context("spawn")
        with context.Pool(min(workers or multiprocessing.cpu_count(), len(jobs))) as pool:
            yield from pool.imap(fn, jobs)

    return run


class DaskUnreachable(OrderflowError):
    """The Dask scheduler given for the replications cannot be reached."""


class DaskMissing(OrderflowError):
    """`--dask` was given but Dask, an extra of orderflow, is not installed."""


DASK_MISSING = "--dask needs Dask: pip install 'orderflow[dask]'"


def dask_map(address: str) -> Mapper:
    """Run jobs on the Dask cluster at `address` (its workers need orderflow installed)."""

    def run(fn: Callable[[Job], Any], jobs: list[Job]) -> Iterator[Any]:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise DaskMissing(f"{DASK_MISSING} ({exc})") from exc
        try:
            client = Client(address)  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as exc:  # a timeout is an OSError; a bad address, a value
            raise DaskUnreachable(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        with client:
            for future in client.map(fn, jobs, pure=False):
                yield future.result()

    return run


def compare(
    first: Scenario,
    second: Scenario,
    days: int,
    seed: int,
    replications: int,
    mapper: Mapper | None = None,
) -> list[Difference]:
    jobs = [Job(first, second, days, seed, r) for r in range(replications)]
    pairs = list((mapper or local_map())(replicate, jobs))
    return differences(pairs)


def render(found: list[Difference], first: str, second: str, replications: int) -> str:
    """The differences as a table; an interval that excludes zero is marked with '*'."""
    width = max([len(d.figure) for d in found] + [6])
    sides = max(12, len(first), len(second))
    head = f"{'figure':<{width}}  {first:>{sides}}  {second:>{sides}}  {'difference':>22}"
    lines = [
        f"{replications} replication(s), same arrivals on both sides; "
        "95% confidence intervals, * where zero is outside; – where nothing was measured",
        "",
        head,
        "-" * len(head),
    ]
    for d in found:
        first_value, second_value = _number(d.first), _number(d.second)
        lines.append(
            f"{d.figure:<{width}}  {first_value:>{sides}}  {second_value:>{sides}}  "
            f"{_difference(d):>22}"
        )
    return "\n".join(lines) + "\n"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _difference(d: Difference) -> str:
    if d.difference is None:
        return "–"
    if d.half_width is None:
        return f"{d.difference:+.2f}"
    mark = "*" if abs(d.difference) > d.half_width else " "
    return f"{d.difference:+.2f} \u00b1 {d.half_width:.2f}{mark}"
