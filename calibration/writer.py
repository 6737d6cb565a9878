"""A calibrated scenario as the YAML text of a scenario file, each figure with its population.

The text is what `simulator.scenario.loader` reads (the shipped scenarios' layout), so the
calibrated scenario runs with `orderflow simulate` like any other. Each figure carries a comment:
from how many orders or stays it was fitted, and for a delay which shape and why; a line kept
from the base scenario says so and why. Durations are written in the unit a reader expects
(minutes under an hour, hours under two days, days beyond), to four decimals.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

from calibration.competing import CauseFit
from calibration.fitted import Calibrated, Kept, StatusFit
from simulator.scenario.distributions import Distribution, Empirical, Exponential, Fixed, LogNormal
from simulator.scenario.values import FieldMix, SellerMove


def duration(seconds: float) -> str:
    """`seconds` as a scenario duration: 12.5m, 20.2551h, 2.0133d."""
    for unit, size, below in (("s", 1.0, 60.0), ("m", 60.0, 3600.0), ("h", 3600.0, 172800.0)):
        if seconds < below:
            return f"{_number(max(seconds, 1.0) / size)}{unit}"
    return f"{_number(seconds / 86400.0)}d"


def _number(value: float, places: int = 4) -> str:
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text if text not in ("", "0") else f"{value:.{places + 4}f}"


def probability(value: float) -> str:
    """A probability to four decimals, rounded down: the shares of a status never sum above 1."""
    return _number(math.floor(value * 10_000 + 1e-9) / 10_000)


def delay_text(delay: Distribution) -> str:
    if isinstance(delay, Exponential):
        return f"{{exponential: {{mean: {duration(delay.mean)}}}}}"
    if isinstance(delay, LogNormal):
        return f"{{lognormal: {{median: {duration(delay.median)}, sigma: {_number(delay.sigma)}}}}}"
    if isinstance(delay, Fixed):
        return duration(delay.seconds)
    values = ", ".join(_number(v, 1) for v in delay.values)
    weights = f", weights: [{', '.join(_number(w, 6) for w in delay.weights)}]"
    return f"{{empirical: {{values: [{values}]{weights if delay.weights else ''}}}}}"


def fitted_delay(cause: CauseFit) -> Distribution:
    """The fitted delay as the scenario's distribution value."""
    if cause.shape == "exponential":
        return Exponential(cause.params[0])
    if cause.shape == "lognormal":
        return LogNormal(math.exp(cause.params[0]), cause.params[1])
    return Empirical(cause.values, cause.weights)


def scenario_text(found: Calibrated, out: Path, source: str) -> str:
    """The scenario file's text, its rule file named relative to `out`'s folder."""
    return "\n".join([*_header(found, out, source), *_arrivals(found), *_orders(found),
                      *_marketplace(found), *_seller(found), ""])  # fmt: skip


def _header(found: Calibrated, out: Path, source: str) -> Iterator[str]:
    a = found.arrivals
    rules = os.path.relpath(Path(found.rules.source).resolve(), out.resolve().parent)
    yield f"# Calibrated by `orderflow calibrate` from {source}: the event log of marketplace"
    yield f"# '{found.rules.marketplace.code}', {a.orders:,} orders created over {a.days:.2f} days."
    yield "# Each figure says how many orders (or stays at a status) it was fitted from; stays"
    yield "# still open are right-censored, inferred entries placed within their poll bounds."
    if found.unbounded:
        yield (
            f"# {found.unbounded:,} entries before an order's first observation, with no poll "
            "before it, are not timed."
        )
    yield "format: 1"
    yield f"name: {json.dumps(found.name)}"
    yield f"description: {json.dumps(f'Calibrated from {source}.')}"
    yield f"rules: {json.dumps(rules)}"
    yield f"start: {found.start:%Y-%m-%dT%H:%M:%SZ}"
    yield f"days: {found.days}"
    yield ""


