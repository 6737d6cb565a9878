"""Freed arrays go back to the system: the C allocator asked to return its free pages.

glibc's malloc serves a big block from its heap once a block as big was freed (its mmap
threshold rises with every such free, up to 32 MB), and a heap gives memory back from its top
only: the arrays a run frees while it draws the truth stay resident, held by the holes between
arrays still in use, and a run of 3,000,000 orders peaked about 120 bytes an order higher for
them. `give_back` asks malloc to return every free page of its heaps (`malloc_trim`, every
thread's arena), once the truth's steps are done, once it is sorted, and after each chunk a
file's writer thread wrote: a few milliseconds, where a fixed threshold would map and fault in
every big temporary of the run. Where the C library has no
`malloc_trim` (not glibc), nothing is done.
"""

from __future__ import annotations

import ctypes
import sys


def give_back() -> bool:
    """Return malloc's free pages to the system; whether the C library could."""
    if not sys.platform.startswith("linux"):
        return False
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    return trim is not None and bool(trim(0))
