"""`orderflow` starts without the heavy libraries: each command loads what it uses, when it runs.

Every command pays the start-up, `--help` included, and pandas, SQLAlchemy, numpy, httpx,
Streamlit or pyarrow each cost a tenth of a second or more to import. So importing `cli.main`,
asking any command for its `--help` and validating a rule file must load none of them: the
modules loaded are read from `sys.modules` in a fresh interpreter (this one has imported
everything already). No time is asserted: `make bench` measures it (`bench/startup_bench.py`).

The group imports a command's module only when the command is asked for, and the choices a
command's options offer are named in `cli` so that its `--help` needs no import; the last tests
keep both equal to what the modules that do the work define.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import engine.store
from analytics import export
from cli import app_commands, rules_commands, simulate_commands
from cli.main import COMMAND_MODULES
from engine.rulefile import diagram
from simulator.results import output

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "sqlalchemy", "numpy", "httpx", "streamlit", "pyarrow", "plotly", "dask", "tqdm")
# Printed by each child as its last line: the heavy top-level packages it has loaded.
REPORT = f"""
import json, sys
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def _loaded(code: str) -> list[str]:
    """The heavy modules a fresh interpreter has loaded after running `code` from the root."""
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_importing_the_command_loads_no_heavy_library() -> None:
    assert _loaded("import cli.main") == []


def test_every_help_loads_no_heavy_library() -> None:
    code = """
from cli.main import COMMAND_MODULES, main
for args in [["--help"], *([name, "--help"] for name in COMMAND_MODULES)]:
    try:
        main(args, standalone_mode=False)
    except SystemExit:
        pass
"""
    assert _loaded(code) == []


def test_validate_loads_no_heavy_library() -> None:
    code = """
from cli.main import main
main(["validate", "rules/cdiscount.yaml"], standalone_mode=False)
"""
    assert _loaded(code) == []


def test_the_group_lists_every_command_where_it_is_defined() -> None:
    defined = {
        command.name: module
        for module in set(COMMAND_MODULES.values())
        for command in importlib.import_module(module).COMMANDS
    }
    assert defined == COMMAND_MODULES


def test_every_store_name_loads_on_first_use() -> None:
    for name in engine.store.__all__:
        assert getattr(engine.store, name) is not None, name
    from engine.store.store import Store

    assert engine.store.Store is Store


def test_the_export_formats_are_the_analytics_ones() -> None:
    assert app_commands.FORMATS == export.FORMATS


def test_the_simulate_formats_are_the_simulator_ones() -> None:
    assert simulate_commands.FORMATS == output.FORMATS


def test_the_diagram_formats_are_the_engine_ones() -> None:
    assert tuple(sorted(diagram.FORMATS)) == rules_commands.DIAGRAM_FORMATS
