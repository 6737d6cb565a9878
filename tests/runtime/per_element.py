"""The bulk path's first encoders, one Python step per element, kept as the reference.

`engine.runtime.bulk_encoding` replaced them with C-level look-ups for speed; the tests check that
the new encoders give these codes, signatures and errors on every input, odd ones included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from engine.model.errors import UnknownName


def statuses(status_code: Mapping[str, int], names: Sequence[str | None]) -> list[int]:
    get = status_code.get
    return [-1 if n is None else get(n, -1) for n in names]


def triggers(
    trigger_code: Mapping[str, int], names: Sequence[str | None], source: str
) -> list[int]:
    codes = []
    for name in names:
        code = -1 if name is None else trigger_code.get(name)
        if code is None:
            raise UnknownName(f"trigger '{name}' is not declared in {source}")
        codes.append(code)
    return codes


def trigger_matrix(
    trigger_code: Mapping[str, int], sequences: Sequence[Sequence[str | None]], source: str
) -> list[list[int]]:
    width = max((len(s) for s in sequences), default=0)
    return [
        [*triggers(trigger_code, s, source), *[-1] * (max(width, 1) - len(s))] for s in sequences
    ]


def signatures(
    signature: Callable[[Mapping[str, object]], int],
    names: Sequence[str],
    fields: Sequence[Mapping[str, object] | None],
) -> npt.NDArray[np.uint32]:
    seen: dict[tuple[object, ...], int] = {}
    out = np.empty(len(fields), dtype=np.uint32)
    for i, record in enumerate(fields):
        record = record or {}
        # The value's type is in the key: True and 1 are equal but not the same to a guard.
        key = tuple((type(v), v) for v in map(record.get, names))
        try:
            out[i] = seen[key]
        except KeyError:
            out[i] = seen[key] = signature(record)
        except TypeError:  # an unhashable value: no sharing for this order
            out[i] = signature(record)
    return out
