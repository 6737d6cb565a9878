"""Commands that default to the rules/ folder say so when run where there is none."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.sync_commands import twin


def test_the_twin_outside_the_project_names_the_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(twin, ["--port", "0"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no rule file found: there is no folder rules/ here ({tmp_path}); "
        "run from the project's folder or pass --rules FILE or DIR\n"
    )
