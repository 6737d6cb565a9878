"""Raw JSON values to the canonical values of a rule file's field types.

The same flag arrives as `true`, `"1"` or an item of `order_types[]`; the same amount as `40.3` or
`"229.00"`; dates as ISO 8601 with an offset or a trailing `Z`. These conversions give the engine
one spelling per value. A value that cannot be converted raises `Unreadable` with a sentence the
mapper puts in the quarantine record.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from engine.model.definition import FieldType, OrderField
from engine.model.text import is_storable

_TRUE = frozenset(("1", "true", "yes", "y", "t", "on"))
_FALSE = frozenset(("0", "false", "no", "n", "f", "off", ""))

Converter = Callable[[object], object]


class Unreadable(ValueError):
    """A value that does not fit where it was read; the message says what was found."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_blank(value: object) -> bool:
    """No value: null, or a text of spaces only (how some shapes write a date not known yet)."""
    return value is None or (isinstance(value, str) and not value.strip())


def parse_datetime(value: object) -> datetime:
    """An aware UTC datetime from ISO 8601 text (an offset or `Z`; none is read as UTC)."""
    if not isinstance(value, str):
        raise Unreadable(f"expected an ISO 8601 date, found {_shown(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unreadable(f"{_shown(value)} is not an ISO 8601 date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 9999 at -05:00 is in year 10000 in UTC
        raise Unreadable(f"{_shown(value)} is out of the range of dates") from None


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return True  # an item found by a `[key=value]` filter: the flag is its presence
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise Unreadable(f"expected true or false, found {_shown(value)}")


def to_number(value: object) -> float | None:
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Unreadable(f"expected a number, found {_shown(value)}")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except ValueError:
        raise Unreadable(f"expected a number, found {_shown(value)}") from None
    except OverflowError:  # a JSON integer past the largest float
        number = math.inf
    if not math.isfinite(number):
        raise Unreadable(f"expected a finite number, found {_shown(value)}")
    return number


def unicode_text(text: str) -> str:
    """`text`, unless a database would refuse it (`is_storable`): such an order would stop its
    page at the store instead of being quarantined."""
    if is_storable(text):
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Unreadable(f"{_shown(text)} is not valid Unicode text") from None
    raise Unreadable(f"{_shown(text)} holds a NUL character, which no text column takes")


def to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return unicode_text(str(value).strip())
    raise Unreadable(f"expected a text, found {_shown(value)}")


def to_enum(field: OrderField, value: object) -> str:
    """The value's code; a spelling the rule file does not list is kept as received (trimmed).

    Such an order is not quarantined: the marketplace owns it and it goes on. The runtime reports
    the value (`unlisted_value`, naming the field, the value and the listed values) and treats
    every condition on it as unknown, so nothing is decided on a value nobody recognises.
    """
    text = to_text(value)
    return field.canonical(text) or text


def _flag(value: object) -> bool:
    return False if value is None else to_bool(value)


def _date_text(value: object) -> str | None:
    return None if is_blank(value) else parse_datetime(value).isoformat()


_BY_TYPE: dict[FieldType, Converter] = {
    FieldType.NUMBER: to_number,
    FieldType.DATETIME: _date_text,
    FieldType.STRING: to_text,
}


def _unless_none(convert_found: Converter) -> Converter:
    def converted(value: object) -> object:
        return None if value is None else convert_found(value)

    return converted


# The most spellings an enum converter remembers: a field has a few codes, but a marketplace
# may send any text, and one per order must not grow a sync's memory without end.
_REMEMBERED = 1024


def _enum(field: OrderField) -> Converter:
    """`to_enum` for `field`, each text it converted remembered: a page's orders repeat a few
    carriers and delivery modes, and one dict look-up is a tenth of the checks and the folding.
    Only texts are remembered (1 and True are one dict key, yet convert apart); a value that does
    not convert raises each time."""
    codes: dict[str, str] = {}

    def converted(value: object) -> object:
        if value is None:
            return None
        if type(value) is not str:
            return to_enum(field, value)
        code = codes.get(value)
        if code is None:
            code = to_enum(field, value)
            if len(codes) < _REMEMBERED:
                codes[value] = code
        return code

    return converted


def converter(field: OrderField) -> Converter:
    """`convert` for `field`, its type looked at once: what the mapper runs on every order.

    A flag nobody set is false: Lengow only writes the flags that hold. Dates become UTC
    ISO 8601 text, so a snapshot's fields stay plain JSON for the store; a blank date or amount
    is no value, as null is.
    """
    if field.type is FieldType.BOOL:
        return _flag
    if field.type is FieldType.ENUM:
        return _enum(field)
    return _unless_none(_BY_TYPE[field.type])
