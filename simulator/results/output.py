"""A run's files: the engine's event log, the marketplace's truth beside it, and the rest.

The event log is streamed: each poll's events are buffered and written as a Parquet row group
(or appended to a CSV file) once a chunk is full, so a month of a million orders never sits in
memory as rows. The truth, the seller's commands, the anomalies and one row per order follow at
the end, from the run's columns. Files carry no wall-clock time, so the same seed writes the
same bytes.

    events.parquet     what the engine saw and inferred (the analytics' input)
    truth.parquet      what really happened on the marketplace, in the same columns
    commands.parquet   every command the seller tried, allowed or refused and why
    anomalies.parquet  what the engine could not accept
    orders.parquet     one row per order: its fields, its true and its engine status
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from engine.model.events import Source
from simulator.results.columns import TIMESTAMP, Encoder, dictionary
from simulator.run.observer import ENGINE_EVENT_COLUMNS
from simulator.run.runner import Run
from simulator.scenario.values import Scenario
from simulator.world.truth import Truth

FORMATS = ("parquet", "csv")
TABLES = ("events", "truth", "commands", "anomalies", "orders")
CHUNK_ROWS = 1 << 18


class TableFile:
    """One output table written chunk by chunk, as Parquet row groups or CSV lines.

    Chunks are encoded and compressed on a thread of the file's own (Arrow releases the GIL
    there), one chunk after another, so writing overlaps the simulation and the other files.
    """

    def __init__(self, path: Path, fmt: str) -> None:
        self.path = path.with_suffix(f".{fmt}")
        self.fmt = fmt
        self._parquet: pq.ParquetWriter | None = None
        self._csv: csv.CSVWriter | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.path.stem)
        self._written: list[Future[None]] = []

    def write(self, table: pa.Table) -> None:
        self._written.append(self._thread.submit(self._write, table))

    def _write(self, table: pa.Table) -> None:
        if self.fmt == "parquet":
            if self._parquet is None:
                # Dictionary pages for the columns that are dictionaries already (statuses,
                # triggers...), plain for the nearly unique ones (order ids, times).
                coded = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
                self._parquet = pq.ParquetWriter(
                    self.path, table.schema, compression="zstd", use_dictionary=coded
                )
            self._parquet.write_table(table, row_group_size=CHUNK_ROWS)
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
        for written in self._written:
            written.result()
        for writer in (self._parquet, self._csv):
            if writer is not None:
                writer.close()


class RunFiles:
    """The sink of a run: streams the engine's events, then writes the other tables."""

    def __init__(self, out: Path, scenario: Scenario, fmt: str = "parquet") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; expected one of: {', '.join(FORMATS)}")
        out.mkdir(parents=True, exist_ok=True)
        # A table an earlier run wrote in the other format would pass for this run's: remove it.
        for name in TABLES:
            for other in FORMATS:
                if other != fmt:
                    (out / f"{name}.{other}").unlink(missing_ok=True)
        self.out, self.fmt = out, fmt
        self.events_file = TableFile(out / "events", fmt)
        # A run without events still writes the file, empty, like the other tables.
        self._events_written = False
        self._encoder: Encoder | None = None
        policy = scenario.rules.import_policy
        flag = [policy.flag_field] if policy is not None and policy.flag_field else []
        # The fields an order gets when it is created, on every event row (as analytics want).
        self.field_names = list(dict.fromkeys([m.field for m in scenario.fields] + flag))

    def start(self, truth: Truth) -> None:
        self._encoder = Encoder(truth, self.field_names)

    def events(self, chunk: Mapping[str, NDArray[Any]]) -> None:
        if chunk["order"].size:
            self.events_file.write(self._event_table(chunk, Source.FETCH.value, seen=True))
            self._events_written = True

    def _event_table(self, data: Mapping[str, NDArray[Any]], source: str, seen: bool) -> pa.Table:
        enc = self._encoder
        assert enc is not None
        order, size = data["order"], data["order"].size
        columns = {
            "marketplace": enc.constant(enc.marketplace, size),
            "order_id": enc.order_ids(order),
            "seq": pa.array(data["seq"].astype(np.int32)),
            "from_status": enc.status(data["source"]),
            "to_status": enc.status(data["dest"]),
            "trigger": enc.trigger(data["trigger"]),
            "actor": enc.actor(data["actor"]),
            "source": enc.constant(source, size),
            "inferred": pa.array(data["inferred"].astype(np.bool_)),
            "at": enc.times(data["at"]),
            "stage": enc.stage(data["dest"]),
        }
        if "deviation" in data:  # the engine's events; the truth's are the world's own steps
            columns["deviation"] = pa.array(data["deviation"].astype(np.bool_))
        if seen:
            columns["seen_at"] = enc.times(data["seen_at"])
        columns.update(enc.fields(order, enc.field_names))
        return pa.table(columns)

    def finish(self, run: Run) -> None:
        """Write everything but the streamed events (closed here too), the files side by side."""
        if not self._events_written:
            none = {name: np.empty(0, dtype) for name, dtype in ENGINE_EVENT_COLUMNS.items()}
            self.events_file.write(self._event_table(none, Source.FETCH.value, seen=True))
        tables = {
            "truth": self._truth_table(run.truth),
            "commands": self._commands_table(run),
            "anomalies": self._anomalies_table(run),
            "orders": self._orders_table(run),
        }
        files = []
        for name, table in tables.items():
            target = TableFile(self.out / name, self.fmt)
            for start in range(0, max(table.num_rows, 1), CHUNK_ROWS):
                target.write(table.slice(start, CHUNK_ROWS))
            files.append(target)
        for target in [self.events_file, *files]:
            target.close()

    def _truth_table(self, truth: Truth) -> pa.Table:
        seq = truth.seq
        data: dict[str, NDArray[Any]] = {
            "order": truth.order,
            "seq": seq,
            "source": truth.source,
            "dest": truth.dest,
            "trigger": truth.trigger,
            "actor": truth.actor,
            "inferred": np.zeros(truth.order.size, np.bool_),
            "at": truth.time,
        }
        return self._event_table(data, Source.SIMULATION.value, seen=False)

    def _commands_table(self, run: Run) -> pa.Table:
        enc, commands = self._encoder, run.truth.commands
        assert enc is not None
        decisions = commands.decisions
        reasons = ["; ".join(b.message for b in d.blockers) or None for d in decisions]
        confirmed = np.full(commands.order.size, -1, dtype=np.int64)
        allowed = commands.allowed
        confirmed[allowed] = run.outbox.confirmed
        never = confirmed >= np.iinfo(np.int64).max // 8
        return pa.table(
            {
                "order_id": enc.order_ids(commands.order),
                "at": enc.times(commands.time),
                "status": enc.status(commands.status),
                "action": dictionary(commands.action, [a.name for a in run.truth.rules.actions]),
                "allowed": pa.array(allowed),
                "refused_because": pa.array(reasons, pa.string()).take(pa.array(commands.decision)),
                "confirmed_at": pa.array(confirmed + enc.epoch, TIMESTAMP, mask=(~allowed) | never),
            }
        )

    def _anomalies_table(self, run: Run) -> pa.Table:
        enc, found = self._encoder, run.anomalies
        assert enc is not None
        return pa.table(
            {
                "order_id": enc.order_ids(found.array("order")),
                "from_status": enc.status(found.array("source")),
                "reported": enc.status(found.array("reported")),
                "kind": dictionary(found.array("message"), run.engine.cases.kinds),
                "message": dictionary(found.array("message"), run.engine.cases.messages),
                "at": enc.times(found.array("at")),
            }
        )

    def _orders_table(self, run: Run) -> pa.Table:
        enc, truth = self._encoder, run.truth
        assert enc is not None
        order = np.arange(truth.orders, dtype=np.int64)
        final = truth.final_status()
        return pa.table(
            {
                "order_id": enc.ids,
                "ordered_at": enc.times(truth.arrival),
                "true_status": enc.status(final),
                "true_stage": enc.stage(final),
                "engine_status": enc.status(run.engine.status),
                **enc.fields(order, truth.fields.names),
            }
        )
