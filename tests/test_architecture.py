"""The architecture, checked on the source: who may import what, no circle, no marketplace in code.

The imports of every module of engine/, simulator/, analytics/, workspace/, cli/, app.py,
app_pages/ and bench/ are read with `ast` (nothing is imported or run). Every import counts,
wherever it is written: at the top, inside a function (a lazy import is a dependency paid
later, still a dependency) and under `if TYPE_CHECKING:` (a type-only import runs nothing, but a
reader of the module has to read the imported one to follow its types, and a circle of them is a
circle for that reader all the same). `from package import name` depends on the module `name`
when it is one of ours, else on `package`. A module loaded by its name as a string
(`importlib.import_module`, as cli.main and engine.store's lazy names do) is not seen.

The units are the packages of docs/architecture.md: engine.model, engine.validation,
engine.rulefile, engine.runtime, engine.store, engine.channels, engine.sync; simulator.scenario,
simulator.world, simulator.twin, simulator.run, simulator.results; analytics, workspace, cli,
app_pages, app (app.py) and bench. `ALLOWED` says which of our packages each one may import,
the strictest rule the code keeps. The layers depend one way: the engine at the bottom, the
simulator and analytics on it (neither imports the other), the workspace on those, cli and the
app on top, side by side. No package of ours is in a circle with another, and no module with
another module of its package. Only `engine.runtime.machine` imports `transitions` (and the
runtime benchmark's pytransitions baseline); only `app.py` and `app_pages/` import `streamlit`
(and the app benchmark's session, which drives the app with `streamlit.testing`);
engine.model imports the standard library alone, analytics only pandas and numpy besides it;
nothing imports the app. Every package opens with a docstring that names each of its modules.

A rule the code breaks today is not weakened: the one import is listed in `KNOWN_VIOLATIONS`
with the rule it breaks, and leaves the list when it is fixed (a test fails on an entry whose
import is gone).

A marketplace is a rule file, so no marketplace code, status name or action name of any
`rules/*.yaml` may appear in Python code outside `tests/` (and `bench/`, whose benchmarks, like
tests, run on a chosen rule file), as an identifier (a variable,
function, class, parameter or keyword argument; attributes are left out because third-party
objects have methods such as `cancel`) or in a string constant (docstrings are prose and are
skipped). A string matches when it *is* one of those names; a distinctive name (a marketplace
code, or one with an underscore, a digit or inner capitals such as `WaitingForSellerAcceptation`)
also matches as a whole word inside a longer string, e.g. a path `rules/cdiscount.yaml`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

from engine.model.definition import ChannelActionType
from engine.rulefile.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
PLACES = (
    "engine",
    "simulator",
    "analytics",
    "authoring",
    "calibration",
    "workspace",
    "cli",
    "app.py",
    "app_pages",
    "bench",
)

ENGINE = (
    "engine.model",
    "engine.validation",
    "engine.rulefile",
    "engine.runtime",
    "engine.store",
    "engine.channels",
    "engine.sync",
)
SIMULATOR = (
    "simulator.scenario",
    "simulator.world",
    "simulator.twin",
    "simulator.run",
    "simulator.results",
)
# engine/ and simulator/ only group their packages: their __init__ holds a docstring, no import.
UMBRELLAS = ("engine", "simulator")
PACKAGES = (
    *ENGINE,
    *SIMULATOR,
    "analytics",
    "authoring",
    "calibration",
    "workspace",
    "cli",
    "app_pages",
    "app",
    "bench",
)

# What the simulator may use of the engine: all of it but the store (see ALLOWED).
RUNS_THE_ENGINE = frozenset(ENGINE) - {"engine.store"}
# The packages of ours each package may import besides itself: the strictest rule the code keeps.
ALLOWED: dict[str, frozenset[str]] = {
    "engine": frozenset(),
    "simulator": frozenset(),
    # The values every part shares: the standard library alone (see THIRD_PARTY).
    "engine.model": frozenset(),
    "engine.validation": frozenset({"engine.model"}),
    # The loader validates the rule set it built: engine.rulefile.loader calls validation.
    "engine.rulefile": frozenset({"engine.model", "engine.validation"}),
    # The runtime takes a built RuleSet: it reads no file and stores or sends nothing.
    "engine.runtime": frozenset({"engine.model"}),
    # The store keeps the model's values; it runs no rule.
    "engine.store": frozenset({"engine.model"}),
    # A channel reads each field of an order JSON through the rule file's field paths.
    "engine.channels": frozenset({"engine.model", "engine.rulefile"}),
    # The sync puts the engine together: channel -> runtime -> store.
    "engine.sync": frozenset(
        {"engine.model", "engine.rulefile", "engine.runtime", "engine.store", "engine.channels"}
    ),
    # The simulator runs the engine but writes its own files, never the store (a store is filled
    # from a run by workspace.sample_store). Among its packages: scenario -> world -> run ->
    # results, and the twin beside them (a live run serves its orders through the twin).
    "simulator.scenario": RUNS_THE_ENGINE,
    "simulator.world": RUNS_THE_ENGINE | {"simulator.scenario"},
    "simulator.twin": RUNS_THE_ENGINE,
    "simulator.run": RUNS_THE_ENGINE | {"simulator.scenario", "simulator.world", "simulator.twin"},
    "simulator.results": RUNS_THE_ENGINE
    | {"simulator.scenario", "simulator.world", "simulator.run"},
    # Pure pandas over the event log: the model's values and nothing else of ours.
    "analytics": frozenset({"engine.model"}),
    # Rule authors' tools read rule files and the store: the engine alone.
    "authoring": frozenset(ENGINE),
    # A scenario fitted from the event log: the engine, the scenario format and the analytics.
    "calibration": frozenset({*ENGINE, "simulator.scenario", "analytics"}),
    "workspace": frozenset({*ENGINE, *SIMULATOR, "analytics", "authoring", "calibration"}),
    "cli": frozenset({*ENGINE, *SIMULATOR, "analytics", "authoring", "calibration", "workspace"}),
    "app_pages": frozenset(
        {*ENGINE, *SIMULATOR, "analytics", "authoring", "calibration", "workspace"}
    ),
    # The app may import its pages; it names them by path (st.Page) and imports only the
    # settings, to name the store every page reads.
    "app": frozenset({"app_pages"}),
    "bench": frozenset({*ENGINE, *SIMULATOR, "analytics", "authoring", "calibration"}),
}

# The third-party libraries a package may import, for the packages whose purity is the point.
THIRD_PARTY: dict[str, frozenset[str]] = {
    "engine.model": frozenset(),
    "analytics": frozenset({"numpy", "pandas"}),
}

# What each layer must never import: the dependency direction of docs/architecture.md.
# The layers from the bottom up: each one never imports a layer above it, nor one beside it
# (the simulator, analytics and authoring sit side by side on the engine; calibration joins the
# first two; the workspace is above them all; cli and the app are on top, beside bench).
TOP_LEVEL = ("engine", "simulator", "analytics", "authoring", "calibration", "workspace", "cli")
UPPER = {"app_pages", "app", "bench"}
LOWER_THAN = {
    "engine": set(TOP_LEVEL[1:]) | UPPER,
    "simulator": {"analytics", "authoring", "calibration", *TOP_LEVEL[5:], *UPPER},
    "analytics": {"simulator", "authoring", "calibration", *TOP_LEVEL[5:], *UPPER},
    "authoring": {"simulator", "analytics", "calibration", *TOP_LEVEL[5:], *UPPER},
    "calibration": {"authoring", *TOP_LEVEL[5:], *UPPER},
    "workspace": {"cli", *UPPER},
    "cli": UPPER,
}

# Imports that break a rule above today, waiting for their fix: (file, imported module) -> the
# circle or the rule. Each is kept out of every check, and only that one import: the rule stays.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True, order=True)
class Import:
    file: str
    line: int
    module: str

    @property
    def top(self) -> str:
        return self.module.split(".")[0]

    @property
    def importer(self) -> str:
        """The importing module's dotted name."""
        return _module_name(ROOT / self.file)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.module}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(path: Path, tree: ast.AST, modules: Collection[str]) -> Iterator[Import]:
    """Every module `path` imports; `from p import n` names `p.n` when that is in `modules`."""
    file = str(path.relative_to(ROOT))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (Import(file, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package(path).split(".")
                anchor = ".".join(package[: len(package) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            named = (f"{base}.{alias.name}" for alias in node.names)
            found = dict.fromkeys(name if name in modules else base for name in named)
            yield from (Import(file, node.lineno, module) for module in found)


def _python_files(*places: str) -> list[Path]:
    files: list[Path] = []
    for place in places:
        path = ROOT / place
        if path.suffix == ".py" and path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(path.rglob("*.py")))
    return files


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


SOURCES = _python_files(*PLACES)
MODULES = {_module_name(path): path for path in SOURCES}
IMPORTS = [imp for path in SOURCES for imp in _imports(path, _parse(path), MODULES)]
CHECKED = [imp for imp in IMPORTS if (imp.file, imp.module) not in KNOWN_VIOLATIONS]


def _package_of(module: str) -> str | None:
    """The package of ours (or umbrella) a module belongs to, None for any other library."""
    inside = [p for p in (*PACKAGES, *UMBRELLAS) if module == p or module.startswith(p + ".")]
    return max(inside, key=len, default=None)


def _importers(top: str) -> list[str]:
    return sorted({imp.file for imp in IMPORTS if imp.top == top})


def test_the_walk_sees_the_whole_code_base() -> None:
    assert {
        "engine.runtime.machine",
        "engine.model.definition",
        "simulator.run.runner",
        "workspace.sources",
        "cli.main",
        "app",
        "bench.result",
    } <= set(MODULES)
    assert len(MODULES) > 150


def test_every_module_belongs_to_a_declared_package() -> None:
    loose = [m for m in MODULES if _package_of(m) in UMBRELLAS and m not in UMBRELLAS]
    assert loose == []


def test_every_package_of_the_tree_is_declared() -> None:
    found = {m for m, path in MODULES.items() if path.name == "__init__.py"}
    assert found == {*PACKAGES, *UMBRELLAS} - {"app"}
    assert set(ALLOWED) == {*PACKAGES, *UMBRELLAS}


def test_imports_are_resolved_to_modules_wherever_they_are_written() -> None:
    tree = ast.parse(
        "from . import lengow\nfrom ..model import events\nfrom ..model.events import Event\n"
        "import d.e\nfrom engine.store import DEFAULT_URL, outbox\n"
        "def later():\n    from engine.runtime.runtime import Runtime\n"
        "if TYPE_CHECKING:\n    from engine.sync.syncer import Syncer\n"
    )
    path = ROOT / "engine" / "channels" / "order_mapping.py"
    assert [imp.module for imp in _imports(path, tree, MODULES)] == [
        "engine.channels.lengow",
        "engine.model.events",
        "engine.model.events",
        "d.e",
        "engine.store",
        "engine.store.outbox",
        "engine.runtime.runtime",
        "engine.sync.syncer",
    ]


def test_every_known_violation_is_still_there() -> None:
    seen = {(imp.file, imp.module) for imp in IMPORTS}
    gone = [f"{file}: {module}" for file, module in KNOWN_VIOLATIONS if (file, module) not in seen]
    assert gone == []


def test_only_the_machine_imports_transitions() -> None:
    # The runtime benchmark measures us against a shared pytransitions machine: its baseline.
    assert _importers("transitions") == ["bench/runtime_bench.py", "engine/runtime/machine.py"]


def test_only_the_app_imports_streamlit() -> None:
    outside = [
        f for f in _importers("streamlit") if f != "app.py" and not f.startswith("app_pages")
    ]
    # The app benchmark times the app as it runs: through Streamlit's AppTest, in a child.
    assert outside == ["bench/app_session.py"]


@pytest.mark.parametrize("package", list(ALLOWED))
def test_a_package_imports_only_the_packages_it_may(package: str) -> None:
    may = ALLOWED[package] | {package, None}
    wrong = [
        str(imp)
        for imp in CHECKED
        if _package_of(imp.importer) == package and _package_of(imp.module) not in may
    ]
    assert wrong == []


@pytest.mark.parametrize("package", list(THIRD_PARTY))
def test_a_pure_package_imports_only_its_libraries(package: str) -> None:
    ours = {p.split(".")[0] for p in (*PACKAGES, *UMBRELLAS)}
    may = THIRD_PARTY[package] | ours | set(sys.stdlib_module_names)
    wrong = [
        str(imp) for imp in CHECKED if _package_of(imp.importer) == package and imp.top not in may
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", list(LOWER_THAN))
def test_layers_depend_one_way(layer: str) -> None:
    wrong = [
        str(imp)
        for imp in CHECKED
        if imp.file.startswith(layer + "/") and imp.top in LOWER_THAN[layer]
    ]
    assert wrong == []


def test_nothing_imports_the_app() -> None:
    wrong = [
        str(imp)
        for imp in CHECKED
        if imp.top == "app"
        or (
            imp.top == "app_pages" and imp.file != "app.py" and not imp.file.startswith("app_pages")
        )
    ]
    assert wrong == []


# -- no circle ---------------------------------------------------------------------------------


def _circle(graph: Mapping[str, Collection[str]]) -> list[str]:
    """One circle of `graph` as [a, b, ..., a], or [] when it has none.

    A depth-first walk in sorted order, so the same graph always shows the same circle.
    """
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str]:
        path.append(node)
        for after in sorted(graph.get(node, ())):
            if after in path:
                return [*path[path.index(after) :], after]
            if after not in done and (found := visit(after)):
                return found
        path.pop()
        done.add(node)
        return []

    for node in sorted(graph):
        if node not in done and (found := visit(node)):
            return found
    return []


def _graph(edges: Iterable[tuple[str, str, Import]]) -> dict[str, dict[str, list[Import]]]:
    """node -> node it imports -> the imports that make the edge (self-edges left out)."""
    graph: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
    for source, target, imp in edges:
        if source != target:
            graph[source][target].append(imp)
    return graph


def _show(graph: Mapping[str, Mapping[str, list[Import]]]) -> list[str]:
    """The circle of `graph`, one edge a line with the first import that makes it, or []."""
    circle = _circle(graph)
    return [f"{a} -> {b} ({min(graph[a][b])})" for a, b in pairwise(circle)]


def test_the_circle_check_fails_on_a_circle() -> None:
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"d", "a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _circle({"x": {"y"}, "y": {"x"}, "a": {"x"}}) == ["x", "y", "x"]
    assert _circle({"a": {"a"}}) == ["a", "a"]
    assert _circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []
    imp = Import("engine/model/events.py", 3, "engine.runtime.runtime")
    back = Import("engine/runtime/runtime.py", 9, "engine.model.events")
    fake = _graph(
        [("engine.model", "engine.runtime", imp), ("engine.runtime", "engine.model", back)]
    )
    assert _show(fake) == [
        "engine.model -> engine.runtime (engine/model/events.py:3: engine.runtime.runtime)",
        "engine.runtime -> engine.model (engine/runtime/runtime.py:9: engine.model.events)",
    ]


def test_the_allowed_imports_form_no_circle() -> None:
    assert _circle(ALLOWED) == []


def _package_edges() -> Iterator[tuple[str, str, Import]]:
    for imp in CHECKED:
        source, target = _package_of(imp.importer), _package_of(imp.module)
        if source is not None and target is not None:
            yield source, target, imp


def test_no_package_imports_in_a_circle() -> None:
    graph = _graph(_package_edges())
    circle = _show(graph)
    assert circle == [], "packages in a circle:\n" + "\n".join(circle)
    # The walk sees the edges: every package imports one of ours but this one.
    assert sorted(set(PACKAGES) - set(graph)) == ["engine.model"]


@pytest.mark.parametrize("package", [*PACKAGES, *UMBRELLAS])
def test_no_module_imports_in_a_circle_inside_its_package(package: str) -> None:
    inside = [
        (imp.importer, imp.module, imp)
        for imp in CHECKED
        if imp.module in MODULES and _package_of(imp.importer) == _package_of(imp.module) == package
    ]
    circle = _show(_graph(inside))
    assert circle == [], "modules in a circle:\n" + "\n".join(circle)


# -- the file list ------------------------------------------------------------------------------

INITS = sorted(m for m, path in MODULES.items() if path.name == "__init__.py")


@pytest.mark.parametrize("package", INITS)
def test_a_package_opens_with_a_docstring_naming_its_modules(package: str) -> None:
    init = MODULES[package]
    doc = ast.get_docstring(_parse(init))
    assert doc, f"{init.relative_to(ROOT)} has no docstring"
    parts = [p.stem for p in init.parent.glob("*.py") if p != init]
    parts += [d.name for d in init.parent.iterdir() if (d / "__init__.py").is_file()]
    assert [f"`{name}` is not named" for name in sorted(parts) if f"`{name}`" not in doc] == []


# -- no marketplace in code --------------------------------------------------------------------


def _rule_names() -> dict[str, str]:
    """Every marketplace-specific name of the shipped rules -> what it is, for the message."""
    names: dict[str, str] = {}
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        rules = load_rules(path)
        names.setdefault(rules.marketplace.code, f"marketplace code ({path.name})")
        for status in rules.statuses:
            names.setdefault(status.name, f"status ({path.name})")
        for action in rules.actions:
            names.setdefault(action.name, f"action ({path.name})")
    return names


NAMES = _rule_names()
CODES = {name for name, kind in NAMES.items() if kind.startswith("marketplace code")}


def _distinctive(name: str) -> bool:
    plain_word = name in (name.lower(), name.capitalize()) and name.isalpha()
    return name in CODES or not plain_word


WORDS = re.compile(r"\b(" + "|".join(map(re.escape, sorted(filter(_distinctive, NAMES)))) + r")\b")


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, nodes) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _identifiers(node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.arg | ast.keyword) and node.arg is not None:
        yield node.arg


def _mentions(tree: ast.AST) -> Iterator[tuple[int, str]]:
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        yield from ((line, name) for name in _identifiers(node) if name in NAMES)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings:
                continue
            if node.value.strip() in NAMES:
                yield line, node.value.strip()
            else:
                yield from ((line, m) for m in WORDS.findall(node.value) if m in NAMES)


def _scan(source: str, channel_words: frozenset[str] = frozenset()) -> list[str]:
    found = sorted(m for m in _mentions(ast.parse(source)) if m[1] not in channel_words)
    return [f"{line}: {name!r} ({NAMES[name]})" for line, name in found]


# The channel's own action types (Lengow's, for every marketplace) share their words with the
# shipped rule files' actions; the one module that declares them may name them.
CHANNEL_VOCABULARY = {"engine/model/definition.py": frozenset(t.value for t in ChannelActionType)}


def test_the_scan_finds_names_and_skips_docstrings() -> None:
    source = (
        '"""Orders reach Shipped; WaitingForSellerAcceptation is prose here."""\n'
        "def ship(order):\n"
        '    """accept"""\n'
        '    if order.status == "Shipped":\n'
        '        return f"see rules/cdiscount.yaml, {order} left WaitingForSellerAcceptation"\n'
        "    task.cancel()\n"
        '    return run(refuse=1, label="Shipped orders", path="WaitingDebitPayment")\n'
    )
    assert _scan(source) == [
        "2: 'ship' (action (cdiscount.yaml))",
        "4: 'Shipped' (status (cdiscount.yaml))",
        "5: 'WaitingForSellerAcceptation' (status (cdiscount.yaml))",
        "5: 'cdiscount' (marketplace code (cdiscount.yaml))",
        "7: 'WaitingDebitPayment' (status (galeries_lafayette.yaml))",
        "7: 'refuse' (action (cdiscount.yaml))",
    ]


def test_the_shipped_rules_give_the_scan_its_names() -> None:
    assert {"cdiscount", "cdiscount_octopia", "galeries_lafayette"} <= CODES
    assert NAMES["WaitingAcceptance"] == "status (cdiscount_octopia.yaml)"
    assert NAMES["Staging"] == "status (galeries_lafayette.yaml)"
    assert NAMES["refuse_shipment"] == "action (cdiscount.yaml)"


OUTSIDE_TESTS = [
    p
    for p in sorted(ROOT.rglob("*.py"))
    if not p.relative_to(ROOT).parts[0].startswith((".", "tests", "bench", "build", "orderflow."))
]


@pytest.mark.parametrize("path", OUTSIDE_TESTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_marketplace_name_in_python_code(path: Path) -> None:
    allowed = CHANNEL_VOCABULARY.get(path.relative_to(ROOT).as_posix(), frozenset())
    assert _scan(path.read_text(encoding="utf-8"), allowed) == []


def test_only_the_channel_vocabulary_may_name_the_channel_action_types() -> None:
    source = 'ACCEPT = "accept"\nSHIP = "ship"\n'
    assert _scan(source) == [
        "1: 'accept' (action (cdiscount.yaml))",
        "2: 'ship' (action (cdiscount.yaml))",
    ]
    assert _scan(source, CHANNEL_VOCABULARY["engine/model/definition.py"]) == []
