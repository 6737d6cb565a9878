"""Text every database takes: UTF-8 (no lone surrogate, which JSON's `"\\ud800"` can carry) and,
for PostgreSQL, no NUL. The channels check an order's values with it before they reach a store,
and the store its JSON documents (`engine.store.columns`)."""

from __future__ import annotations


def encodes_as_utf8(text: str) -> bool:
    """Whether `text` encodes as UTF-8 (no lone surrogate); C-speed checks, no regex scan.
    ASCII, the common case, holds no surrogate."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_storable(text: str) -> bool:
    """Whether every database takes `text`: UTF-8 and no NUL."""
    return "\x00" not in text and encodes_as_utf8(text)
