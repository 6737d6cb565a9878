"""The `orderflow` command: one click group, each family of subcommands in its own module."""

from __future__ import annotations

import click

from cli import (
    action_commands,
    app_commands,
    rules_commands,
    runtime_commands,
    simulate_commands,
    sync_commands,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orderflow")
def main() -> None:
    """orderflow: marketplace order rules as data, run against real or simulated orders."""


for module in (
    rules_commands,
    runtime_commands,
    action_commands,
    sync_commands,
    simulate_commands,
    app_commands,
):
    for command in module.COMMANDS:
        main.add_command(command)
