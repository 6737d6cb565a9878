"""Analytics: pure pandas over the event log, the same for a store, a simulated month or a test.

Every figure the app shows and every export is computed here, from the event log's columns
(docs/architecture.md, "Event log columns"), the rule set's values and the records handed over
with them (fetch runs, outbox entries), and from nothing else: of ours, analytics import
engine.model alone (no store, no simulator, no workspace), so whatever produced the log, the
figures mean the same. One definition per measure, each saying which orders it counts, and one
rule for an inferred status's unknown entry time (`censoring`), used by every page, export and
command alike. The modules:

- `eventlog`: `prepare`, the log checked, typed and sorted once, its case attributes spread.
- `attributes`: the rule files' enum and bool fields, as case attributes, filters and export
  attributes, with their labels.
- `selection`: the `LogFilter` every view and export shares, and `filter_log` (whole orders).
- `censoring`: when each status was entered (exactly, or within its poll bounds, with an
  estimate), and how long a span lasted: known, censored or unbounded.
- `overview`: the Overview page's key figures, how they moved, the daily trend, the funnels.
- `outcomes`: how each order ended so far (shipped, lost, open) and when; the lost share.
- `funnel`: the funnel by stage per rule file, and where orders leave it.
- `flow`: the directly-follows graph and the process map drawn from it (counts, times,
  deviations), per transition, and as a Sankey's links.
- `timing`: time in each status, and from creation to a trigger or a stage (median, tails and
  the bounds of the median).
- `variants`: the distinct paths orders took, open or finished, with how many took each.
- `anomalies`: anomalies and inferred statuses, by cause.
- `conformance`: per marketplace and period, the share of orders without a deviation, and the
  deviations by kind and by move with the orders behind each.
- `lines`: orders whose cart lines disagree (partial acceptance, refusal, refund...), by mix.
- `sla`: the orders waiting at a status with a timer, and how close each is to its deadline.
- `sync_health`: the fetch runs, how far the committed data reaches, what failed.
- `outbox_health`: the seller actions on their way to the marketplace, and which ones are stuck.
- `export`: the log for process-mining tools: CSV, Parquet and XES, inferred events kept as
  stored, dropped, or placed within their poll bounds.
- `xes`: the XES names and time format, and the writer of the export's table as XES.
"""
