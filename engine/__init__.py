"""The engine: a marketplace's rule file run on orders, stored, and kept in step with the channel.

Everything that decides what an order may do lives here, and none of it knows the simulator, the
analytics, the app or the command line, so whoever calls it gets the same answers. Each package
imports only packages listed before it (tests/test_architecture.py keeps it true):

- `model`: the values every part shares (rule set, snapshot, events, outcome, blockers,
  problems, errors, clock); the standard library only.
- `validation`: the semantic checks of a built rule set (the graph and the policies).
- `rulefile`: rule files read, built and validated into a `RuleSet`, written back, drawn, and
  the format's JSON Schema.
- `runtime`: one `transitions` machine per rule set, moving orders kept as plain records; the
  table and bulk paths beside it.
- `store`: the order store and its event log, on SQLite or PostgreSQL.
- `channels`: the Lengow API, order pages in and seller actions out, and order JSON mapped to
  snapshots.
- `sync`: fetch what the scheduler plans, run it through the runtime, commit it; the outbox
  sent and confirmed.

This file imports nothing, so importing one package of the engine loads that package alone.
"""
