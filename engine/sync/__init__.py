"""Sync: the engine put together, orders in from the channel through the runtime into the store,
and seller actions back out through the outbox.

This is the one package of the engine that joins the others: it may import engine.model,
engine.rulefile, engine.runtime, engine.store and engine.channels, and nothing else of ours.
`orderflow sync`, `orderflow worker` and `orderflow act`, the app's order desk and the
simulator's fetch plan come here. The modules:

- `syncer`: `Syncer.run_once`: fetch the planned windows, commit each page in one transaction,
  then send and confirm the outbox.
- `order_date`: a new order's creation dated by the marketplace's order date, observed.
- `sync_report`: what one run did (windows, orders, events, what it set aside, the outbox), and
  its one-line summary.
- `accounts`: the syncer of each Lengow account the settings list, and one pass of it.
- `job_queue`: the accounts' passes as jobs N workers share (procrastinate, in the store's
  PostgreSQL database): a lock per account, a sync of every account deferred each minute.
- `scheduler`: `plan`, the windows to fetch, a pure function of the time and the past runs.
- `window_lease`: the lease of a sync's fetch windows, so one sync at a time walks them.
- `outbox_sender`: send each outbox entry once (an interrupted send is looked up first),
  confirm the sent ones from later fetches.
- `seller_actions`: `submit`, a seller action checked by the runtime then queued, never sent.
- `pinned_rules`: the rule sets orders run under, kept in the store (`rule_versions`) first.
- `order_rules`: the rules each stored order runs under, the version it is pinned to (an earlier
  one loaded from the store once), with an anomaly when that version cannot be run.
- `timer_sweep`: the rule files' timers fired on the stored orders, dated at their deadlines.
"""
