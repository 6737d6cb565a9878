"""`python -m bench.own_peak OUT MODULE ARG...`: run `python -m MODULE ARG...` in this process and,
however it ends, write its peak resident set in MiB to OUT (`bench.result.peak_rss_mb`: the
process's own high-water mark, which `wait4`'s `ru_maxrss` is not for a child forked from a
benchmark holding a large twin)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from bench.result import peak_rss_mb


def main(out: Path, module: str, args: list[str]) -> None:
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        out.write_text(f"{peak_rss_mb()}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3:])
