"""Reading a scenario file: its text checked against its rule file, every problem located.

The entry points of the package: `load_scenario` for a file, `check_scenario_text` for the text
an editor holds. The values live in `simulator.scenario.values` and import nothing here, so the
builder and its readers, which produce them, are not in a circle with them.
"""

from __future__ import annotations

from pathlib import Path

from engine.model.definition import RuleSet
from engine.model.problems import Location, Problem
from engine.rulefile.yaml_source import load_located
from simulator.scenario.builder import ScenarioBuilder
from simulator.scenario.values import Scenario, ScenarioInvalid


def check_scenario_text(
    text: str, file: str, rules: RuleSet | None = None
) -> tuple[Scenario | None, list[Problem]]:
    """Every problem of a scenario's text, and the scenario when there are none.

    `rules` replaces the rule file the scenario names (to try the same world on other rules).
    """
    data, problems = load_located(text, file)
    if data is None:
        return None, problems
    builder = ScenarioBuilder(file, rules)
    scenario = builder.build(data)
    problems = sorted([*problems, *builder.problems], key=lambda p: (p.where, p.message))
    return (scenario if not problems else None), problems


def load_scenario(path: str | Path, rules: RuleSet | None = None) -> Scenario:
    """The validated scenario of `path`; raises `ScenarioInvalid` with every problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioInvalid(
            name, [Problem(Location(name, 1, 1), f"cannot read the file: {exc}")]
        ) from exc
    scenario, problems = check_scenario_text(text, name, rules)
    if scenario is None:
        raise ScenarioInvalid(name, problems)
    return scenario
