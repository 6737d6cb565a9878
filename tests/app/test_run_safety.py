"""`orderflow run` is safe by default: loopback, a busy port found first, no orphaned Streamlit."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import app_commands
from cli.app_server import exposure_warning, streamlit_command
from engine.channels.loopback import is_loopback

ROOT = Path(__file__).resolve().parents[2]


class Served:
    def __init__(self) -> None:
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
        self.commands.append(list(command))
        return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    recorder = Served()
    monkeypatch.setattr(app_commands, "serve", recorder)
    return recorder


def test_the_app_listens_on_loopback_by_default(tmp_path: Path, served: Served) -> None:
    port = free_port()
    args = ["--data-dir", str(tmp_path), "--no-fill", "--port", str(port)]
    result = CliRunner().invoke(app_commands.run_command, args)
    assert result.exit_code == 0, result.output
    [command] = served.commands
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert "Warning" not in result.output
    assert f"Open http://localhost:{port} in your browser" in result.output


def test_another_address_is_opted_in_with_a_warning(tmp_path: Path, served: Served) -> None:
    port = free_port()
    args = ["--data-dir", str(tmp_path), "--no-fill", "--port", str(port), "--host", "0.0.0.0"]
    result = CliRunner().invoke(app_commands.run_command, args)
    assert result.exit_code == 0, result.output
    [command] = served.commands
    assert command[command.index("--server.address") + 1] == "0.0.0.0"
    assert result.stderr.startswith(
        f"Warning: the app listens on 0.0.0.0:{port} and has no login: anyone who can reach it "
        "can read the orders, edit the rule files and queue seller actions"
    )


def test_a_busy_port_is_reported_before_the_store_is_filled(tmp_path: Path, served: Served) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app_commands.run_command, ["--data-dir", str(tmp_path), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: port {port} on 127.0.0.1 is already in use (another `orderflow run`?); "
        "--port chooses another\n"
    )
    assert served.commands == []
    assert list(tmp_path.iterdir()) == []


def test_an_address_that_does_not_resolve_is_an_error(tmp_path: Path, served: Served) -> None:
    args = ["--data-dir", str(tmp_path), "--host", "no-such-host.invalid", "--port", "8599"]
    result = CliRunner().invoke(app_commands.run_command, args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot listen on no-such-host.invalid:8599: ")
    assert served.commands == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("LocalHost", True), ("0.0.0.0", False),
     ("192.168.1.10", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (exposure_warning(host, 8501) is None) is loopback


def test_streamlit_is_told_the_address_and_port() -> None:
    command = streamlit_command(Path("/x/app.py"), "127.0.0.1", 8600)
    assert command[1:5] == ["-m", "streamlit", "run", "/x/app.py"]
    assert command[5:9] == ["--server.address", "127.0.0.1", "--server.port", "8600"]


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    command = [sys.executable, "-m", "cli", "run", "--no-fill", "--data-dir", str(tmp_path)]
    process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        while not _listening(port):
            assert process.poll() is None, "orderflow run stopped before serving"
            assert time.monotonic() < deadline, "Streamlit did not listen within 90 s"
            time.sleep(0.2)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_run_stops_streamlit_too(
    running_app: tuple[subprocess.Popen[bytes], int], sig: signal.Signals
) -> None:
    process, port = running_app
    process.send_signal(sig)
    assert process.wait(timeout=30) == 0
    # `run` waits for its child before it exits: nothing serves the port any more.
    assert not _listening(port)
