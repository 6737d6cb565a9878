"""The `orderflow` command: one click group, each family of subcommands in its own module.

Every command pays the start-up, so a command's module is imported only when that command runs
or a help page lists it: `orderflow validate` does not import the sync's or the simulator's
command module, and `orderflow --version` imports none (`bench/startup_bench.py` measures it).
"""

from __future__ import annotations

import importlib

import click

# The module whose COMMANDS defines each command; tests/test_startup.py keeps the two equal.
COMMAND_MODULES: dict[str, str] = {
    "validate": "cli.rules_commands",
    "check": "cli.check_commands",
    "schema": "cli.rules_commands",
    "diagram": "cli.rules_commands",
    "explain": "cli.runtime_commands",
    "act": "cli.action_commands",
    "sync": "cli.sync_commands",
    "twin": "cli.sync_commands",
    "worker": "cli.worker_commands",
    "simulate": "cli.simulate_commands",
    "calibrate": "cli.calibrate_commands",
    "run": "cli.app_commands",
    "export": "cli.app_commands",
    "conformance": "cli.analysis_commands",
    "impact": "cli.migration_commands",
    "migrate": "cli.migration_commands",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        commands: list[click.Command] = importlib.import_module(module).COMMANDS
        return next(command for command in commands if command.name == cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orderflow")
def main() -> None:
    """orderflow: marketplace order rules as data, run against real or simulated orders."""
