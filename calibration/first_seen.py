"""The entries of an order first seen past its creation, bounded by the poll before that sight.

`analytics.censoring` leaves such entries unbounded: nothing in the log says when the order was
created. The fit knows more: the polls ran over the whole log (`calibration.polls`), and a poll
shows every order created before it, so an order first seen past its creation did not exist
yet at the last poll before that sight. Its entries lie between that poll (the log's
`last_poll` of the first observed event) and the sight itself, placed evenly in that gap as
`analytics.censoring` places the other inferred entries.

Leaving them out biases the fit: they are the orders that left their first status within one
poll period (a customer who cancelled minutes after ordering), so the stays kept there are the
longer ones. Where that poll is earlier than the log's first event, nothing says the polls
already ran: the entries stay unbounded, as before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.censoring import Entries, entries
from analytics.eventlog import POLL, case_first, instants


def first_seen_entries(log: pd.DataFrame) -> Entries:
    """`analytics.censoring.entries` of a prepared log, with the entries before an order's first
    observation bounded by the poll before it (see the module)."""
    found = entries(log)
    loose = ~found.bounded
    if POLL not in log.columns or not loose.any():
        return found
    n = len(log)
    starts = case_first(log)
    sizes = np.diff(np.r_[starts, n])
    # Unbounded entries are an order's leading inferred events: `k` of them, then its first sight.
    k = np.repeat(np.add.reduceat(loose.astype(np.int64), starts), sizes)
    start = np.repeat(starts, sizes)
    seen = k < np.repeat(sizes, sizes)  # the order was observed at all
    sight = np.minimum(start + k, n - 1)
    polled = np.asarray(log[POLL].dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")
    poll = polled[sight]
    times = instants(log)
    fixed = loose & seen & ~np.isnat(poll) & (poll >= times.min()) & (poll < times[sight])
    if not fixed.any():
        return found
    width = (times[sight] - poll).astype(np.int64)
    offset = (width * (np.arange(n) - start + 1)) // (k + 1)
    placed = poll + offset.astype("timedelta64[us]")
    low = np.where(fixed, poll, found.low)
    estimate = np.where(fixed, placed, found.estimate)
    return Entries(low, found.high, estimate, found.observed)
