"""`orderflow validate`, `schema` and `diagram`: output and exit codes, bad input included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
CLEAN = [
    "cdiscount.yaml: ok — cdiscount, 19 statuses, 19 transitions, 5 actions, 3 timers",
    "cdiscount_octopia.yaml: ok — cdiscount_octopia, 9 statuses, 10 transitions, 4 actions, "
    "1 timer",
    "galeries_lafayette.yaml: ok — galeries_lafayette, 13 statuses, 16 transitions, "
    "5 actions, 1 timer",
]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(ROOT)
    return CliRunner()


@pytest.fixture
def misspelt(tmp_path: Path) -> Path:
    text = (RULES / "cdiscount.yaml").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    assert lines[235] == "    to: Shipped\n"
    lines[235] = "    to: Shiped\n"
    path = tmp_path / "cdiscount.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_validate_the_shipped_rules(run: CliRunner) -> None:
    files = [
        "rules/cdiscount.yaml",
        "rules/cdiscount_octopia.yaml",
        "rules/galeries_lafayette.yaml",
    ]
    result = run.invoke(main, ["validate", *files])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"rules/{line}" for line in CLEAN]


def test_validate_a_directory_checks_its_yaml_files(run: CliRunner) -> None:
    result = run.invoke(main, ["validate", "rules"])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"rules/{line}" for line in CLEAN]


def test_a_misspelt_status_is_reported_at_its_line_and_column(
    run: CliRunner, misspelt: Path
) -> None:
    result = run.invoke(main, ["validate", str(misspelt)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{misspelt}:236:9: transition 'confirm_shipment' targets unknown status 'Shiped' "
        "(did you mean 'Shipped'?)"
    ]
    assert result.stderr == "1 file with problems\n"


def test_one_bad_file_fails_the_run_and_the_good_ones_are_still_summarised(
    run: CliRunner, misspelt: Path
) -> None:
    result = run.invoke(main, ["validate", "rules/cdiscount.yaml", str(misspelt)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"rules/{CLEAN[0]}"
    assert lines[1].startswith(f"{misspelt}:236:9: ")
    assert len(lines) == 2


def test_a_missing_file_is_a_located_problem(run: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run.invoke(main, ["validate", str(missing)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stdout.splitlines() == [
        f"{missing}:1:1: cannot read the file: No such file or directory"
    ]


def test_a_binary_file_is_a_located_problem(run: CliRunner, tmp_path: Path) -> None:
    binary = tmp_path / "image.yaml"
    binary.write_bytes(bytes([0x89, 0x50, 0x4E, 0x47, 0xFF, 0x00, 0xFE]))
    result = run.invoke(main, ["validate", str(binary)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert (
        result.stdout
        == f"{binary}:1:1: the file is not UTF-8 text (invalid start byte at byte 0)\n"
    )


def test_an_empty_directory_is_a_located_problem(run: CliRunner, tmp_path: Path) -> None:
    result = run.invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == f"{tmp_path}:1:1: the directory holds no .yaml rule file\n"


def test_validate_needs_a_file(run: CliRunner) -> None:
    result = run.invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument 'FILES...'" in result.stderr


def test_schema_prints_the_committed_schema(run: CliRunner) -> None:
    result = run.invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == (RULES / "orderflow.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout)["title"] == "orderflow rule file"


def test_diagram_mermaid_on_the_standard_output(run: CliRunner) -> None:
    result = run.invoke(main, ["diagram", "rules/cdiscount_octopia.yaml", "--format", "mermaid"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "stateDiagram-v2",
        "    %% Cdiscount (Octopia API), rules 2026.11.1",
        '    state "Processing" as s0',
        "    s0 : new",
    ]
    assert "    s3 --> s4 : ship (seller) · needs carrier, tracking_number" in lines
    assert "    s5 --> s8 : refund (seller) · needs refund_reason" in lines


def test_diagram_dot_to_a_file(run: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "gl.dot"
    result = run.invoke(
        main, ["diagram", "rules/galeries_lafayette.yaml", "--format", "dot", "-o", str(out)]
    )
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"wrote the dot diagram of galeries_lafayette to {out}\n"
    text = out.read_text(encoding="utf-8")
    assert text.startswith('digraph "galeries_lafayette" {\n')
    assert '  s2 -> s3 [label="request_debit (payment)"];' in text.splitlines()


def test_diagram_of_a_broken_file_prints_its_problems(run: CliRunner, misspelt: Path) -> None:
    # On the error stream: `orderflow diagram x.yaml > x.mmd` must not hide them in the file.
    result = run.invoke(main, ["diagram", str(misspelt)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{misspelt}:236:9: transition 'confirm_shipment' targets")


def test_diagram_to_an_unwritable_place(run: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "x.mmd"
    result = run.invoke(main, ["diagram", "rules/cdiscount.yaml", "-o", str(out)])
    assert result.exit_code == 1
    assert result.stderr == f"{out}: cannot write the diagram: No such file or directory\n"


def test_diagram_knows_two_formats(run: CliRunner) -> None:
    result = run.invoke(main, ["diagram", "rules/cdiscount.yaml", "--format", "svg"])
    assert result.exit_code == 2
    assert "'svg' is not one of 'dot', 'mermaid'" in result.stderr
