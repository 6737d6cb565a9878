"""The Rules page's Check button (`app_pages.rule_check`) on a tiny page of its own: the result
as `orderflow check` prints it, and the counterexample's path drawn on the diagram."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.authoring.files import CYCLE, PROMISE

ROOT = Path(__file__).resolve().parents[2]


def page(directory: Path, name: str) -> AppTest:
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from app_pages.rule_check import render
directory = Path({str(directory)!r})
render(directory, {name!r}, (directory / {name!r}).read_text(encoding="utf-8"))
"""
    return AppTest.from_string(script, default_timeout=60).run()


def test_a_failing_file_shows_the_counterexample_on_the_diagram(tmp_path: Path) -> None:
    (tmp_path / "promise.yaml").write_text(PROMISE, encoding="utf-8")
    app = page(tmp_path, "promise.yaml")
    assert not app.error and not app.code  # nothing runs before the click
    app.number_input[0].set_value(100).run()
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error] == [
        "promise.yaml: FAILED: property 'shipped_with_a_carrier' does not hold "
        "(seed 0, 100 examples)"
    ]
    assert app.code[0].value.splitlines()[-2:] == [
        "    1. +0s      create by marketplace (create) with mode=A carrier=-  -> Open",
        "    2. +1m      ship by seller (command)  -> Done",
    ]
    (chart,) = app.get("graphviz_chart")
    spec = chart.proto.spec
    assert '\\nstep 2", penwidth=3, color="#1f77b4"' in spec
    assert spec.count("penwidth=3") == 1


def test_a_broken_file_is_not_checked(tmp_path: Path) -> None:
    (tmp_path / "cycle.yaml").write_text(CYCLE.replace("to: Done", "to: Dne"), encoding="utf-8")
    app = page(tmp_path, "cycle.yaml")
    app.button[0].click().run()
    assert [e.value for e in app.error] == [
        "The file has 1 problem(s): fix them before checking it."
    ]
    assert not app.code
