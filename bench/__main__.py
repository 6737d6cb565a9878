"""Run every benchmark, print one table, write bench/results.json.

`python -m bench` runs the full sizes; `python -m bench --size tiny` is what the tests run so the
benchmark code cannot rot. Each module in BENCHMARKS exposes `run(size: str) -> BenchResult`.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from bench.result import BenchResult

HERE = Path(__file__).parent
# Every bench/*_bench.py is a benchmark: adding one needs no edit here.
BENCHMARKS: tuple[str, ...] = tuple(sorted(p.stem for p in HERE.glob("*_bench.py")))
RESULTS = HERE / "results.json"


def run_all(size: str, only: list[str] | None = None) -> list[BenchResult]:
    results = []
    for name in BENCHMARKS:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        results.append(module.run(size))
    return results


def table(results: list[BenchResult]) -> str:
    lines = [f"{'benchmark':<12} {'measure':<40} {'value':>14}"]
    for result in results:
        for key, value in {**result.figures, **result.ratios}.items():
            lines.append(f"{result.name:<12} {key:<40} {value:>14,.3f}")
        for key, same in result.agree.items():
            lines.append(f"{result.name:<12} {key:<40} {'yes' if same else 'NO':>14}")
        lines.extend(f"{result.name:<12} note: {note}" for note in result.notes)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--only", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results = run_all(args.size, args.only)
    print(table(results))
    figures = {f"{r.name}.{k}": v for r in results for k, v in r.figures.items()}
    ratios = {k: v for r in results for k, v in r.ratios.items()}
    agree = {f"{r.name}.{k}": v for r in results for k, v in r.agree.items()}
    written = {"figures": figures, "ratios": ratios, "agree": agree}
    args.out.write_text(json.dumps(written, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
