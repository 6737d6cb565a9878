"""The options several commands take, each declared once: `--db`, `--rules`, `--scenario`, and
the sync's (`--config` and the options of every account's pass), shared by `sync` and `worker`.

A command says only what differs for it (required or not, its default, what it does with the
value); the flag, the parameter it fills, its type and the wording of its help are the same on
every command. `rule_sets` turns a repeatable `--rules` into rule sets, its errors included.
Every `--help` reads it, so only click, the errors and the store's default URL load with it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from engine.model.errors import RuleFileInvalid
from engine.store import DEFAULT_URL

if TYPE_CHECKING:
    from engine.model.definition import RuleSet

_Command = TypeVar("_Command", bound=Callable[..., Any])

STORE_URL = "Store URL (sqlite or postgresql)"


def db_option(
    *, required: bool = False, computed_default: str | None = None
) -> Callable[[_Command], _Command]:
    """`--db URL` into `db`: the store the command opens, `DEFAULT_URL` unless told otherwise.

    `required`: no default, and the help shows an example URL instead. `computed_default`: the
    command works the default out itself (`db` is None when the option is not given); the text
    says what it is.
    """
    if required:
        return click.option("--db", "db", required=True, help=f"{STORE_URL}, e.g. {DEFAULT_URL}.")
    if computed_default is not None:
        return click.option("--db", "db", help=f"{STORE_URL} [default: {computed_default}].")
    return click.option("--db", "db", default=DEFAULT_URL, show_default=True, help=f"{STORE_URL}.")


def rules_option(
    *, folder: Path | None = None, help: str | None = None
) -> Callable[[_Command], _Command]:
    """`--rules`: the rule files the command reads.

    By default rule files or directories of them, repeatable and checked to exist, into
    `rule_paths`: a tuple, empty for rules/ (`rule_sets` loads them). With `folder`, one folder
    of rule files into `rules_dir`, `folder` when the option is not given; `help` then says what
    the command does with them.
    """
    if folder is None:
        return click.option(
            "--rules",
            "rule_paths",
            multiple=True,
            type=click.Path(exists=True, path_type=Path),
            help=help or "Rule file or directory of rule files (repeatable) [default: rules/].",
        )
    return click.option(
        "--rules",
        "rules_dir",
        type=click.Path(path_type=Path),
        default=folder,
        show_default=True,
        help=help or "The folder of rule files.",
    )


def scenario_option(
    help: str, *, required: bool = False, default: Path | None = None
) -> Callable[[_Command], _Command]:
    """`--scenario FILE` into `scenario_path`: a scenario file (YAML), shown default if any.

    A missing or unreadable file is the scenario loader's to report, with its location.
    """
    return click.option(
        "--scenario",
        "scenario_path",
        type=click.Path(dir_okay=False, path_type=Path),
        required=required,
        default=default,
        show_default=default is not None,
        help=help,
    )


def rule_sets(rule_paths: tuple[Path, ...]) -> list[RuleSet]:
    """The rule sets a repeatable `--rules` names; a bad rule file or none is a ClickException."""
    # The loader (and PyYAML) only once a command runs: `--help` starts without.
    from engine.rulefile.rulebook import DEFAULT_RULES, load_rule_sets

    if not rule_paths and not DEFAULT_RULES.is_dir():
        raise click.ClickException(
            f"no rule file found: there is no folder {DEFAULT_RULES}/ here ({Path.cwd()}); "
            "run from the project's folder or pass --rules FILE or DIR"
        )
    try:
        found = load_rule_sets(rule_paths or (DEFAULT_RULES,))
    except RuleFileInvalid as exc:
        raise click.ClickException(str(exc)) from None
    if not found:
        raise click.ClickException("no rule file found: pass --rules FILE or DIR")
    return found


def _duration(text: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match is None:
        raise click.BadParameter(f"'{text}' is not a duration such as 90m, 6h or 3d")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def _lease(text: str) -> timedelta:
    duration = _duration(text)
    if duration <= timedelta(0):
        raise click.BadParameter(f"'{text}' is no time: a lease must last, e.g. 30s or 2m")
    return duration


_SYNC_KEYS = ("connector", "import_fulfilled", "fire_timers", "unconfirmed_after", "lease")


def sync_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--config` into `config`, and what every account's pass of the sync takes (`--connector`,
    `--import-fulfilled`, `--fire-timers`, `--unconfirmed-after`, `--lease`), handed to the
    command as one `options: SyncOptions` (without rules: the command adds its own)."""

    @functools.wraps(command)
    def gathered(*args: Any, **kwargs: Any) -> Any:
        from engine.sync.accounts import SyncOptions  # at run time: `--help` stays light

        values = {key: kwargs.pop(key) for key in _SYNC_KEYS}
        return command(*args, options=SyncOptions(**values), **kwargs)

    options = [
        click.option(
            "--config",
            type=click.Path(exists=True, path_type=Path),
            help="TOML file with a [lengow] table (LENGOW_* environment variables win), or one "
            "[[account]] table per Lengow account the store serves.",
        ),
        click.option(
            "--connector",
            help="Your back office (prestashop, magento2, woocommerce...), for "
            "the import policy of orders fulfilled by the marketplace.",
        ),
        click.option(
            "--import-fulfilled",
            is_flag=True,
            help="Import orders fulfilled by the marketplace (where the connector allows it).",
        ),
        click.option(
            "--fire-timers",
            is_flag=True,
            help="Apply the rule files' timers (say, automatic cancellation) to overdue stored "
            "orders without waiting for the marketplace to report them.",
        ),
        click.option(
            "--unconfirmed-after",
            default="3d",
            show_default=True,
            callback=lambda c, p, v: _duration(v),
            help="Flag a sent action the marketplace has not confirmed by then.",
        ),
        click.option(
            "--lease",
            default="2m",
            show_default=True,
            callback=lambda c, p, v: _lease(v),
            help="How long this sync's hold on its fetch windows lasts unrenewed (it renews it "
            "with every page): another sync on the store waits or moves on meanwhile, and takes "
            "over that long after this one dies.",
        ),
    ]
    wrapped: Callable[..., Any] = gathered
    for option in reversed(options):  # as written above in --help
        wrapped = option(wrapped)
    return wrapped
