"""Lengow settings from the environment and a TOML file; secrets masked; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.channels.config import Secret, SettingsInvalid, load_accounts, load_settings

FULL_ENV = {
    "LENGOW_API_URL": "http://127.0.0.1:8765/",
    "LENGOW_ACCESS_TOKEN": "tok-abc",
    "LENGOW_SECRET": "sec-xyz",
    "LENGOW_ACCOUNT_ID": "155",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "orderflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_from_the_environment() -> None:
    loaded = load_settings(env=FULL_ENV)
    assert loaded.api_url == "http://127.0.0.1:8765"
    assert loaded.access_token.reveal() == "tok-abc"
    assert loaded.secret.reveal() == "sec-xyz"
    assert loaded.account_id == 155


def test_the_api_url_defaults_to_lengow() -> None:
    env = {k: v for k, v in FULL_ENV.items() if k != "LENGOW_API_URL"}
    assert load_settings(env=env).api_url == "https://api.lengow.io"


def test_settings_from_a_file_with_the_environment_winning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[lengow]\napi_url = "http://file.example"\naccess_token = "file-tok"\n'
        'secret = "file-sec"\naccount_id = 42\n',
    )
    from_file = load_settings(path, env={})
    assert (from_file.api_url, from_file.access_token.reveal(), from_file.account_id) == (
        "http://file.example",
        "file-tok",
        42,
    )
    mixed = load_settings(path, env={"LENGOW_SECRET": "env-sec", "LENGOW_ACCOUNT_ID": " "})
    assert (mixed.secret.reveal(), mixed.account_id) == ("env-sec", 42)


def test_repr_and_text_mask_the_secrets() -> None:
    loaded = load_settings(env=FULL_ENV)
    shown = repr(loaded) + str(loaded) + f"{loaded.secret} {loaded.access_token!r}"
    assert "tok-abc" not in shown and "sec-xyz" not in shown
    assert repr(loaded) == (
        "LengowSettings(api_url='http://127.0.0.1:8765', access_token='********', "
        "secret='********', account_id=155)"
    )
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")


def test_a_missing_setting_is_named() -> None:
    env = {k: v for k, v in FULL_ENV.items() if k != "LENGOW_SECRET"}
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(env=env)
    assert str(caught.value) == "the Lengow setting 'secret' is missing: set LENGOW_SECRET"


def test_every_missing_setting_is_named_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[lengow]\nsecret = "s"\n')
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(path, env={})
    assert str(caught.value) == (
        "the Lengow settings 'access_token', 'account_id' are missing: set LENGOW_ACCESS_TOKEN, "
        f"LENGOW_ACCOUNT_ID (or access_token, account_id in the [lengow] table of {path})"
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"LENGOW_ACCOUNT_ID": "abc"},
            "the Lengow setting 'account_id' (LENGOW_ACCOUNT_ID) must be a whole number, "
            "found 'abc'",
        ),
        (
            {"LENGOW_ACCOUNT_ID": "15\u00b2"},  # a superscript two: isdigit() but not int()
            "the Lengow setting 'account_id' (LENGOW_ACCOUNT_ID) must be a whole number, "
            "found '15\u00b2'",
        ),
        (
            {"LENGOW_API_URL": "http://"},
            "the Lengow setting 'api_url' (LENGOW_API_URL) must name a host, such as "
            "https://api.lengow.io, found 'http://'",
        ),
        (
            {"LENGOW_API_URL": "api.lengow.io"},
            "the Lengow setting 'api_url' (LENGOW_API_URL) must start with http:// or https://, "
            "found 'api.lengow.io'",
        ),
    ],
)
def test_a_wrong_setting_is_explained(override: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(env={**FULL_ENV, **override})
    assert str(caught.value) == message


def test_file_problems_are_explained(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="invalid TOML"):
        load_settings(write(tmp_path, "[lengow\n"), env=FULL_ENV)
    with pytest.raises(SettingsInvalid, match=r"unknown setting 'token' in \[lengow\]"):
        load_settings(write(tmp_path, '[lengow]\ntoken = "x"\n'), env=FULL_ENV)
    with pytest.raises(SettingsInvalid, match="cannot read the config file"):
        load_settings(tmp_path / "absent.toml", env=FULL_ENV)


def test_a_config_file_that_is_not_utf8_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[lengow]\nsecret = "d\u00e9j\u00e0"\n'.encode("latin-1"))
    with pytest.raises(SettingsInvalid) as caught:
        load_settings(path, env=FULL_ENV)
    assert str(caught.value) == (
        f"{path}: the config file is not UTF-8 text (invalid continuation byte at byte 20)"
    )


TWO_ACCOUNTS = """
[[account]]
name = "Shop FR"
account_id = 155
access_token = "tok-fr"
secret = "sec-fr"
api_url = "http://127.0.0.1:8765"
rules = "rules/fr"
connector = "prestashop"

[[account]]
account_id = "156"
access_token = "tok-be"
secret = "sec-be"
"""


def test_several_accounts_each_with_its_settings_rules_and_connector(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_ACCOUNTS)
    fr, be = load_accounts(path, env=FULL_ENV)  # the variables name one account: not used here
    assert (fr.key, fr.name, fr.rules, fr.connector) == (
        "155", "Shop FR", tmp_path / "rules" / "fr", "prestashop"
    )  # fmt: skip
    assert (fr.settings.api_url, fr.settings.access_token.reveal()) == (
        "http://127.0.0.1:8765", "tok-fr"
    )  # fmt: skip
    assert (be.key, be.name, be.rules, be.connector) == ("156", "account 156", None, None)
    assert (be.settings.api_url, be.settings.secret.reveal()) == ("https://api.lengow.io", "sec-be")


def test_without_account_tables_the_one_account_of_the_settings(tmp_path: Path) -> None:
    (only,) = load_accounts(None, env=FULL_ENV)
    assert (only.key, only.name, only.settings) == (
        "155",
        "account 155",
        load_settings(env=FULL_ENV),
    )
    path = write(tmp_path, '[lengow]\naccess_token = "a"\nsecret = "b"\naccount_id = 7\n')
    assert [a.key for a in load_accounts(path, env={})] == ["7"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (TWO_ACCOUNTS.replace('"156"', "155"), "accounts 1 and 2 both have account_id 155; "
         "each account is listed once"),
        (TWO_ACCOUNTS.replace('connector = "prestashop"', 'conector = "x"'), "account 1: "
         "unknown setting 'conector' (api_url, access_token, secret, account_id, name, rules, "
         "connector)"),
        (TWO_ACCOUNTS.replace('secret = "sec-be"\n', ""), "account 2 lacks 'secret'"),
        (TWO_ACCOUNTS.replace('"156"', '"12a"'), "account 2: the Lengow setting 'account_id' "
         "(LENGOW_ACCOUNT_ID) must be a whole number, found '12a'"),
        (TWO_ACCOUNTS.replace('name = "Shop FR"', "name = true"), "account 1: 'name' must be "
         "a text, found True"),
        ('[lengow]\naccount_id = 1\n' + TWO_ACCOUNTS, "write either one [lengow] table or "
         "[[account]] tables, not both"),
        ("account = 3\n", "'account' must be tables like [[account]]"),
    ],
)  # fmt: skip
def test_account_problems_name_the_file_and_the_account(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsInvalid) as raised:
        load_accounts(path, env={})
    assert str(raised.value) == f"{path}: {message}"
