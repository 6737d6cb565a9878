"""`orderflow validate`, `orderflow schema` and `orderflow diagram`: the rule author's commands.

A rule author edits YAML and needs to know, before anything runs, whether the file is right and
what it says. These commands are thin: loading, the schema and the diagrams live in `engine`.
Bad input of any kind (a missing file, a directory, a binary file, broken YAML) is reported as
located problems and exit code 1, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from engine.model.definition import RuleSet
    from engine.model.problems import Problem

# The formats `engine.rulefile.diagram.FORMATS` draws, named here so that `--help` does not import
# the rule definitions (tests/test_startup.py keeps the two equal).
DIAGRAM_FORMATS: tuple[str, ...] = ("dot", "mermaid")


def _count(number: int, singular: str, plural: str = "") -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def summary(path: str, rules: RuleSet) -> str:
    """One line saying what a clean rule file holds."""
    return (
        f"{path}: ok — {rules.marketplace.code}, "
        f"{_count(len(rules.statuses), 'status', 'statuses')}, "
        f"{_count(len(rules.transitions), 'transition')}, "
        f"{_count(len(rules.actions), 'action')}, {_count(len(rules.timers), 'timer')}"
    )


def valid_files(files: tuple[Path, ...], failed: list[Path]) -> Iterator[tuple[Path, RuleSet]]:
    """Each of `files` (a directory: its `*.yaml` files) that loads, with its rule set; the
    problems of every file are printed as they are found, and a file that does not load is
    added to `failed`."""
    for path in _targets(files):
        rules, problems = _check(path)
        for problem in problems:
            click.echo(str(problem))
        if rules is None:
            failed.append(path)
        else:
            yield path, rules


def _targets(files: tuple[Path, ...]) -> list[Path]:
    """The files to check; a directory stands for the `*.yaml` files directly in it."""
    targets = []
    for path in files:
        inside = sorted(path.glob("*.yaml")) if path.is_dir() else []
        targets.extend(inside or [path])
    return targets


def _check(path: Path) -> tuple[RuleSet | None, list[Problem]]:
    # The loader (and PyYAML) only for the commands that read a file: `--help` starts without.
    from engine.model.problems import Location, Problem
    from engine.rulefile.loader import check_file

    if path.is_dir():
        return None, [Problem(Location(str(path), 1, 1), "the directory holds no .yaml rule file")]
    return check_file(path)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check rule FILES and report every problem as FILE:LINE:COL: message (hint).

    A clean file gets a one-line summary. A directory stands for the .yaml files in it. Exits
    with 1 when any file has a problem, 0 when all are clean.

    \b
    Example:
      orderflow validate rules/*.yaml
    """
    failed: list[Path] = []
    for path, rules in valid_files(files, failed):
        click.echo(summary(str(path), rules))
    if failed:
        click.echo(f"{_count(len(failed), 'file')} with problems", err=True)
        raise SystemExit(1)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the rule file format (draft 2020-12).

    Editors with the YAML language server use it to complete and check rule files that name it
    on their first line (# yaml-language-server: $schema=./orderflow.schema.json).

    \b
    Example:
      orderflow schema > rules/orderflow.schema.json
    """
    from engine.rulefile.json_schema import schema_text

    click.echo(schema_text(), nl=False)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(DIAGRAM_FORMATS),
    default="mermaid",
    show_default=True,
    help="mermaid (stateDiagram-v2, renders on GitHub and in Mermaid viewers) or dot (Graphviz).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the diagram to this file instead of the standard output.",
)
def diagram(file: Path, fmt: str, output: Path | None) -> None:
    """Draw the statuses and transitions of a rule FILE.

    Edges carry the trigger, the actor, the condition, the fields the seller action needs and
    the timer's delay; initial statuses are entered from the start point, final ones marked.

    \b
    Examples:
      orderflow diagram rules/cdiscount.yaml --format mermaid
      orderflow diagram rules/cdiscount.yaml --format dot -o cdiscount.dot
    """
    from engine.rulefile.diagram import FORMATS

    rules, problems = _check(file)
    if rules is None:
        for problem in problems:
            click.echo(str(problem), err=True)  # the diagram's output is often redirected
        raise SystemExit(1)
    text = FORMATS[fmt](rules)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"{output}: cannot write the diagram: {exc.strerror or exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"wrote the {fmt} diagram of {rules.marketplace.code} to {output}", err=True)


COMMANDS: list[click.Command] = [validate, schema, diagram]
