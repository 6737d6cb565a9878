"""The Streamlit child of `orderflow run`: where it listens, and that it stops with its parent.

The analyst app has no login, and from it anyone can edit rule files and queue seller actions that
the next sync sends, so it listens on loopback unless the operator names another address, and a
warning says what that exposes. The port is checked before the store is filled (a fill takes
seconds, a busy port should not), and a SIGTERM or SIGINT sent to `orderflow run` alone (a
service manager, `kill`) reaches Streamlit too instead of leaving it serving the port, orphaned.
"""

from __future__ import annotations

import errno
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from engine.channels.loopback import is_loopback

LOOPBACK = "127.0.0.1"
# How long Streamlit gets to stop after a SIGTERM before it is killed.
STOP_GRACE_S = 10.0


class PortUnavailable(Exception):
    """The address cannot be listened on; the message says which and why."""


def exposure_warning(host: str, port: int) -> str | None:
    """What listening beyond loopback exposes, or None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"Warning: the app listens on {host}:{port} and has no login: anyone who can reach it "
        "can read the orders, edit the rule files and queue seller actions that the next sync "
        "sends. Put it behind an authenticating proxy, or use the default --host 127.0.0.1."
    )


def check_port(host: str, port: int) -> None:
    """Raises PortUnavailable when (host, port) cannot be bound now."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortUnavailable(
                    f"port {port} on {host} is already in use (another `orderflow run`?); "
                    "--port chooses another"
                ) from None
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def streamlit_command(app: Path, host: str, port: int) -> list[str]:
    command = [sys.executable, "-m", "streamlit", "run", str(app)]
    command += ["--server.address", host, "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    # A user's app: no reruns when a source file changes, no deploy button.
    command += ["--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"]
    return command


def serve(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
    """Runs the child until it exits; SIGTERM/SIGINT to this process stop it. Its exit code."""
    child = subprocess.Popen(list(command), env=dict(env), cwd=cwd)

    def stop(signum: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.terminate()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    # A child stopped by our own signal is a normal stop, not a failure.
    return 0 if child.returncode in (0, -signal.SIGTERM, -signal.SIGINT) else child.returncode
