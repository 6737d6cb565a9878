"""The analyst app's pages: one module per page, each a view over the workspace, analytics/ and
the engine, and the few modules the pages share.

`app.py` names the pages by path and Streamlit runs the one asked for; a page draws what the
packages below compute. Only the app imports Streamlit, and nothing outside the app imports
these modules. The pages:

- `overview`: the key figures (each saying which orders it counts) and how they moved, the daily
  trend, a funnel per rule file, SLA risk, the orders whose cart lines disagree.
- `flow`: the process map, the rule set's diagram drawn with what happened, a Sankey, times,
  variants (finished and open), anomalies.
- `orders`: find an order (its lines' mix shown, or only those whose lines disagree), read its
  timeline and its lines, see what the seller may do and queue an action.
- `rules`: the rule files, their diagrams, an editor that saves only a valid file, and every
  kept version: diffed against any other, restored by a save that can be undone.
- `rule_check`: the Rules page's Check button: `orderflow check` on the edited text, a
  counterexample drawn on the diagram.
- `simulate`: a scenario with its knobs turned, run next to a baseline on the same arrivals, the
  commands each refused, and the pair replicated for 95 % intervals.
- `simulate_calibrated`: the Simulate page's store calibrated into a scenario, one policy
  changed, both replicated for 95 % intervals.
- `sync`: the fetch runs, errors, the quarantine and the outbox of seller actions, the failed and
  unconfirmed ones with their orders and reasons.

What they share:

- `settings`: where the app finds the store (the demo store or yours), the rule files and the
  scenarios.
- `caches`: the store, the rule files, the event log and the line mixes, loaded once and kept.
- `filters`: the sidebar of the analytics pages and the `LogFilter` it selects, from the rule
  files' fields and the paths, kept from one page to the next; and the drill-down from a figure
  to the orders behind it.
- `link`: the sidebar's filters in the page's address, so a view can be bookmarked and shared;
  an address the store's log cannot honour stops the page and says why.
- `process_map`: the Flow page's map of what orders did (counts or times, bottlenecks coloured,
  deviations dashed red), its edges leading to their orders.
- `formats`: how the pages show durations, tables and diagrams.
- `rule_editor`: the Rules page's code editor: line numbers, a monospace font, problems marked
  at their lines.
- `rule_impact`: the Rules editor's confirmation before a save: what the change does to the
  orders in flight in the store, line by line with the orders behind each.
"""
