"""Settings that work but expose the credentials are warned about: plain http:// to another
machine, and a settings file holding a secret that others can read."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.channels.config import load_settings

CREDENTIALS = {"LENGOW_ACCESS_TOKEN": "tok", "LENGOW_SECRET": "sec", "LENGOW_ACCOUNT_ID": "1"}


@pytest.mark.parametrize(
    "url",
    ["https://api.lengow.io", "http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8"],
)
def test_no_warning_for_https_or_loopback(url: str) -> None:
    assert load_settings(env={**CREDENTIALS, "LENGOW_API_URL": url}).warnings == ()


def test_plain_http_to_another_host_is_warned_about() -> None:
    settings = load_settings(env={**CREDENTIALS, "LENGOW_API_URL": "http://lengow.example:80"})
    assert settings.warnings == (
        "Warning: the Lengow API URL http://lengow.example:80 is plain http:// to "
        "lengow.example: the access token, the secret and the orders cross the network "
        "unencrypted; use https://",
    )


def _config(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "orderflow.toml"
    path.write_text('[lengow]\nsecret = "sec"\naccount_id = 1\n', encoding="utf-8")
    path.chmod(mode)
    return path


def test_a_secret_others_can_read_is_warned_about(tmp_path: Path) -> None:
    path = _config(tmp_path, 0o644)
    settings = load_settings(path, env={"LENGOW_ACCESS_TOKEN": "tok"})
    assert settings.secret.reveal() == "sec"
    assert settings.warnings == (
        f"Warning: {path} holds the Lengow secret and others can read it (mode 0644): "
        f"chmod 600 {path}",
    )


def test_a_private_settings_file_is_not_warned_about(tmp_path: Path) -> None:
    path = _config(tmp_path, 0o600)
    assert load_settings(path, env={"LENGOW_ACCESS_TOKEN": "tok"}).warnings == ()


def test_a_readable_file_without_secrets_is_not_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "orderflow.toml"
    path.write_text("[lengow]\naccount_id = 1\n", encoding="utf-8")
    path.chmod(0o644)
    env = {"LENGOW_ACCESS_TOKEN": "tok", "LENGOW_SECRET": "sec"}
    assert load_settings(path, env=env).warnings == ()
