"""Validation: what is wrong with a rule set as a whole, once its file has been read.

The rule file's builder checks shapes, spellings and references while it reads; what is wrong
only in the whole (a status no order reaches, a dead end, two transitions one trigger cannot
choose between, a timer at a final status...) is checked here, on the built `RuleSet` alone. So
validation imports engine.model and nothing else of ours, and checks a rule set from any source.
The module:

- `checks`: one small function per check, and `validate`, which runs them all (the local checks
  always, the whole-graph ones on a complete build only) and returns located problems.
"""
