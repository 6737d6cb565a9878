"""`orderflow simulate` as a user runs it: files and a summary, or located problems and exit 1."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli.main import main

from .small_world import SCENARIOS
from .test_scenario import HEAD


def small_scenario(tmp_path: Path, body: str = "") -> Path:
    path = tmp_path / "small.yaml"
    base = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")
    text = base.replace("rules: ../../rules/", f"rules: {SCENARIOS.parent.parent}/rules/")
    path.write_text(text.replace("per_day: 400", "count: 200") + body, encoding="utf-8")
    return path


def test_a_run_writes_its_files_and_prints_its_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--scenario",
            str(small_scenario(tmp_path)),
            "--days",
            "2",
            "--seed",
            "3",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Scenario 'baseline' on cdiscount" in result.output
    assert {p.name for p in out.iterdir()} == {
        "events.parquet",
        "truth.parquet",
        "commands.parquet",
        "anomalies.parquet",
        "orders.parquet",
        "summary.json",
        "summary.txt",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["orders"] == 200 and summary["days"] == 2 and summary["seed"] == 3


def test_a_bad_scenario_exits_with_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(HEAD + "seller:\n  at:\n    Shiped: []\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["simulate", "--scenario", str(path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert (
        f"{path}:7:5: the seller's 'at' names an unknown status 'Shiped' (did you mean "
        "'Shipped'?)" in result.output
    )
    assert "Traceback" not in result.output


def test_compare_on_another_rule_file_reports_what_does_not_fit(tmp_path: Path) -> None:
    other = SCENARIOS.parent.parent / "rules" / "galeries_lafayette.yaml"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--scenario",
            str(small_scenario(tmp_path)),
            "--compare",
            str(other),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "unknown status 'WaitingForSellerAcceptation'" in result.output


def test_compare_prints_differences_with_intervals(tmp_path: Path) -> None:
    slow = tmp_path / "slow.yaml"
    text = (SCENARIOS / "slow_seller.yaml").read_text(encoding="utf-8")
    slow.write_text(
        text.replace("rules: ../../rules/", f"rules: {SCENARIOS.parent.parent}/rules/").replace(
            "per_day: 400", "count: 200"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--scenario",
            str(small_scenario(tmp_path)),
            "--compare",
            str(slow),
            "--replications",
            "2",
            "--days",
            "2",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 replication(s), same arrivals on both sides" in result.output
    assert "accept: median hours at the status" in result.output
    assert (tmp_path / "o" / "compare.json").exists()


def test_compare_on_another_rule_file_names_the_sides_apart(tmp_path: Path) -> None:
    rules = SCENARIOS.parent.parent / "rules" / "cdiscount.yaml"
    quicker = tmp_path / "cdiscount_24h.yaml"
    quicker.write_text(rules.read_text(encoding="utf-8").replace("after: 48h", "after: 24h"))
    args = ["simulate", "--scenario", str(small_scenario(tmp_path)), "--compare", str(quicker)]
    args += ["--replications", "1", "--days", "1", "--out", str(tmp_path / "o"), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[2]
    sides = ["baseline", "baseline", "on", "cdiscount_24h.yaml"]
    assert head.split() == ["figure", *sides, "difference"]


def test_an_unreachable_dask_scheduler_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    scenario = str(small_scenario(tmp_path))
    args = ["simulate", "--scenario", scenario, "--compare", scenario, "--days", "1"]
    args += ["--dask", "nonsense://x", "--out", str(tmp_path / "o"), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot reach the Dask scheduler at nonsense://x: unknown address scheme"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_help_explains_the_command() -> None:
    result = CliRunner().invoke(main, ["simulate", "--help"])
    assert result.exit_code == 0
    assert "--replications" in result.output and "--dask" in result.output


def test_two_processes_write_the_same_bytes(tmp_path: Path) -> None:
    """Nothing hangs on Python's per-process hash seed: the command's files match across runs."""
    scenario = small_scenario(tmp_path)
    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"out{hash_seed}"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "cli",
                "simulate",
                "--scenario",
                str(scenario),
                "--days",
                "2",
                "--seed",
                "5",
                "--out",
                str(out),
                "--quiet",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
        )
    assert len(digests[0]) == 7
    assert digests[0] == digests[1]


LOOP = """
marketplace:
  AcceptedBySeller: [{trigger: start_payment, probability: 1, after: 1s}]
  PaymentInProgress: [{trigger: confirm_payment, probability: 1, after: 1s}]
  WaitingForShipmentAcceptation: [{trigger: request_cancellation, probability: 1, after: 1s}]
  CancellationRequestPending: [{trigger: withdraw_cancellation, probability: 1, after: 1s}]
seller:
  at:
    WaitingForSellerAcceptation: [{action: accept, probability: 1, after: 1s}]
"""


def test_a_loop_that_never_ends_is_explained_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text(HEAD.replace("per_day: 10", "count: 3") + LOOP, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            "--scenario",
            str(path),
            "--days",
            "1",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ],
    )
    assert result.exit_code == 1
    assert (
        "Error: 3 orders still change status after 1000 steps, at "
        "CancellationRequestPending: a loop of the scenario's happenings" in result.output
    )
    assert "Traceback" not in result.output


def test_a_csv_run_over_a_parquet_one_leaves_only_its_own_tables(tmp_path: Path) -> None:
    out, scenario = tmp_path / "out", str(small_scenario(tmp_path))
    args = ["simulate", "--scenario", scenario, "--days", "1", "--out", str(out), "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert CliRunner().invoke(main, [*args, "--format", "csv"]).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "anomalies.csv", "commands.csv", "events.csv", "orders.csv", "summary.json",
        "summary.txt", "truth.csv",
    ]  # fmt: skip
