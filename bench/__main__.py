"""Run every benchmark, print one table, write bench/results.json.

`python -m bench` runs the full sizes; `python -m bench --size tiny` is what the tests run so the
benchmark code cannot rot. Each module in BENCHMARKS exposes `run(size: str) -> BenchResult`.
The table lists the figures, then every ratio with whether its benchmark's two sides agreed and
what its peer is, then each agreement check and the notes. The file keeps
`{"figures", "ratios", "agree"}`: figures and checks keyed `<benchmark>.<name>`, ratios by name.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from bench.result import BenchResult

HERE = Path(__file__).parent
# Every bench/*_bench.py is a benchmark: adding one needs no edit here.
BENCHMARKS: tuple[str, ...] = tuple(sorted(p.stem for p in HERE.glob("*_bench.py")))
RESULTS = HERE / "results.json"
# The file's sections: figures, ratios, agree.
Written = dict[str, dict[str, Any]]


def run_all(size: str, only: list[str] | None = None) -> list[BenchResult]:
    results = []
    for name in BENCHMARKS:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        results.append(module.run(size))
    return results


def _agreed(result: BenchResult) -> str:
    """`yes` when every agreement check of the benchmark held, else which failed."""
    if not result.agree:
        return "none checked"
    failed = [key for key, same in result.agree.items() if not same]
    return f"NO ({', '.join(failed)})" if failed else "yes"


def table(results: list[BenchResult]) -> str:
    lines = [f"{'benchmark':<12} {'figure':<40} {'value':>16}"]
    for result in results:
        for key, value in result.figures.items():
            lines.append(f"{result.name:<12} {key:<40} {value:>16,.3f}")
    lines += ["", f"{'ratio (ours / peer)':<30} {'value':>8}  {'agree':<5}  peer"]
    for result in results:
        agreed = _agreed(result)
        for key, value in result.ratios.items():
            peer = result.peers.get(key, "(peer not described)")
            lines.append(f"{key:<30} {value:>8.3f}  {agreed:<5}  {peer}")
    lines += ["", "agreement"]
    for result in results:
        for key, same in result.agree.items():
            lines.append(f"{result.name + '.' + key:<53} {'yes' if same else 'NO':>3}")
    lines.extend(f"{result.name}: {note}" for result in results for note in result.notes)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=("tiny", "full"), default="full")
    parser.add_argument("--only", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument(
        "--out",
        type=Path,
        help=f"where to write the results (default: {RESULTS} for a full-size run; "
        "a tiny run writes nothing unless given --out)",
    )
    parser.add_argument(
        "--merge",
        action=argparse.BooleanOptionalAction,
        help="keep the other benchmarks' entries of --out, replacing only those that ran "
        "(default: on with --only, off for a run of every benchmark)",
    )
    args = parser.parse_args()
    results = run_all(args.size, args.only)
    print(table(results))
    out, merge = destination(args.size, args.out, args.only, args.merge)
    if out is None:
        return
    kept = json.loads(out.read_text()) if merge and out.exists() else None
    out.write_text(json.dumps(written(results, kept), indent=2) + "\n")
    print(f"wrote {out}")


def destination(
    size: str, out: Path | None, only: list[str] | None, merge: bool | None
) -> tuple[Path | None, bool]:
    """Where a run writes and whether it keeps the other benchmarks' entries: a full run writes
    bench/results.json unless told otherwise, a tiny one nothing; a run of some benchmarks
    merges unless told otherwise, so it never wipes the others' figures."""
    target = out or (RESULTS if size == "full" else None)
    return target, bool(only) if merge is None else merge


def written(results: list[BenchResult], kept: Written | None = None) -> Written:
    """The file's three sections for `results`; with `kept` (an earlier file), its entries of the
    benchmarks that did not run stay, and those of the ones that ran are replaced whole."""
    figures: dict[str, Any] = {f"{r.name}.{k}": v for r in results for k, v in r.figures.items()}
    ratios: dict[str, Any] = {k: v for r in results for k, v in r.ratios.items()}
    agree: dict[str, Any] = {f"{r.name}.{k}": v for r in results for k, v in r.agree.items()}
    if kept:
        ran = tuple(f"{r.name}." for r in results)
        figures = {**_others(kept.get("figures", {}), ran), **figures}
        agree = {**_others(kept.get("agree", {}), ran), **agree}
        ratios = {**kept.get("ratios", {}), **ratios}
    return {"figures": figures, "ratios": ratios, "agree": agree}


def _others(section: dict[str, Any], ran: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in section.items() if not key.startswith(ran)}


if __name__ == "__main__":
    main()
