"""`make bench`: each benchmark runs its baselines and our code on the same workload, in the same
process and run, and reports figures and ratios (our time over the baseline's: lower is better).

Speed claims are kept honest by measuring them beside a plain way of doing the same work, on the
same machine at the same moment, so the ratios travel between machines. Nothing imports this
package but its own runner and the tests (which run it at a tiny size so it cannot rot). The
modules:

- `__main__`: `python -m bench`: every benchmark, one table, `bench/results.json`.
- `result`: `BenchResult`, what one benchmark reports: figures, ratios, agreement.
- `runtime_bench`: the runtime's paths against a plain dict and a shared pytransitions machine.
- `ingest_bench`: order pages synced into SQLite against a plain `executemany`.
- `overview_bench`: the Overview page's analytics against a plain pandas groupby.
- `simulate_bench`: a simulated month end to end against a plain SimPy model.
- `simpy_orders`: that SimPy model, the simulator benchmark's baseline.
- `startup_bench`: the `orderflow` command's start-up against a bare interpreter's.
"""
