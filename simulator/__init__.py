"""The simulator: a month of a marketplace's orders in seconds, read by the engine itself.

A merchant asks "what if the seller were slower, or the rule file different?" before real orders
pay for the answer. A run draws what really happens to each order (the truth), polls it in the
windows the engine's own fetch scheduler plans, and hands every poll to the engine's runtime, so
what the engine makes of it is what it would make of real orders.
It runs the engine but never writes its store (a run writes its own files; workspace fills a
store from one), and imports nothing above the engine. Its packages, each meant to import only
those listed before it (tests/test_architecture.py lists the imports that still go back):

- `scenario`: a scenario file (the world around a rule file), read and checked against it.
- `world`: the truth in virtual time: arrivals, fields, delays, the marketplace and the seller.
- `twin`: a Lengow-compatible HTTP service on loopback, serving simulated orders.
- `run`: one run polled through the engine; replicated comparisons; a live run behind the twin.
- `results`: a run's files (Parquet or CSV), its summary and the report a person reads.

`scenarios/` holds the shipped scenario files (data, no code). This file imports nothing.
"""
