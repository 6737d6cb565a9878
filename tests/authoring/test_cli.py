"""`orderflow check`: exit codes and what it prints, for a pass, a failure and a broken file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.authoring.files import CYCLE, RULES_DIR


def _run(*args: str) -> tuple[int, list[str]]:
    done = CliRunner().invoke(main, ["check", *args])
    return done.exit_code, done.output.splitlines()


def test_a_pass_exits_0_and_says_what_was_explored() -> None:
    code, out = _run(str(RULES_DIR / "cdiscount_octopia.yaml"), "--examples", "30", "--seed", "2")
    assert code == 0
    assert out[0].startswith(f"{RULES_DIR / 'cdiscount_octopia.yaml'}: ok: 30 orders, ")
    assert out[1] == out[1].split(":")[0] + ": every reached status can reach a final one"
    assert [line.split(": ")[1] for line in out[6:10]] == [
        "ship_carries_tracking",
        "refund_carries_its_reason",
        "seller_answers_in_time",
        "cancelled_is_the_end",
    ]


def test_a_failure_exits_1_with_the_counterexample(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(CYCLE, encoding="utf-8")
    code, out = _run(str(path), "--examples", "50")
    assert code == 1
    assert out == [
        f"{path}: FAILED: property 'every reached status can reach a final one' does not hold "
        "(seed 0, 50 examples)",
        "  status 'Open', entered at step 1, cannot reach a final status for these fields; from "
        "it the rules lead to Waiting",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        "    1. +0s      create by marketplace (create) with mode=- carrier=XY123456789FR  -> Open",
        "1 file failed",
    ]


def test_a_file_that_does_not_load_exits_1_with_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(CYCLE.replace("to: Done", "to: Dne"), encoding="utf-8")
    code, out = _run(str(path))
    assert code == 1
    assert out == [
        f"{path}:14:42: transition 'finish' targets unknown status 'Dne' (did you mean 'Done'?)",
        "1 file failed",
    ]


def test_examples_must_be_positive() -> None:
    code, out = _run(str(RULES_DIR / "cdiscount.yaml"), "--examples", "0")
    assert code == 2
    assert "Invalid value for '--examples'" in out[-1]
