"""The Rules page on a copy of the rule files: the editor validates what the author sends and
redraws its diagram, refuses to save a broken file, saves a valid one (the previous version
kept, the Diagram tab drawn from the new file on the very next run), and the History tab lists
every version, shows a diff and restores one by a save that can be undone.

The code editor is a custom component, which AppTest cannot type into: a test sends the text
the way the browser does, as the component's value under its widget key."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import RULES_DIR

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "rules.py")
ORIGINAL = (RULES_DIR / "cdiscount.yaml").read_text(encoding="utf-8")
EDITED = ORIGINAL.replace("after: 48h", "after: 24h")
BROKEN = ORIGINAL.replace("    to: ShippedBySeller\n", "    to: Shiped\n", 1)


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    monkeypatch.setenv("ORDERFLOW_RULES", str(folder))
    monkeypatch.setenv("ORDERFLOW_DB", f"sqlite:///{tmp_path / 'unread.db'}")  # the page reads none
    return folder


def start() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60).run()  # the page alone, as app.py runs it
    assert not app.exception, [e.value for e in app.exception]
    return app


def send(app: AppTest, opened_on: str, text: str) -> None:
    """Send `text` from the editor opened on `opened_on`, as Ctrl+Enter does in the browser."""
    digest = hashlib.sha256(opened_on.encode("utf-8")).hexdigest()[:12]
    key = f"editor:cdiscount.yaml:{digest}"
    assert [e.key for e in editors(app)] == [key]
    app.session_state[key] = {"id": "t1", "type": "submit", "text": text}
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def editors(app: AppTest) -> list[Any]:
    """The code editors drawn, by their widget keys."""
    return [e for e in app.main if getattr(e, "key", None) and str(e.key).startswith("editor:")]


def button(app: AppTest, label: str) -> Any:
    return next(b for b in app.button if b.label.startswith(label))


def charts(app: AppTest) -> list[str]:
    return [c.proto.spec for c in app.get("graphviz_chart")]


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def test_the_editor_validates_and_redraws_the_diagram(rules_copy: Path) -> None:
    app = start()
    assert app.selectbox[0].value == "cdiscount.yaml"
    assert [t.label for t in app.tabs] == ["Diagram", "Edit", "Check", "History"]
    assert "after 2d" in charts(app)[0]
    assert button(app, "Save").disabled  # nothing changed: nothing to save
    send(app, ORIGINAL, EDITED)
    assert "Valid: the rule file loads without any problem." in texts(app.success)
    assert "auto_cancel (timer)\\nafter 1d" in charts(app)[1]
    assert not button(app, "Save").disabled


def test_the_editor_shows_errors_at_their_line_and_refuses_to_save(rules_copy: Path) -> None:
    app = start()
    line = BROKEN.splitlines().index("    to: Shiped") + 1
    send(app, ORIGINAL, BROKEN)
    assert any(
        m.startswith(f"**line {line}, column 9**: transition 'ship' targets unknown status")
        for m in texts(app.markdown)
    )
    assert button(app, "Save").disabled
    assert (rules_copy / "cdiscount.yaml").read_text(encoding="utf-8") == ORIGINAL


def test_the_check_tab_checks_the_text_in_the_editor(rules_copy: Path) -> None:
    app = start()
    send(app, ORIGINAL, BROKEN)
    button(app, "Check").click().run()
    assert "The file has 1 problem(s): fix them before checking it." in texts(app.error)


def test_a_save_keeps_the_previous_version_and_redraws_the_diagram_at_once(
    rules_copy: Path,
) -> None:
    app = start()
    send(app, ORIGINAL, EDITED)
    button(app, "Save").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert (rules_copy / "cdiscount.yaml").read_text(encoding="utf-8") == EDITED
    [kept] = list((rules_copy / ".history").iterdir())
    assert kept.read_text(encoding="utf-8") == ORIGINAL
    assert texts(app.success)[0] == (
        f"Saved cdiscount.yaml; the previous version is kept as {kept.name}."
    )
    # The Diagram tab (the first chart) is drawn from the saved file, the editor opened on it.
    assert "auto_cancel (timer)\\nafter 1d" in charts(app)[0]
    assert "after 2d" not in charts(app)[0]
    [editor] = editors(app)
    assert editor.key == f"editor:cdiscount.yaml:{hashlib.sha256(EDITED.encode()).hexdigest()[:12]}"
    assert button(app, "Save").disabled


def test_the_history_diffs_and_restores_a_version(rules_copy: Path) -> None:
    app = start()
    assert "No earlier version: the file was never saved from the editor." in texts(app.markdown)
    send(app, ORIGINAL, EDITED)
    button(app, "Save").click().run()
    listing = app.dataframe[0].value
    old, new = (hashlib.sha256(t.encode()).hexdigest()[:12] for t in (ORIGINAL, EDITED))
    assert listing["rules_version"].tolist() == ["2026.11.1", "2026.11.1"]
    assert listing["sha256"].tolist() == [new, old]
    assert listing["replaced at"].tolist()[0] == "current"
    [shown] = [c for c in app.code if c.language == "diff"]
    assert shown.value.splitlines()[:2] == [
        f"--- cdiscount.yaml 2026.11.1 {old}",
        f"+++ cdiscount.yaml 2026.11.1 {new} (current)",
    ]
    assert [line for line in shown.value.splitlines() if line[:1] in "+-"][2:] == [
        "-    after: 48h",
        "+    after: 24h",
    ]
    button(app, f"Restore 2026.11.1 {old}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert (rules_copy / "cdiscount.yaml").read_text(encoding="utf-8") == ORIGINAL
    assert len(list((rules_copy / ".history").iterdir())) == 2
    [restored] = sorted((rules_copy / ".history").iterdir())[1:]
    assert texts(app.success)[0] == (
        f"Restored 2026.11.1 {old} as cdiscount.yaml; the previous version is kept as "
        f"{restored.name}."
    )
    assert "after 2d" in charts(app)[0]
    # The restore is itself kept: restoring what it replaced undoes it.
    assert app.dataframe[0].value["sha256"].tolist() == [old, new, old]
    button(app, f"Restore 2026.11.1 {new}").click().run()
    assert (rules_copy / "cdiscount.yaml").read_text(encoding="utf-8") == EDITED
