"""The repository stands alone: no file of it reaches for a path outside the repository.

A user's clone holds only what git holds. A fixture read from a folder next to the clone, a
path hard-coded to one machine (under /work, /home, /tmp...) or a climb from `__file__` above
the repository root passes on the machine that wrote it and fails everywhere else. This test
reads every text file of the repository (`git ls-files`, or a walk where there is no git):
tests, sources, scripts, the Makefile, docs and rule files, and names each such path as
file:line. A relative path is resolved against its file's folder: a scenario in
simulator/scenarios/ naming its rule file two folders up, in rules/, stays inside and is fine.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Folders a clone does not hold (ignored by git), skipped when there is no git to ask.
SKIPPED = frozenset(
    {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".hypothesis", ".pytest_cache"}
)

# The patterns are written so that none of them matches its own source line.
SIBLING = re.compile(r"\.\./+shared\b")
SHARED_REFERENCE = re.compile(r"\bshared[/\\]+reference\b")
MACHINE_PATH = re.compile(r"(?<![\w.:/~-])/(?:work|home|Users|root|tmp|mnt)/[^\s\"'`),;\]]*")
RELATIVE = re.compile(r"(?<![\w./:~$-])((?:[\w.-]+/)*\.\.(?:/[\w.-]+)*/?)(?![\w.-])")
# A path expression: `Path(__file__)` or a name, then `.parent` / `.parents[N]`, then `/ "seg"`.
BASE = re.compile(r"Path\(\s*__file__\s*\)(?:\.(?:resolve|absolute)\(\))*|(?<![\w.])[A-Za-z_]\w*")
STEP = re.compile(r"\.parent\b|\.parents\[\s*(\d+)\s*\]")
SEGMENT = re.compile(r"\s*/\s*(?:\"([^\"]*)\"|'([^']*)')")
ASSIGNED = re.compile(r"\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*")
# Names taken to hold the repository root when the file does not say where they point.
ROOT_NAME = re.compile(r"(?i)(?:\w+_)?(?:repo|root)(?:_\w+)?")


def walk(root: Path) -> list[str]:
    """Every file under `root` but in the folders git ignores, as repository paths."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        kept = [d for d in dirs if d not in SKIPPED and not d.endswith(".egg-info")]
        if Path(folder) == root:
            kept = [d for d in kept if d != "out"]
        dirs[:] = [d for d in kept if not Path(folder, d).is_symlink()]
        linked = [d for d in kept if Path(folder, d).is_symlink()]
        found.extend(Path(folder, f).relative_to(root).as_posix() for f in files + linked)
    return sorted(found)


def repo_files(root: Path) -> list[str]:
    """The files a clone holds: tracked, or new and not ignored (git), else a walk."""
    if not (root / ".git").exists() or shutil.which("git") is None:
        return walk(root)
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # e.g. a checkout git calls of dubious ownership
        return walk(root)
    names = {n for n in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if n}
    return sorted(n for n in names if (root / n).is_file() or (root / n).is_symlink())


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def climbs(path: str, line: str, named: dict[str, int]) -> list[str]:
    """Path expressions of the line that go above the root; `named` learns `NAME = expr`."""
    found = []
    assigned = ASSIGNED.match(line)
    for base in BASE.finditer(line):
        text = base.group()
        if text.startswith("Path("):
            depth = len(path.split("/"))  # the file itself, so `.parent` is its folder
        elif text in named or ROOT_NAME.fullmatch(text):
            depth = named.get(text, 0)
        else:
            continue
        end, lowest = base.end(), depth
        while step := STEP.match(line, end):
            depth -= int(step.group(1)) + 1 if step.group(1) else 1
            end, lowest = step.end(), min(lowest, depth)
        while segment := SEGMENT.match(line, end):
            for part in (segment.group(1) or segment.group(2) or "").split("/"):
                depth += -1 if part == ".." else 0 if part in ("", ".") else 1
                lowest = min(lowest, depth)
            end = segment.end()
        if lowest < 0:
            found.append(f"'{line[base.start() : end].strip()}' climbs above the repository root")
        if assigned and base.start() == assigned.end():
            named[assigned.group(1)] = depth
    return found


def escapes(path: str, line: str) -> list[str]:
    """Relative paths of the line that leave the repository from the file's folder."""
    folder = posixpath.dirname(path)
    found = []
    for match in RELATIVE.finditer(line):
        resolved = posixpath.normpath(posixpath.join(folder, match.group(1)))
        if resolved == ".." or resolved.startswith("../"):
            where = f"{folder}/" if folder else "the root"
            found.append(f"'{match.group(1)}' from {where} resolves outside the repository")
    return found


def scan_text(path: str, text: str) -> list[str]:
    """Every way out of the repository in one file's text, as `file:line: why`."""
    found: list[str] = []
    named: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        reasons = [
            *(f"'{m.group()}' is the folder next to the clone" for m in SIBLING.finditer(line)),
            *(f"'{m.group()}' is outside the repository" for m in SHARED_REFERENCE.finditer(line)),
            *(f"'{m.group()}' is a path of one machine" for m in MACHINE_PATH.finditer(line)),
            *climbs(path, line, named),
            *escapes(path, line),
        ]
        found.extend(f"{path}:{number}: {reason}" for reason in reasons)
    return found


