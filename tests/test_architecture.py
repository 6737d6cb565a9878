"""The architecture, checked on the source: who may import what, and no marketplace in code.

The imports of every module are read with `ast` (nothing is imported or run): only
`engine.runtime.machine` imports `transitions`; only `app.py` and `app_pages/` import `streamlit`;
the definition values import only the standard library and each other; the layers depend one way
(engine -> simulator -> analytics -> cli and app); nothing imports the app.

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.rulefile.loader import load_rules

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("engine", "simulator", "analytics", "cli")
APP = ("app", "app_pages")
# What each layer must not import: the dependency direction of docs/architecture.md.
ABOVE = {
    "engine": {"simulator", "analytics", "cli", *APP},
    "simulator": {"analytics", "cli", *APP},
    "analytics": {"cli", *APP},
    "cli": set(APP),
}


@dataclass(frozen=True)
class Import:
    file: str
    line: int
    module: str

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(path: Path, tree: ast.AST) -> Iterator[Import]:
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
            yield Import(file, node.lineno, base)
            yield from (Import(file, node.lineno, f"{base}.{a.name}") for a in node.names)


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


SOURCES = _python_files(*LAYERS, "app.py", "app_pages")
IMPORTS = [imp for path in SOURCES for imp in _imports(path, _parse(path))]


def _importers(top: str) -> list[str]:
    return sorted({imp.file for imp in IMPORTS if imp.top == top})


def test_the_walk_sees_the_whole_code_base() -> None:
    files = {str(p.relative_to(ROOT)) for p in SOURCES}
    assert {
        "engine/runtime/machine.py",
        "engine/model/definition.py",
        "cli/main.py",
        "app.py",
    } <= files
    assert len(files) > 40


def test_relative_imports_are_resolved() -> None:
    tree = ast.parse("from . import a\nfrom ..b import c\nimport d.e\n")
    found = [imp.module for imp in _imports(ROOT / "engine" / "channels" / "paths.py", tree)]
    assert found == ["engine.channels", "engine.channels.a", "engine.b", "engine.b.c", "d.e"]


def test_only_the_machine_imports_transitions() -> None:
    assert _importers("transitions") == ["engine/runtime/machine.py"]


def test_only_the_app_imports_streamlit() -> None:
    outside = [
        f for f in _importers("streamlit") if f != "app.py" and not f.startswith("app_pages")
    ]
    assert outside == []


@pytest.mark.parametrize("module", ["engine/model/definition.py", "engine/model/conditions.py"])
def test_the_definition_values_import_only_the_standard_library(module: str) -> None:
    pure = ("engine.model",)

    def allowed(name: str) -> bool:
        inside = any(name == p or name.startswith(p + ".") for p in pure)
        return inside or name == "engine" or name.split(".")[0] in sys.stdlib_module_names

    wrong = [
        f"{imp.line}: {imp.module}"
        for imp in IMPORTS
        if imp.file == module and not allowed(imp.module)
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", list(ABOVE))
def test_layers_depend_one_way(layer: str) -> None:
    wrong = [
        f"{imp.file}:{imp.line}: {imp.module}"
        for imp in IMPORTS
        if imp.file.startswith(layer + "/") and imp.top in ABOVE[layer]
    ]
    assert wrong == []


def test_nothing_imports_the_app() -> None:
    wrong = [
        f"{imp.file}:{imp.line}: {imp.module}"
        for imp in IMPORTS
        if imp.top == "app"
        or (
            imp.top == "app_pages" and imp.file != "app.py" and not imp.file.startswith("app_pages")
        )
    ]
    assert wrong == []


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


def _scan(source: str) -> list[str]:
    found = sorted(_mentions(ast.parse(source)))
    return [f"{line}: {name!r} ({NAMES[name]})" for line, name in found]


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
    assert _scan(path.read_text(encoding="utf-8")) == []
