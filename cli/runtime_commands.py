"""The `orderflow` subcommands of this family (see cli/main.py)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