def scan(root: Path, paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        file = root / path
        if file.is_symlink():
            target = os.readlink(file)
            if not file.resolve().is_relative_to(root.resolve()):
                found.append(f"{path}: a symbolic link to '{target}', outside the repository")
            continue
        text = text_of(file)
        if text is not None:
            found.extend(scan_text(path, text))
    return found


def test_no_file_reaches_outside_the_repository() -> None:
    found = scan(ROOT, repo_files(ROOT))
    assert found == [], "paths that leave the repository:\n" + "\n".join(found)


def test_the_scan_covers_every_kind_of_file() -> None:
    files = repo_files(ROOT)
    assert {
        ".ci/run",
        "Makefile",
        "README.md",
        "docs/architecture.md",
        "rules/cdiscount.yaml",
        "simulator/scenarios/baseline.yaml",
        "tests/channels/conftest.py",
        "tests/channels/samples/SOURCES.md",
        "tests/test_standalone.py",
    } <= set(files)
    assert [f for f in files if f.split("/")[0] in SKIPPED] == []


# Fake offending files for the scanner, and the messages it owes them. A `§` is removed before
# use: it keeps this file itself clean of the very paths it must report.
FAKE = {
    "tests/channels/conftest.py": """\
REPO = Path(__file__).resolve().par§ents[2]
SAMPLES = REPO.par§ent / "sha§red" / "lengow"
UP = Path(__file__).par§ents[3]
HERE = Path(__file__).par§ent
DATA = HERE.par§ent.par§ent / ".§." / "x.json"
FIXTURES = HERE / "samples" / "a.json"
BASE = ".§./sha§red/refer§ence/lengow"
DB = "/t§mp/orderflow-test.db"
top = tree.root.parent
""",
    "simulator/scenarios/s.yaml": """\
rules: .§./.§./rules/cdiscount.yaml
rules: .§./.§./.§./rules/cdiscount.yaml
""",
    "docs/guide.md": """\
See [the rules](.§./rules/cdiscount.yaml), then `cd .§. && make test`.
Not here: /wo§rk/main/README.md; fine: https://example.com/a/.§./b.
""",
    "Makefile": "include .§./other.mk\n",
}


def unmarked(text: str) -> str:
    return text.replace("§", "")


def fake_repo(root: Path) -> list[str]:
    for name, text in FAKE.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(unmarked(text), encoding="utf-8")
    (root / "tests" / "elsewhere").symlink_to(unmarked(".§./.§./elsewhere"))
    (root / "tests" / "rules").symlink_to(unmarked(".§./rules"))
    (root / "rules").mkdir()
    return walk(root)


def test_the_scanner_names_every_way_out(tmp_path: Path) -> None:
    root = tmp_path / "clone"
    root.mkdir()
    paths = fake_repo(root)
    assert paths == [
        "Makefile",
        "docs/guide.md",
        "simulator/scenarios/s.yaml",
        "tests/channels/conftest.py",
        "tests/elsewhere",
        "tests/rules",
    ]
    assert scan(root, paths) == [
        unmarked(message)
        for message in (
            "Makefile:1: '.§./other.mk' from the root resolves outside the repository",
            "docs/guide.md:2: '/wo§rk/main/README.md' is a path of one machine",
            "simulator/scenarios/s.yaml:2: '.§./.§./.§./rules/cdiscount.yaml' from "
            "simulator/scenarios/ resolves outside the repository",
            'tests/channels/conftest.py:2: \'REPO.par§ent / "sha§red" / "lengow"\' climbs above '
            "the repository root",
            "tests/channels/conftest.py:3: 'Path(__file__).par§ents[3]' climbs above the "
            "repository root",
            'tests/channels/conftest.py:5: \'HERE.par§ent.par§ent / ".§." / "x.json"\' climbs '
            "above the repository root",
            "tests/channels/conftest.py:7: '.§./sha§red' is the folder next to the clone",
            "tests/channels/conftest.py:7: 'sha§red/refer§ence' is outside the repository",
            "tests/channels/conftest.py:8: '/t§mp/orderflow-test.db' is a path of one machine",
            "tests/elsewhere: a symbolic link to '.§./.§./elsewhere', outside the repository",
        )
    ]


def test_the_walk_skips_what_a_clone_does_not_hold(tmp_path: Path) -> None:
    for name in (
        ".git/config",
        ".venv/lib/site.py",
        "engine/__pycache__/a.pyc",
        "orderflow.egg-info/SOURCES.txt",
        "out/events.csv",
        "engine/a.py",
        "simulator/out/kept.yaml",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert walk(tmp_path) == ["engine/a.py", "simulator/out/kept.yaml"]
