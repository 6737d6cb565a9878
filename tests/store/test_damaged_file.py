"""A SQLite file that is not a store, or a store cut short, is one line naming the file and what
to do, from `open_store` and from the commands that open it (`orderflow sync`, `orderflow act`),
never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.store import StoreError, open_store
from tests.store.changes import new_order

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"
SETTINGS = {
    "LENGOW_API_URL": "http://127.0.0.1:9",  # never asked: the store is refused first
    "LENGOW_ACCESS_TOKEN": "t",
    "LENGOW_SECRET": "s",
    "LENGOW_ACCOUNT_ID": "1",
}


def not_a_database(folder: Path) -> Path:
    path = folder / "notes.db"
    path.write_text("orders to ship on Monday\n" * 40)
    return path


def truncated_store(folder: Path) -> Path:
    """A real store of 2,000 orders, cut to half its size (a copy stopped midway)."""
    path = folder / "cut.db"
    with open_store(f"sqlite:///{path}") as store:
        store.apply([new_order(f"O{i:04d}", i % 600) for i in range(2000)])
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    return path


def message(path: Path, reason: str) -> str:
    return (
        f"the store {path} is not an orderflow database or is damaged ({reason}): restore it "
        "from a backup or point --db at another file"
    )


CASES = [
    pytest.param(not_a_database, "file is not a database", id="not-a-database"),
    pytest.param(truncated_store, "database disk image is malformed", id="truncated"),
]


@pytest.mark.parametrize(("make", "reason"), CASES)
def test_open_store_names_the_file_and_what_to_do(
    make: Callable[[Path], Path], reason: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite:///{path}")
    assert str(caught.value) == message(path, reason)


@pytest.mark.parametrize(("make", "reason"), CASES)
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["sync", "--once"], id="sync"),
        pytest.param(["act", "1300435653830-A", "accept"], id="act"),
    ],
)
def test_sync_and_act_print_one_line_and_exit_1(
    command: list[str], make: Callable[[Path], Path], reason: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    size = path.stat().st_size
    args = [*command, "--db", f"sqlite:///{path}", "--rules", str(RULES)]
    result = CliRunner().invoke(main, args, env=SETTINGS)
    assert (result.exit_code, result.output) == (1, f"Error: {message(path, reason)}\n")
    assert path.stat().st_size == size  # the file was left as it was
