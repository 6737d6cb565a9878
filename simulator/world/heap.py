"""Freed arrays go back to the system: the C allocator asked to return its free pages.

glibc's malloc serves a big block from its heap once a block as big was freed (its mmap
threshold rises with every such free, up to 32 MB), and a heap gives memory back from its top
only: the arrays a run frees while it draws the truth stay resident, held by the holes between
arrays still in use, and a run of 3,000,000 orders peaked about 120 bytes an order higher for
them. `give_back` asks malloc to return every free page of its heaps (`malloc_trim`, every
thread's arena), once the truth's steps are done, once it is sorted, and once the files are
written: a few milliseconds, where a fixed threshold would map and fault in every big temporary
of the run. Not after every chunk a writer thread writes: what one chunk frees, the next one
reuses (a constant ~100 MB over the five files), and trimming it made every chunk fault its
pages in again (a sixth of a run's CPU). Where the C library has no `malloc_trim` (not glibc),
nothing is done.
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
