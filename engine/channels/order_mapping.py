"""From a channel's order JSON to the engine's `OrderSnapshot`, or to quarantine.

Lengow's order JSON changed over the years (amounts as numbers or as strings like "229.00",
`is_delivered_by_marketplace` in `order_types[]` or in the trackings, null order dates), and a
page may hold an order nobody can read. The mapper reads each rule-file field through its
compiled `sources`, canonicalises it by the field's type, and turns an order it cannot read into
a `Quarantined` value carrying the reason and the raw input: never an exception, never a silent
drop, so the rest of the page goes on. Each order is read under the rule set of its own
marketplace; an order of a marketplace with no rule set is quarantined with that reason.

Cart lines (`packages[].cart[]`) are read leniently: a line is named by its
`marketplace_order_line_id`, else its Lengow `id`, else its place in the cart; a quantity that
is not a whole number, or a text longer than the store keeps, is kept as unknown. A line never
quarantines its order: the order's own status and fields stay readable, and the line's state
says `unknown` where it must.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from engine.channels.field_values import (
    Unreadable,
    converter,
    is_blank,
    parse_datetime,
    unicode_text,
)
from engine.model.definition import RuleSet
from engine.model.lines import OrderLine, line_state
from engine.model.snapshot import OrderSnapshot
from engine.model.text import is_storable
from engine.rulefile.field_paths import PathTree, compile_paths


@dataclass(frozen=True)
class Quarantined:
    """An order the mapper could not read: why, and the input exactly as received."""

    reason: str
    raw: object
    marketplace: str | None = None
    order_id: str | None = None


MappedOrder = OrderSnapshot | Quarantined


class _RuleSetReader:
    """The compiled fields of one rule set: their paths in one tree, a converter each."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        read = tuple(f for f in rules.fields if f.sources)
        self.paths = PathTree([compile_paths(f.sources) for f in read])
        self.fields = tuple((f.name, converter(f)) for f in read)

    def fields_of(self, order: Mapping[str, object]) -> dict[str, object]:
        """The rule set's fields read from `order`; raises `Unreadable` naming the field."""
        values: dict[str, object] = {}
        for (name, convert), found in zip(self.fields, self.paths.read(order), strict=True):
            try:
                values[name] = convert(found)
            except Unreadable as exc:
                raise Unreadable(f"field '{name}': {exc}") from None
        return values


# The longest text the store keeps for each key (engine.store.tables): a longer one would fail
# its whole batch at the database, so the order is quarantined instead.
_LONGEST = {"marketplace": 64, "marketplace_order_id": 128, "marketplace_status": 128}
_LINE_ID, _LINE_STATUS, _LINE_LENGOW, _LINE_AMOUNT = 128, 128, 64, 32


def _text(order: Mapping[str, object], key: str) -> str:
    value = order.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable(f"'{key}' is missing" if value is None else f"'{key}' is not a text")
    text = str(value).strip()
    if not text:
        raise Unreadable(f"'{key}' is empty")
    if len(text) > _LONGEST[key]:
        raise Unreadable(f"'{key}' is {len(text)} characters long; the store keeps {_LONGEST[key]}")
    try:
        return unicode_text(text)
    except Unreadable as exc:
        raise Unreadable(f"'{key}': {exc}") from None


def _time(order: Mapping[str, object], key: str) -> datetime:
    value = order.get(key)
    if value is None:
        raise Unreadable(f"'{key}' is missing")
    try:
        return parse_datetime(value)
    except Unreadable as exc:
        raise Unreadable(f"'{key}': {exc}") from None


def _optional_time(order: Mapping[str, object], key: str) -> datetime | None:
    return None if is_blank(order.get(key)) else _time(order, key)


def _word(value: object, longest: int) -> str | None:
    """A line's text, or None where it is none, or longer than the store keeps (then unknown)."""
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and "\x00" not in text:  # the common case, checked inline: 4 a line
            return text if text and len(text) <= longest else None
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    return text if text and len(text) <= longest and is_storable(text) else None


def _quantity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _amount(value: object) -> str | None:
    """A number in 2024 samples, "36.00" in older ones."""
    return str(value) if isinstance(value, float) else _word(value, _LINE_AMOUNT)


def _lines(order: Mapping[str, object], rules: RuleSet) -> tuple[OrderLine, ...]:
    """Every cart line of every package, in the order the marketplace lists them."""
    packages = order.get("packages")
    found: list[OrderLine] = []
    seen: set[str] = set()
    for package in packages if isinstance(packages, list) else ():
        cart = package.get("cart") if isinstance(package, dict) else None
        for line in cart if isinstance(cart, list) else ():
            if not isinstance(line, dict):
                continue
            line_id = _word(line.get("marketplace_order_line_id"), _LINE_ID) or _word(
                line.get("id"), _LINE_ID
            )
            if line_id is None or line_id in seen:
                line_id = f"#{len(found) + 1}"
            seen.add(line_id)
            code = _word(line.get("marketplace_status"), _LINE_STATUS)
            lengow = _word(line.get("lengow_status"), _LINE_LENGOW)
            found.append(
                OrderLine(
                    line_id=line_id,
                    marketplace_status=code,
                    lengow_status=lengow,
                    state=line_state(code, lengow, rules.line_state_by_code),
                    quantity=_quantity(line.get("quantity")),
                    amount=_amount(line.get("amount")),
                )
            )
    return tuple(found)


class OrderMapper:
    """Maps order JSON to snapshots under the rule set of each order's marketplace."""

    def __init__(self, rule_sets: RuleSet | Iterable[RuleSet]) -> None:
        sets = (rule_sets,) if isinstance(rule_sets, RuleSet) else tuple(rule_sets)
        self._readers = {r.marketplace.code.casefold(): _RuleSetReader(r) for r in sets}

    @property
    def marketplaces(self) -> tuple[str, ...]:
        return tuple(self._readers)

    def map(self, raw: object) -> MappedOrder:
        """One order: its snapshot, or `Quarantined` with the reason it cannot be read."""
        if not isinstance(raw, dict):
            return Quarantined(f"an order must be a JSON object, not {type(raw).__name__}", raw)
        marketplace = order_id = None
        try:
            marketplace = _text(raw, "marketplace")
            order_id = _text(raw, "marketplace_order_id")
            return self._snapshot(raw, marketplace, order_id)
        except Unreadable as exc:
            return Quarantined(str(exc), raw, marketplace, order_id)

    def map_page(self, results: Iterable[object]) -> list[MappedOrder]:
        return [self.map(raw) for raw in results]

    def _snapshot(self, raw: dict[str, object], marketplace: str, order_id: str) -> OrderSnapshot:
        reader = self._readers.get(marketplace.casefold())
        if reader is None:
            known = ", ".join(sorted(self._readers)) or "none"
            raise Unreadable(f"no rule file for marketplace '{marketplace}' (loaded: {known})")
        return OrderSnapshot(
            marketplace=reader.rules.marketplace.code,
            order_id=order_id,
            status_code=_text(raw, "marketplace_status"),
            updated_at=_time(raw, "updated_at"),
            ordered_at=_optional_time(raw, "marketplace_order_date"),
            fields=reader.fields_of(raw),
            lines=_lines(raw, reader.rules),
            raw=raw,
        )
