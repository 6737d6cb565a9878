"""The analyst app's pages: one module per page, each a view over the workspace, analytics/ and
the engine, and the few modules the pages share.

`app.py` names the pages by path and Streamlit runs the one asked for; a page draws what the
packages below compute. Only the app imports Streamlit, and nothing outside the app imports
these modules. The pages:

- `overview`: the key figures (each saying which orders it counts) and how they moved, the daily
  trend, a funnel per rule file, SLA risk, the orders whose cart lines disagree.
- `flow`: the rule set's diagram drawn with what happened, a Sankey, times, variants, anomalies.
- `orders`: find an order (its lines' mix shown, or only those whose lines disagree), read its
  timeline and its lines, see what the seller may do and queue an action.
- `rules`: the rule files, their diagrams, and an editor that saves only a valid file.
- `simulate`: a scenario with its knobs turned, run next to a baseline on the same arrivals, the
  commands each refused, and the pair replicated for 95 % intervals.
- `sync`: the fetch runs, errors, the quarantine and the outbox of seller actions, the failed and
  unconfirmed ones with their orders and reasons.

What they share:

- `settings`: where the app finds the store (the demo store or yours), the rule files and the
  scenarios.
- `caches`: the store, the rule files, the event log and the line mixes, loaded once and kept.
- `filters`: the sidebar of the analytics pages and the `LogFilter` it selects, from the rule
  files' fields and the paths, kept from one page to the next.
- `formats`: how the pages show durations, tables and diagrams.
"""
