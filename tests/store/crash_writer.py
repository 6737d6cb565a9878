"""A writer for the crash test: run as `python -m tests.store.crash_writer URL BATCHES SIZE`.

Each batch creates SIZE new orders and moves the previous batch's orders on, then advances the
watermark to the batch's time, all in one transaction. It resumes after the last batch the
watermark shows. Halfway through each batch it says `half K` and waits for a line on stdin, so
the test can kill it there, inside an open transaction; after each commit it says `done K`.
"""

from __future__ import annotations

import sys

from engine.store import OrderChange, OrderState, Transaction, open_store
from tests.store.changes import MP, T0, at, event, new_order

WATERMARK = "crash-test"
SHIPMENT = "WaitingForShipmentAcceptation"


def order_ids(batch: int, size: int) -> list[str]:
    return [f"B{batch:03d}-{i:03d}" for i in range(size)]


def batch_time(batch: int) -> int:
    """Minutes after T0 of batch `batch`."""
    return 10 * (batch + 1)


def move_on(state: OrderState, minutes: int) -> OrderChange:
    return OrderChange(
        MP,
        state.order_id,
        SHIPMENT,
        at(minutes),
        at(minutes),
        state.rules_version,
        state.seq,
        (event(state.order_id, state.status, SHIPMENT, minutes),),
        fields=state.fields,
    )


def write_batch(tx: Transaction, batch: int, size: int) -> None:
    minutes = batch_time(batch)
    fresh = [new_order(order_id, minutes) for order_id in order_ids(batch, size)]
    tx.apply(fresh[: size // 2])
    print(f"half {batch}", flush=True)
    sys.stdin.readline()
    tx.apply(fresh[size // 2 :])
    if batch > 0:
        previous = tx.get_orders((MP, order_id) for order_id in order_ids(batch - 1, size))
        tx.apply([move_on(state, minutes) for state in previous.values()])
    tx.advance_watermark(WATERMARK, at(minutes))


def main(url: str, batches: int, size: int) -> None:
    with open_store(url) as store:
        mark = store.watermark(WATERMARK)
        start = 0 if mark is None else int((mark - T0).total_seconds()) // 600
        for batch in range(start, batches):
            with store.transaction() as tx:
                write_batch(tx, batch, size)
            print(f"done {batch}", flush=True)
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
