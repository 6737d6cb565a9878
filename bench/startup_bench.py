"""How long the `orderflow` command takes to start, against a bare interpreter starting.

Every command a person types pays the start-up first, `--help` included, so it is measured as
they see it: whole processes, started with `subprocess.run` from the repository's root with the
output captured, one warm-up round first (bytecode caches written), then the sides interleaved
round by round so a busy machine slows them alike; each figure is the median of its runs, in
seconds. The peer: `python -c pass` with the interpreter of this environment (its site and the
editable install's import hook included), the floor any Python command pays. Ours: the installed
`orderflow` script beside that interpreter running `orderflow --help` (click and every command
module imported, the usage printed) and `orderflow validate rules/cdiscount.yaml` (the loader and
PyYAML imported on top, the rule file read, built and checked, its summary printed). Ratios are
our median over the peer's: `cli_help_vs_python`, goal at most 8, and `validate_vs_python`, goal
at most 12. Agreement: every help run exits 0 and prints the usage, every validate run exits 0.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.result import BenchResult, interleaved

ROOT = Path(__file__).resolve().parents[1]
RULES = "rules/cdiscount.yaml"
RUNS = {"tiny": 2, "full": 20}
Work = Callable[[], None]


def _orderflow() -> tuple[list[str], str | None]:
    """The console script a user runs, beside this interpreter; `python -m cli` without one."""
    script = Path(sys.executable).with_name("orderflow")  # not resolved: the venv's bin/
    if script.is_file():
        return [str(script)], None
    return [sys.executable, "-m", "cli"], f"no {script}: ran `python -m cli` instead"


def _side(command: list[str], finished: list[subprocess.CompletedProcess[str]]) -> Work:
    def work() -> None:
        finished.append(
            subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        )

    return work


def run(size: str) -> BenchResult:
    orderflow, note = _orderflow()
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "cli_help": [*orderflow, "--help"],
        "validate": [*orderflow, "validate", RULES],
    }
    finished: dict[str, list[subprocess.CompletedProcess[str]]] = {name: [] for name in commands}
    warm_up = {name: _side(command, []) for name, command in commands.items()}
    interleaved(1, warm_up)
    rounds = interleaved(
        RUNS[size], {name: _side(command, finished[name]) for name, command in commands.items()}
    )
    median = {name: rounds.median(name) for name in commands}
    result = BenchResult("startup")
    result.figures = {f"{name}_s": value for name, value in median.items()}
    bare = "a bare interpreter started: python -c pass"
    result.compare("cli_help_vs_python", median["cli_help"], median["python"], bare)
    result.compare("validate_vs_python", median["validate"], median["python"], bare)
    result.agree = {
        "cli_help_exits_0_with_usage": all(
            done.returncode == 0 and done.stdout.startswith("Usage:")
            for done in finished["cli_help"]
        ),
        "validate_exits_0": all(done.returncode == 0 for done in finished["validate"]),
    }
    if note:
        result.notes.append(note)
    return result
