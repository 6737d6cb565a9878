"""A visit that goes back where it came from between two polls: the stays the log never shows.

CancellationRequestPending is entered from WaitingForShipmentAcceptation only, and a withdrawn
request leads back there: an order whose customer asks to cancel and withdraws the request
between two polls is seen at WaitingForShipmentAcceptation both times, and the engine writes
nothing. The stays the log shows are the others: every one another cause ended (the engine
infers it on the way to that cause's target), and those the way back ended only when a poll
fell inside them. So the way back reads rarer than it is, and the stays it ended longer.

Where a status is entered from one status only, a cause leading back there is corrected for the
visits it hid. An entry lies uniformly within a poll period before the next poll, so a visit
that drew the cause (share p) ended unseen with chance q, the mean of the delay's distribution
function over one period. The log shows a part 1 - pq of the visits, among which the cause's
share reads p (1 - q) / (1 - pq): so p = p_seen / (1 - q + p_seen q), and the other causes'
shares are their fitted ones times 1 - pq. An exponential delay seen only past the first poll
after the entry is, being memoryless, a delay from that poll on: its mean is the fitted one less
the mean time from the entry to that poll. A log-normal delay keeps its fit (a share of a period
is far below its spread), and so does a delay kept from the base scenario (too few stays); an
empirical one is left as it is.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from calibration import shapes
from calibration.fitted import MIN_EVENTS, StatusFit
from calibration.stays import Stays
from engine.model.definition import RuleSet

# Points of the poll period over which a delay's distribution function is averaged.
POINTS = 64


def returning(rules: RuleSet, status: str) -> dict[str, str]:
    """The triggers at `status` that lead back to the only status it is entered from, each
    with that status (none when it is entered from several)."""
    sources = {s for t in rules.transitions if t.dest == status for s in t.sources}
    if len(sources) != 1:
        return {}
    (back,) = sources
    return {t.trigger: back for t in rules.transitions if status in t.sources and t.dest == back}


def unseen_returns(rules: RuleSet, fit: StatusFit, here: Stays) -> StatusFit:
    """`fit` with each cause leading back where the stays came from corrected for the visits
    the polls could not show (see the module)."""
    back = returning(rules, fit.status)
    found = [c for c in fit.causes if c.name in back and c.events and c.shape != "empirical"]
    if len(found) != 1:
        return fit  # none, or several ways back: their hidden visits cannot be told apart
    (cause,) = found
    params = cause.params
    fitted = cause.shape == "exponential" and cause.events >= MIN_EVENTS  # else the base's
    if fitted:
        ended = here.trigger == cause.name
        lead = float(np.mean(here.seen[ended] - here.entered[ended]))
        params = (max(params[0] - lead, 1.0), params[1])
    period = float(rules.schedule.every_seconds)
    grid = (np.arange(POINTS) + 0.5) * period / POINTS
    q = float(np.mean(1.0 - shapes.survival(cause.shape, params, grid)))
    seen = cause.probability
    share = seen / (1.0 - q + seen * q)
    shown = 1.0 - share * q
    why = (
        f"; {'share and delay' if fitted else 'share'} corrected for the visits that went back "
        f"to {back[cause.name]} between two polls, which the log cannot show"
    )
    causes = tuple(
        replace(c, probability=share, params=params, why=c.why + why)
        if c is cause
        else replace(c, probability=c.probability * shown)
        for c in fit.causes
    )
    return replace(fit, causes=causes)
