"""Scenarios: the world around a rule file, read from a file and checked against that rule file.

A scenario names a rule file and says how orders arrive, which fields they carry, what the
customers, the payment and the marketplace do at each status and what the seller does once a
fetch has shown an order. Every name in it comes from the rule file, so a scenario for another
marketplace is just another file, read with the rule file's `Reader` and the same located
problems. The modules:

- `loader`: the entry points: `load_scenario` for a file, `check_scenario_text` for an editor.
- `values`: `Scenario` and its parts as immutable values; it imports nothing of this package.
- `builder`: `ScenarioBuilder`, located YAML to a `Scenario` with every problem located.
- `world_reader`: happenings, seller moves and field mixes, each name checked against the rules.
- `delay_reader`: delays as durations or distributions, probabilities, shares of field values.
- `distributions`: delays as exponential, log-normal, fixed or empirical shapes, drawn in vectors
  (what a scenario's delays are written in, so they live with the scenario's values).
"""
