"""Results: what a run leaves behind, as files for programs and as figures for people.

A run keeps small integer codes while it runs; only here do they become named columns, so the
simulation pays for names once per chunk. Files and summaries carry no wall-clock time: the same
seed writes the same bytes. The modules:

- `output`: `RunFiles`, the event log streamed in chunks and the truth written while the run
  polls, then the commands, anomalies and orders (Parquet or CSV), each on its own thread.
- `table_file`: `TableFile`, one table written chunk by chunk on a thread of its own, with a
  bounded backlog.
- `columns`: the run's integer codes to Arrow columns (dictionaries, timestamps, order ids).
- `summary`: `summarise`, a run's figures as JSON data: final stages, timers, seller delays,
  refusals, anomalies, missed changes, the outbox.
- `report`: the summary as a table a person reads in a terminal or a text file.
- `compare`: two sides on the same arrivals, replicated on cores or Dask, with 95% intervals
  (it summarises each run, so it sits with the summaries, above the runs).
"""
