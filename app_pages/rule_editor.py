"""The Rules page's code editor: a rule file's YAML with line numbers, in a monospace font, so
a problem's "line 14, column 7" is a line the author sees numbered.

It is the Ace editor of `streamlit-code-editor`, whose build ships Ace itself (no CDN: the app
runs without network). Its text reaches the page when the author presses Ctrl+Enter or leaves
the editor, like a text area's. The editor is keyed by the file's name and the hash of the text
it opened with, so after a save or a restore it opens afresh on the new text instead of keeping
the author's old edit.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from code_editor import code_editor

HEIGHT_LINES = (20, 36)  # the editor grows with the file up to this many lines, then scrolls
OPTIONS = {"showLineNumbers": True, "showGutter": True, "wrap": False, "tabSize": 2}


def key(name: str, text: str) -> str:
    """The editor's widget key for rule file `name` opened on `text`."""
    return f"editor:{name}:{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def edited(name: str, text: str) -> str:
    """The text in the editor of rule file `name` opened on `text`: `text` until the author
    sends an edit."""
    answer = st.session_state.get(key(name, text))
    sent = answer.get("text") if isinstance(answer, dict) and answer.get("id") else None
    return sent if isinstance(sent, str) else text


def draw(name: str, text: str) -> None:
    """The editor of rule file `name` opened on `text`."""
    code_editor(
        text,
        lang="yaml",
        height=list(HEIGHT_LINES),
        response_mode="blur",
        options=OPTIONS,
        key=key(name, text),
    )
