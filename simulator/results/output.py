"""A run's files: the engine's event log, the marketplace's truth beside it, and the rest.

Every table is streamed: the engine's events are written as each poll's chunk fills (a Parquet
row group, or lines appended to a CSV file); the truth, whole before the first poll, is written
meanwhile on its file's thread; the seller's commands, the anomalies and one row per order are
written at the end, a chunk at a time from the run's columns, each on its file's thread, so no
table is ever whole in memory as Arrow columns. Files carry no wall-clock time, so the same
seed writes the same bytes.

    events.parquet     what the engine saw and inferred (the analytics' input)
    truth.parquet      what really happened on the marketplace, in the same columns
    commands.parquet   every command the seller tried, allowed or refused and why
    anomalies.parquet  what the engine could not accept
    orders.parquet     one row per order: its fields, its true and its engine status
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from engine.model.events import Source
from simulator.results.columns import TIMESTAMP, Encoder, dictionary
from simulator.results.table_file import CHUNK_ROWS, TableFile
from simulator.run.observer import ENGINE_EVENT_COLUMNS
from simulator.run.runner import Run
from simulator.scenario.values import Scenario
from simulator.world.heap import give_back
from simulator.world.truth import Truth

FORMATS = ("parquet", "csv")
TABLES = ("events", "truth", "commands", "anomalies", "orders")
Chunks = Iterator[pa.Table]


def spans(size: int, rows: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of each chunk of `rows` over `size` rows; one empty span if none."""
    for start in range(0, max(size, 1), rows):
        yield start, min(start + rows, size)


class RunFiles:
    """The sink of a run: streams the engine's events, then writes the other tables.

    `chunk_rows` is the most rows of a chunk (a Parquet row group).
    """

    def __init__(
        self, out: Path, scenario: Scenario, fmt: str = "parquet", chunk_rows: int = CHUNK_ROWS
    ) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; expected one of: {', '.join(FORMATS)}")
        out.mkdir(parents=True, exist_ok=True)
        # A table an earlier run wrote in the other format would pass for this run's: remove it.
        for name in TABLES:
            for other in FORMATS:
                if other != fmt:
                    (out / f"{name}.{other}").unlink(missing_ok=True)
        self.out, self.fmt, self.rows = out, fmt, chunk_rows
        self.events_file = TableFile(out / "events", fmt, chunk_rows)
        # A run without events still writes the file, empty, like the other tables.
        self._events_written = False
        self._encoder: Encoder | None = None
        self.truth_file: TableFile | None = None
        policy = scenario.rules.import_policy
        flag = [policy.flag_field] if policy is not None and policy.flag_field else []
        # The fields an order gets when it is created, on every event row (as analytics want).
        self.field_names = list(dict.fromkeys([m.field for m in scenario.fields] + flag))

    def start(self, truth: Truth) -> None:
        """Begin with the truth: it is whole before the first poll, so its file is made on its
        own thread while the run polls."""
        self._encoder = Encoder(truth, self.field_names)
        self.truth_file = TableFile(self.out / "truth", self.fmt, self.rows)
        self.truth_file.write_all(self._truth_chunks(truth))

    def events(self, chunk: Mapping[str, NDArray[Any]]) -> None:
        """Queue a chunk of the engine's events, encoded on the file's thread (the run hands
        over its columns: it keeps none of them)."""
        if chunk["order"].size:
            self.events_file.write_all(map(self._fetched, (chunk,)))
            self._events_written = True

    def _fetched(self, chunk: Mapping[str, NDArray[Any]]) -> pa.Table:
        return self._event_table(chunk, Source.FETCH.value, seen=True)

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
        """Write the commands, the anomalies and the orders (the run is over: nothing of theirs
        changes any more), each made and written on its file's thread, a chunk at a time; then
        close every file."""
        if self.truth_file is None:  # a run made without this sink
            self.start(run.truth)
        assert self.truth_file is not None
        if not self._events_written:
            none = {name: np.empty(0, dtype) for name, dtype in ENGINE_EVENT_COLUMNS.items()}
            self.events_file.write(self._fetched(none))
        tables = {
            "commands": self._commands_chunks(run),
            "anomalies": map(self._anomalies_table, (run,)),
            "orders": self._orders_chunks(run),
        }
        files = [self.events_file, self.truth_file]
        for name, chunks in tables.items():
            files.append(TableFile(self.out / name, self.fmt, self.rows))
            files[-1].write_all(chunks)
        for target in files:
            target.close()
        # The chunks' freed memory, held by Arrow's allocator and by malloc: what comes next
        # (the summary) needs the room.
        pa.default_memory_pool().release_unused()
        give_back()

    def _truth_chunks(self, truth: Truth) -> Chunks:
        for start, stop in spans(truth.order.size, self.rows):
            part = slice(start, stop)
            data: dict[str, NDArray[Any]] = {
                "order": truth.order[part],
                "seq": truth.seq[part],
                "source": truth.source[part],
                "dest": truth.dest[part],
                "trigger": truth.trigger[part],
                "actor": truth.actor[part],
                "inferred": np.zeros(stop - start, np.bool_),
                "at": truth.time[part],
            }
            yield self._event_table(data, Source.SIMULATION.value, seen=False)

    def _commands_chunks(self, run: Run) -> Chunks:
        enc, commands = self._encoder, run.truth.commands
        assert enc is not None
        reasons = pa.array(
            ["; ".join(b.message for b in d.blockers) or None for d in commands.decisions],
            pa.string(),
        )
        actions = [a.name for a in run.truth.rules.actions]
        allowed, sent = commands.allowed, 0  # sent: allowed commands before the chunk
        for start, stop in spans(commands.order.size, self.rows):
            mine = allowed[start:stop]
            confirmed = np.full(mine.size, -1, dtype=np.int64)
            confirmed[mine] = run.outbox.confirmed[sent : sent + int(mine.sum())]
            sent += int(mine.sum())
            never = confirmed >= np.iinfo(np.int64).max // 8
            yield pa.table(
                {
                    "order_id": enc.order_ids(commands.order[start:stop]),
                    "at": enc.times(commands.time[start:stop]),
                    "status": enc.status(commands.status[start:stop]),
                    "action": dictionary(commands.action[start:stop], actions),
                    "allowed": pa.array(mine),
                    "refused_because": reasons.take(pa.array(commands.decision[start:stop])),
                    "confirmed_at": pa.array(
                        confirmed + enc.epoch, TIMESTAMP, mask=(~mine) | never
                    ),
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

    def _orders_chunks(self, run: Run) -> Chunks:
        enc, truth = self._encoder, run.truth
        assert enc is not None
        final = truth.final_status()
        for start, stop in spans(truth.orders, self.rows):
            order = np.arange(start, stop, dtype=np.int64)
            yield pa.table(
                {
                    "order_id": enc.order_ids(order),
                    "ordered_at": enc.times(truth.arrival[start:stop]),
                    "true_status": enc.status(final[start:stop]),
                    "true_stage": enc.stage(final[start:stop]),
                    "engine_status": enc.status(run.engine.status[start:stop]),
                    **enc.fields(order, truth.fields.names),
                }
            )