def _arrivals(found: Calibrated) -> Iterator[str]:
    a = found.arrivals
    yield "arrivals:"
    yield f"  per_day: {_number(a.per_day, 2)}   # {a.orders:,} orders over {a.days:.2f} days"
    yield f"  # Hours of the day (midnight first), weekdays (Monday first): {a.orders:,} orders."
    yield f"  hourly: [{', '.join(_number(v, 3) for v in a.hourly)}]"
    yield f"  weekly: [{', '.join(_number(v, 3) for v in a.weekly)}]"
    yield ""


def _orders(found: Calibrated) -> Iterator[str]:
    yield "orders:"
    if found.fulfilled is not None:
        done, known = found.fulfilled
        share = done / known if known else (found.base.fulfilled_share if found.base else 0.0)
        yield f"  fulfilled_share: {_number(share)}   # {done:,} of {known:,} orders"
    mixes = [m for m in found.fields if m.shares]
    if not mixes:
        return
    yield "  fields:"
    for mix in mixes:
        counted = mix.orders - mix.missing
        yield f"    {mix.field}:   # the orders' values, from {counted:,} orders"
        values = ", ".join(f"{json.dumps(code)}: {n}" for code, n in mix.shares)
        yield f"      values: {{{values}}}"
        if mix.missing:
            yield f"      missing: {_number(mix.missing / mix.orders)}   # {mix.missing:,} orders"
    yield ""


def _marketplace(found: Calibrated) -> Iterator[str]:
    yield "# What customers, the payment and the marketplace do at each status: the trigger, its"
    yield "# chance if the order is still there when the delay has passed, the delay."
    yield "marketplace:"
    for fit in found.marketplace:
        yield from _status(fit, "    ", "trigger")
    yield ""


def _seller(found: Calibrated) -> Iterator[str]:
    yield "# What the seller does once a fetch has shown the order (the delay runs from that poll)."
    yield "seller:"
    retry = found.base.retry_after if found.base else None
    if retry is not None:
        yield f"  retry_after: {delay_text(retry)}   # kept from the base scenario"
    yield "  at:"
    for fit in found.seller:
        yield from _status(fit, "      ", "action")


def _status(fit: StatusFit, indent: str, key: str) -> Iterator[str]:
    if not fit.causes and not fit.kept:
        return
    yield f"{indent[:-2]}{fit.status}:   # fitted on {fit.stays:,} stays at the status"
    for cause in fit.causes:
        yield f"{indent}# {cause.events:,} of the {cause.at_risk:,} stays ended by it; {cause.why}"
        line = f"{key}: {cause.name}, probability: {probability(cause.probability)}"
        fills = fit.fills.get(cause.name, ())
        yield f"{indent}- {{{line}, after: {delay_text(fitted_delay(cause))}{_fills_text(fills)}}}"
    for kept_line in fit.kept:
        yield from _kept(kept_line, indent, key)


def _kept(kept: Kept, indent: str, key: str) -> Iterator[str]:
    line = kept.line
    name = line.action if isinstance(line, SellerMove) else line.trigger
    yield f"{indent}# {kept.reason}"
    body = (
        f"{key}: {name}, probability: {_number(line.probability)}, after: {delay_text(line.after)}"
    )
    fills = line.fills if isinstance(line, SellerMove) else ()
    yield f"{indent}- {{{body}{_fills_text(fills)}}}"


def _fills_text(fills: tuple[FieldMix, ...]) -> str:
    if not fills:
        return ""
    parts = []
    for mix in fills:
        inner = []
        if mix.shares:
            inner.append(
                "values: {"
                + ", ".join(f"{json.dumps(c)}: {_number(w)}" for c, w in mix.shares)
                + "}"
            )
        if mix.missing:
            inner.append(f"missing: {_number(mix.missing)}")
        parts.append(f"{mix.field}: {{{', '.join(inner)}}}")
    return f", fills: {{{', '.join(parts)}}}"
