"""Calibration: a simulation scenario fitted from a store's own event log, run on the same rules.

The event log hides what a fit needs (orders still open, statuses only inferred between two polls,
the poll period itself); the fits here say from how many orders each figure comes and keep the
scenario's default where there are too few. Nothing here imports the workspace, cli/ or the app.
The modules:

- `calibrate`: the entry point: `read_store` takes a store's log and polls, `calibrate` fits it.
- `polls`: the poll grid over the whole log, from the recorded fetch runs and the rule's period.
- `stays`: every stay at a status: entered, first seen by a poll, left (or still open), how.
- `first_seen`: an order first seen past its creation was created after the poll before.
- `processes`: who moves an order on at each status (seller, customers, payment, marketplace).
- `competing`: exclusive causes racing a censoring: each one's share and delay, by EM.
- `round_trips`: a visit that went back where it came from between two polls, never logged.
- `hidden`: the chain of statuses an order may cross unseen between two polls, fitted whole.
- `chain`: that chain's generator and densities of leaving it, with their exact derivatives.
- `shapes`: the exponential and log-normal delays' EM steps over censored and interval data.
- `arrivals`: the daily rate with its hour-of-day and day-of-week profile.
- `field_mix`: the fields orders arrive with, the fulfilled share, what the seller types.
- `fitted`: the calibrated scenario as values, each figure with its population.
- `writer`: the calibrated scenario as a scenario file's text, each figure with a comment.
"""
