"""The workspace: what the app and the command line do on top of the engine, the simulator and
the analytics.

Both faces of orderflow need the same things: the rule files and the store found and read, a rule
file saved safely from an editor, one order at the seller's desk, a simulation with its knobs
turned, a store filled from a simulated month. They live here once, with no Streamlit and no
click, so the pages and the commands stay thin and a test calls them directly. Nothing here
imports cli/ or the app. The modules:

- `sources`: where the data is: the rule book of a directory (valid and broken files) and the
  store's records as the frames analytics take.
- `rule_files`: the rule files as the editor reads and saves them: checked first, written
  atomically, the previous version kept, never outside the rules directory; every kept version
  addressable by its rules_version or content hash, diffed, restored.
- `order_desk`: one order at the desk: found (by id, status, lines that disagree), its options
  with their blockers, the fields a blocked action needs.
- `order_story`: one order's story: its timeline (events, field changes, anomalies, actions) and
  its cart lines with their mix.
- `simulation`: what the Simulate page runs: a scenario with its knobs turned, two runs compared
  (with the commands each refused), the pair replicated for 95 % intervals.
- `calibrated`: a store's own scenario, calibrated from its event log, and the outcomes (lost
  share, median time to ship, timer cancellations) of a store or of a scenario's replications.
- `sample_store`: the demo store, filled from a simulated month that ends now, what
  `orderflow run` starts on when there is no data yet.
- `outbox_problems`: the failed and unconfirmed seller actions with their orders and reasons.
"""
