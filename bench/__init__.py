"""`make bench`: each benchmark runs its peers and our code on the same workload, at full size, in
the same run, the sides in turn; it checks that they produced the same result and reports
figures, ratios (our median time over the peer's: lower is better) and that agreement.

Speed claims are kept honest by measuring them beside a plain way of doing the same work, on the
same machine at the same moment, so the ratios travel between machines. Nothing imports this
package but its own runner and the tests (which run it at a tiny size so it cannot rot). The
modules:

- `__main__`: `python -m bench`: every benchmark, one table (each ratio beside its peer and
  agreement), `bench/results.json`.
- `result`: `BenchResult`, what one benchmark reports (figures, ratios with their peers,
  agreement), and `interleaved`, which times the sides in turn and keeps each one's median.
- `runtime_bench`: the runtime's paths against a plain dict and a shared pytransitions machine.
- `ingest_bench`: order pages synced into SQLite against the same storage by hand in `sqlite3`
  and against a plain `executemany` (the floor).
- `sqlite_ingest`: that hand-written storage, the ingest benchmark's equal peer.
- `overview_bench`: the Overview page's analytics against a plain pandas groupby.
- `simulate_bench`: a simulated month end to end against an independent SimPy model.
- `simpy_orders`: that SimPy model, the simulator benchmark's peer.
- `memory_bench`: the simulator's peak memory on whole runs of 1 and 3 million orders, and
  the marginal bytes an order.
- `outcome_mix`: how a simulated month ended, what the two simulators must agree on.
- `read_log_bench`: the event log read as the app reads it, against plain `sqlite3` and
  `pandas.read_sql_query`.
- `check_bench`: `orderflow check` on the Cdiscount rules (goal: 1,000 orders in 10 s), its
  exploration against plain Hypothesis walks on a dict.
- `generated_store`: a seeded Cdiscount month in a SQLite store (200,000 orders, about
  1,000,000 events), built once and kept: what `read_log_bench` and `app_bench` read.
- `app_bench`: the analyst app on that store: its first Overview from a cold start (time, CPU,
  peak memory), then every page warm.
- `app_session`: the app benchmark's child process, driving `app.py` with Streamlit's `AppTest`.
- `own_peak`: a module run in a child process that writes its own peak memory as it ends.
- `calibrate_bench`: a known scenario calibrated back from the engine's log (time, recovered
  figures) and the log distances of its runs beside the floor set by noise.
- `startup_bench`: the `orderflow` command's start-up against a bare interpreter's.
- `sync_workers_bench`: 4 Lengow accounts synced by 4 `orderflow worker` processes against
  1, on PostgreSQL, against twins answering 100 ms late.
- `sync_http_bench`: `orderflow sync --once` against the twin over loopback at 20,000 and
  100,000 orders (orders a second, their ratio), and its memory on a 200,000-order store.
"""
