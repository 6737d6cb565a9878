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
- `outcome_mix`: how a simulated month ended, what the two simulators must agree on.
- `read_log_bench`: the event log read as the app reads it, against plain `sqlite3` and
  `pandas.read_sql_query`.
- `startup_bench`: the `orderflow` command's start-up against a bare interpreter's.
- `sync_workers_bench`: 4 Lengow accounts synced by 4 `orderflow worker` processes against
  1, on PostgreSQL, against twins answering 100 ms late.
"""
