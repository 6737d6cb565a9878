"""The Lengow API settings, from the environment or a TOML file, with the secrets kept hidden.

Operators set `LENGOW_API_URL`, `LENGOW_ACCESS_TOKEN`, `LENGOW_SECRET` and `LENGOW_ACCOUNT_ID` in
the environment, or write them in a config file's `[lengow]` table (`api_url`, `access_token`,
`secret`, `account_id`); a variable set in the environment wins over the file. The access token
and the secret are wrapped in `Secret`, whose text and repr are masked, so a settings object can
be logged, printed or put in an exception without leaking them.

One store may serve several Lengow accounts: the config file then lists them as `[[account]]`
tables, each with its own `account_id`, credentials and `api_url`, and optionally a `name`, the
`rules` (a file or folder) its marketplaces run under and its back-office `connector`
(`load_accounts`). The environment variables name one account only, so they do not apply there.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from engine.channels.loopback import is_loopback
from engine.model.errors import OrderflowError

DEFAULT_API_URL = "https://api.lengow.io"
TABLE = "lengow"
ACCOUNTS = "account"
ACCOUNT_KEYS = ("name", "rules", "connector")
# setting name -> environment variable
VARIABLES = {
    "api_url": "LENGOW_API_URL",
    "access_token": "LENGOW_ACCESS_TOKEN",
    "secret": "LENGOW_SECRET",
    "account_id": "LENGOW_ACCOUNT_ID",
}


class SettingsInvalid(OrderflowError):
    """A setting is missing or wrong; the message names the variable and the file key."""


class Secret:
    """A credential: `reveal()` gives it to the one place that sends it, nothing else shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class LengowSettings:
    api_url: str
    access_token: Secret
    secret: Secret
    account_id: int
    # What the operator should fix although the settings work (printed by the sync).
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def __repr__(self) -> str:
        return (
            f"LengowSettings(api_url={self.api_url!r}, access_token='********', "
            f"secret='********', account_id={self.account_id})"
        )


