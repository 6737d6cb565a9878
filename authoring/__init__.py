"""Rule authors' tools: what a rule file promises, checked; what a change of it does to the orders
in flight; and the move of those orders to the new version.

A rule author edits YAML, not Python, so every tool here takes rule files (and a store, for the
orders in flight) and answers in the file's own terms: statuses, triggers, fields. Nothing here
imports the simulator, analytics, the workspace, cli/ or the app. The modules:

- `check`: `check`, a rule file's machine explored by Hypothesis for an order that breaks a
  property; the result says what was explored, or gives the shrunk counterexample.
- `lifecycles`: `Lifecycles`, random lifecycles of one order run through the runtime, and the
  steps they take.
- `field_values`: the values an explored order's fields take (`value_pools`, `field_values`).
- `choices`: `Choices`, an order's choices read from the bytes Hypothesis draws for it.
- `aims`: `Aim`, what an explored order aims at: a status, a property's fields.
- `timeline`: `Timeline`, `Step` and `Observation`, an explored order as its author reads it.
- `builtins`: `Builtins`, the properties every rule file is checked for.
- `properties`: the `properties:` a rule file declares, judged on a timeline.
- `report`: what `orderflow check` says of a file, as lines (the CLI and the app show them).
- `impact`: what replacing a rule file by a new version does to the orders in flight: a
  summary, one line per finding, with the orders behind each.
- `order_compare`: one order in flight under both versions: its place, actions, blockers, timer.
- `migration`: the orders in flight moved to a new rule version (`migrations:`), planned, then
  applied in one transaction; refused, naming the orders, while a status has nowhere to go.
"""
