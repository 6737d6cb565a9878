"""One output table written chunk by chunk, as Parquet row groups or CSV lines.

Chunks are encoded and compressed on a thread of the file's own (Arrow releases the GIL there),
one chunk after another, so writing overlaps the simulation and the other files. At most
`BACKLOG` chunks wait for that thread: a writer slower than the run holds the run back rather
than letting its chunks pile up in memory. A table whose chunks need nothing more of the run
(`write_all`) has them made on that thread too, one at a time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq

CHUNK_ROWS = 1 << 18
# Chunks handed to a file's thread and not written yet, at most.
BACKLOG = 2


def parquet_options(table: pa.Table) -> dict[str, Any]:
    """How a table's columns are encoded, compressed and described, measured on a month of a
    million orders (its five files, one writer thread each).

    - Dictionary pages for the columns that are dictionaries already (statuses, triggers...),
      plain for the nearly unique strings (order ids) and delta-coded integers and times (a
      tenth faster to write than plain ones, and the truth's times a tenth smaller).
    - zstd at its default level: lz4 and snappy wrote files 1.5-1.8 times as big for at most a
      tenth less time; level 3 costs a tenth to a fifth more time for 2 % less.
    - Min/max statistics on the times only: every table is in the order of one of its times
      (events by poll, truth and commands by time, orders by arrival), so a time filter skips
      row groups; the other columns hold much the same values in every row group, so theirs
      would skip none, and they cost about 40 % of the writing (a hash of each dictionary
      column's codes, a scan of each string column).
    """
    schema = table.schema
    numbers = [
        f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_timestamp(f.type)
    ]
    return {
        "compression": "zstd",
        "use_dictionary": [f.name for f in schema if pa.types.is_dictionary(f.type)],
        "column_encoding": dict.fromkeys(numbers, "DELTA_BINARY_PACKED"),
        "write_statistics": [f.name for f in schema if pa.types.is_timestamp(f.type)],
    }


class TableFile:
    """A table file at `path` (its suffix the format's), fed with `write`, ended by `close`;
    a Parquet file's row groups hold `rows` rows at most."""

    def __init__(self, path: Path, fmt: str, rows: int = CHUNK_ROWS) -> None:
        self.path = path.with_suffix(f".{fmt}")
        self.fmt, self.rows = fmt, rows
        self._parquet: pq.ParquetWriter | None = None
        self._csv: csv.CSVWriter | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.path.stem)
        self._pending: deque[Future[None]] = deque()

    def write(self, table: pa.Table) -> None:
        """Queue `table` (once `BACKLOG` chunks wait, after the oldest is written)."""
        self.write_all((table,))

    def write_all(self, tables: Iterable[pa.Table]) -> None:
        """Queue the tables of `tables` as one chunk, made on the file's thread as well as
        written (lazily: a generator or a `map` of the caller's columns), so their encoding
        overlaps the caller too; they must need nothing the caller changes meanwhile."""
        while len(self._pending) >= BACKLOG:
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(self._write_each, tables))

    def _write_each(self, tables: Iterable[pa.Table]) -> None:
        # Each chunk's temporaries are freed into this thread's malloc arena and kept there
        # for the next chunk (about 100 MB for the five files, however many orders): handing
        # them back after every chunk, as this did, had every chunk of every thread (the run's
        # too: malloc_trim empties every arena) fault its pages in afresh, 240,000 page faults
        # and a sixth of a million-order run's CPU. `RunFiles.finish` hands them back once.
        for table in tables:
            self._write(table)

    def _write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema, **parquet_options(table))
            self._parquet.write_table(table, row_group_size=self.rows)
            return
        plain = table.cast(
            pa.schema(
                [
                    f.with_type(pa.string()) if pa.types.is_dictionary(f.type) else f
                    for f in table.schema
                ]
            )
        )
        if self._csv is None:
            self._csv = csv.CSVWriter(self.path, plain.schema)
        self._csv.write_table(plain)

    def close(self) -> None:
        """Wait for every chunk (raising the first failure), then close the file."""
        self._thread.shutdown(wait=True)
        while self._pending:
            self._pending.popleft().result()
        for writer in (self._parquet, self._csv):
            if writer is not None:
                writer.close()