def _read_toml(file: Path) -> dict[str, object]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsInvalid(f"cannot read the config file {file}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SettingsInvalid(
            f"{file}: the config file is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsInvalid(f"{file}: invalid TOML: {exc}") from None


def _read_file(file: Path) -> dict[str, object]:
    data = _read_toml(file)
    table = data.get(TABLE, {})
    if not isinstance(table, dict):
        raise SettingsInvalid(f"{file}: '{TABLE}' must be a table like [{TABLE}]")
    unknown = sorted(set(table) - set(VARIABLES))
    if unknown:
        known = ", ".join(VARIABLES)
        raise SettingsInvalid(f"{file}: unknown setting '{unknown[0]}' in [{TABLE}] ({known})")
    return table


def _value(name: str, env: Mapping[str, str], table: Mapping[str, object]) -> str | None:
    raw = env.get(VARIABLES[name])
    if raw is None or not raw.strip():
        found = table.get(name)
        raw = None if found is None else str(found)
    return raw.strip() if raw is not None and raw.strip() else None


def _missing(names: list[str], file: Path | None) -> SettingsInvalid:
    quoted = ", ".join(f"'{n}'" for n in names)
    variables = ", ".join(VARIABLES[n] for n in names)
    what = "setting" if len(names) == 1 else "settings"
    verb = "is" if len(names) == 1 else "are"
    place = f" (or {', '.join(names)} in the [{TABLE}] table of {file})" if file else ""
    return SettingsInvalid(f"the Lengow {what} {quoted} {verb} missing: set {variables}{place}")


def _wrong(name: str, must: str, found: str) -> SettingsInvalid:
    return SettingsInvalid(
        f"the Lengow setting '{name}' ({VARIABLES[name]}) must {must}, found '{found}'"
    )


def _account_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # "²".isdigit(), but int("²") fails
        raise _wrong("account_id", "be a whole number", text)
    return int(text)


def _api_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise _wrong("api_url", "start with http:// or https://", text)
    if not urlsplit(text).hostname:
        raise _wrong("api_url", f"name a host, such as {DEFAULT_API_URL}", text)
    return text.rstrip("/")


def load_settings(
    file: str | Path | None = None, env: Mapping[str, str] | None = None
) -> LengowSettings:
    """The settings from `env` (the process environment by default) over `file` (if any)."""
    environment = os.environ if env is None else env
    path = Path(file) if file is not None else None
    table = _read_file(path) if path is not None else {}
    values = {name: _value(name, environment, table) for name in VARIABLES}
    missing = [n for n in ("access_token", "secret", "account_id") if values[n] is None]
    if missing:
        raise _missing(missing, path)
    api_url = _api_url(values["api_url"] or DEFAULT_API_URL)
    return LengowSettings(
        api_url=api_url,
        access_token=Secret(values["access_token"] or ""),
        secret=Secret(values["secret"] or ""),
        account_id=_account_id(values["account_id"] or ""),
        warnings=tuple(_plain_http(api_url)) + tuple(_readable_secret(path, table)),
    )


def _plain_http(api_url: str) -> list[str]:
    host = urlsplit(api_url).hostname or ""
    if not api_url.startswith("http://") or is_loopback(host):
        return []
    return [
        f"Warning: the Lengow API URL {api_url} is plain http:// to {host}: the access token, "
        "the secret and the orders cross the network unencrypted; use https://"
    ]


def _readable_secret(file: Path | None, table: Mapping[str, object]) -> list[str]:
    held = [name for name in ("access_token", "secret") if table.get(name)]
    if file is None or not held:
        return []
    mode = stat.S_IMODE(file.stat().st_mode)
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return []
    what = " and the ".join(held)
    return [
        f"Warning: {file} holds the Lengow {what} and others can read it (mode {mode:04o}): "
        f"chmod 600 {file}"
    ]


@dataclass(frozen=True)
class AccountSettings:
    """One Lengow account of the store: its API settings, and what its orders run under.

    `key` names the account in the store (its orders, windows, leases and runs): the Lengow
    account id, stable whatever the `name` (a label for people) becomes.
    """

    settings: LengowSettings
    name: str
    rules: Path | None = None
    connector: str | None = None

    @property
    def key(self) -> str:
        return str(self.settings.account_id)


def load_accounts(
    file: str | Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[AccountSettings, ...]:
    """Every account of the config file's `[[account]]` tables, in the file's order; without
    such tables, the one account of `load_settings` (the environment over `[lengow]`)."""
    path = Path(file) if file is not None else None
    data = _read_toml(path) if path is not None else {}
    listed = data.get(ACCOUNTS)
    if path is None or listed is None:
        settings = load_settings(path, env)
        return (AccountSettings(settings, f"account {settings.account_id}"),)
    if TABLE in data:
        raise SettingsInvalid(
            f"{path}: write either one [{TABLE}] table or [[{ACCOUNTS}]] tables, not both"
        )
    if not isinstance(listed, list) or not all(isinstance(t, dict) for t in listed):
        raise SettingsInvalid(f"{path}: '{ACCOUNTS}' must be tables like [[{ACCOUNTS}]]")
    accounts = tuple(_account(path, number, table) for number, table in enumerate(listed, 1))
    seen: dict[int, int] = {}
    for number, account in enumerate(accounts, 1):
        first = seen.setdefault(account.settings.account_id, number)
        if first != number:
            raise SettingsInvalid(
                f"{path}: accounts {first} and {number} both have account_id "
                f"{account.settings.account_id}; each account is listed once"
            )
    return accounts


def _account(path: Path, number: int, table: dict[str, object]) -> AccountSettings:
    where = f"{path}: account {number}"
    unknown = sorted(set(table) - set(VARIABLES) - set(ACCOUNT_KEYS))
    if unknown:
        known = ", ".join((*VARIABLES, *ACCOUNT_KEYS))
        raise SettingsInvalid(f"{where}: unknown setting '{unknown[0]}' ({known})")
    texts = {}
    for name, value in table.items():
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise SettingsInvalid(f"{where}: '{name}' must be a text, found {value!r}")
        texts[name] = str(value).strip()
    missing = [n for n in ("access_token", "secret", "account_id") if n not in texts]
    if missing:
        raise SettingsInvalid(f"{where} lacks {', '.join(repr(n) for n in missing)}")
    try:
        api_url = _api_url(texts.get("api_url", DEFAULT_API_URL))
        account_id = _account_id(texts["account_id"])
    except SettingsInvalid as exc:
        raise SettingsInvalid(f"{where}: {exc}") from None
    settings = LengowSettings(
        api_url=api_url,
        access_token=Secret(texts["access_token"]),
        secret=Secret(texts["secret"]),
        account_id=account_id,
        warnings=tuple(_plain_http(api_url)) + tuple(_readable_secret(path, table)),
    )
    rules = texts.get("rules")
    return AccountSettings(
        settings,
        texts.get("name", f"account {account_id}"),
        rules=(path.parent / rules) if rules is not None else None,
        connector=texts.get("connector"),
    )
