"""The choices of one explored order, read from the bytes Hypothesis draws for it.

Drawing every choice from Hypothesis one at a time costs more than running the order, so an
order draws one run of bytes and reads its choices from it: each choice is the next byte modulo
the number of options. Past the last byte every choice is 0, and 0 is always the plainest
option (stop, the first value): as Hypothesis shrinks the bytes toward fewer and smaller ones,
the counterexample shrinks toward fewer steps and plainer values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class Choices:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.used = 0

    def below(self, count: int) -> int:
        """A choice among `count` options, 0 to count - 1 (at most 256 tell apart)."""
        if count <= 1 or self.used >= len(self.data):
            return 0
        byte = self.data[self.used]
        self.used += 1
        return byte % count

    def pick(self, options: Sequence[T]) -> T:
        return options[self.below(len(options))]

    def coin(self) -> bool:
        return self.below(2) == 1
