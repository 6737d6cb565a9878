"""`orderflow check`: property tests of rule files, for their authors.

The exploration lives in `authoring.check`; this command loads each file, runs it with a
progress bar and prints `authoring.report`'s lines. A file that does not load is reported as
`orderflow validate` reports it. Exits with 1 when a file does not load or breaks a property.
"""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_EXAMPLES = 1000  # `authoring.check.DEFAULT_EXAMPLES`, named here for `--help`


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--examples",
    type=click.IntRange(1, 1_000_000),
    default=DEFAULT_EXAMPLES,
    show_default=True,
    help="How many random orders to explore per file.",
)
@click.option(
    "--seed",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="The seed of the exploration: the same seed explores the same orders.",
)
def check(files: tuple[Path, ...], examples: int, seed: int) -> None:
    """Explore rule FILES for an order that breaks a property, built-in or declared.

    Random lifecycles run through each file's machine: every actor's triggers, the seller's
    commands with random (also missing and unlisted) field values, timers firing, and
    observations that skip statuses. Built-in properties: every reached status can reach a
    final one; no seller command succeeds without its required fields; the machine and the
    bulk path agree; a timer always leaves its status; observations that skip statuses follow
    the rules. The file's own `properties:` (always / never / eventually) are checked too.

    A pass prints what was explored; a failure prints the shrunk counterexample as the order's
    timeline (step, when, what, by whom, fields, status after) and exits with 1.

    \b
    Examples:
      orderflow check rules/*.yaml
      orderflow check rules/cdiscount.yaml --examples 5000 --seed 7
    """
    from tqdm import tqdm

    from authoring.check import check as explore
    from authoring.report import report
    from cli.rules_commands import valid_files

    failed: list[Path] = []
    refuted = 0
    for path, rules in valid_files(files, failed):
        with tqdm(total=examples, desc=path.name, unit="order", leave=False, disable=None) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            result = explore(rules, examples, seed, progress)
        for line in report(str(path), result):
            click.echo(line)
        refuted += not result.passed
    if failed or refuted:
        count = len(failed) + refuted
        click.echo(f"{count} file{'s' if count != 1 else ''} failed", err=True)
        raise SystemExit(1)


COMMANDS: list[click.Command] = [check]
