"""Analytics: pure pandas over the event log, the same for a store, a simulated month or a test.

Every figure the app shows and every export is computed here, from the event log's columns
(docs/architecture.md, "Event log columns"), the rule set's values and the records handed over
with them (fetch runs, outbox entries), and from nothing else: of ours, analytics import
engine.model alone (no store, no simulator, no workspace), so whatever produced the log, the
figures mean the same. The modules:

- `eventlog`: `prepare`, the log checked, typed and sorted once; the filters every view shares.
- `overview`: the Overview page's key figures, how they moved, the daily trend, the funnel.
- `funnel`: the funnel by stage, and where orders leave it.
- `flow`: the directly-follows graph, per transition, and as a Sankey's links.
- `timing`: time in each status, and from creation to a trigger or a stage (median and tails).
- `variants`: the distinct paths orders took, with how many took each.
- `anomalies`: anomalies and inferred statuses, by cause.
- `conformance`: per marketplace and period, the share of orders without a deviation, and the
  deviations by kind and by move with the orders behind each.
- `lines`: orders whose cart lines disagree (partial acceptance, refusal, refund...), by mix.
- `sla`: the orders waiting at a status with a timer, and how close each is to its deadline.
- `sync_health`: the fetch runs, how far the committed data reaches, what failed.
- `outbox_health`: the seller actions on their way to the marketplace, and which ones are stuck.
- `export`: the log for process-mining tools: CSV, Parquet and XES.
"""
