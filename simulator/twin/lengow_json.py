"""Simulated orders written as Lengow's order JSON (the 2024 shape of `GET /v3.0/orders`).

The twin must answer what the real API answers, so a sync tested against it meets the shapes of
`tests/channels/samples/`: the order keys, `packages[].cart[]` lines with their own status and
ids (Lengow's `id`, the marketplace's `marketplace_order_line_id`), a delivery address with
`trackings[]`, `order_types[]`, amounts as numbers. The rule file's fields are written with the
same compiled `sources` paths the mapping reads them with (each field at its first path), so a
field the twin sets is exactly the field the engine reads back. The marketplace status is
written as the marketplace's code: the first code the rule file's `mapping` gives the status,
or the status name itself.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.model.definition import RuleSet
from engine.rulefile.field_paths import FieldPath, compile_path

_PLACEHOLDER_ADDRESS: dict[str, object] = {
    "company": None,
    "civility": "Madame",
    "first_name": "Jane",
    "last_name": "Doe",
    "first_line": "1 rue de l'Exemple",
    "second_line": None,
    "complement": None,
    "zipcode": "75000",
    "city": "PARIS",
    "phone_home": None,
    "phone_office": None,
    "phone_mobile": "0600000000",
    "full_address": None,
    "full_name": None,
    "email": None,
    "common_country_iso_a2": "FR",
}
_TRACKING_KEYS = ("number", "carrier", "method", "url", "shipped_at", "relay")


@dataclass(frozen=True)
class CartLine:
    title: str
    quantity: int
    unit_amount: float


@dataclass(frozen=True)
class OrderFacts:
    """What the twin knows of one order, independent of any wire format."""

    order_id: str
    status: str
    fields: Mapping[str, object]
    ordered_at: datetime
    updated_at: datetime
    lines: Sequence[CartLine]
    shipping: float = 0.0


def line_number(order_id: str, position: int) -> int:
    """Lengow's own `id` of a cart line: a number, the same for the same order and position."""
    return zlib.crc32(f"{order_id}-{position}".encode()) % 10**9


def lengow_time(moment: datetime) -> str:
    """Lengow's spelling of a time: UTC with microseconds and a trailing Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LengowRenderer:
    """Renders the orders of one rule set; paths and status codes are prepared once."""

    def __init__(self, rules: RuleSet, account_id: int) -> None:
        self.rules = rules
        self.account_id = account_id
        self.field_paths: dict[str, FieldPath] = {
            f.name: compile_path(f.sources[0]) for f in rules.fields if f.sources
        }
        codes: dict[str, str] = {}
        for code, status in rules.mapping:
            codes.setdefault(status, code)
        self.codes = codes

    def status_code(self, status: str) -> str:
        return self.codes.get(status, status)

    def marketplace_entry(self) -> dict[str, object]:
        """The rule set as `GET /v3.0/marketplaces` describes a marketplace."""
        stages: dict[str, list[str]] = {}
        for status in self.rules.statuses:
            codes = [c for c, s in self.rules.mapping if s == status.name] or [status.name]
            stages.setdefault(status.stage, []).extend(codes)
        actions: dict[str, dict[str, list[str]]] = {}
        for action in self.rules.actions:
            entry = actions.setdefault(
                action.action_type, {"args": [], "optional_args": [], "status": []}
            )
            for arg in action.args:
                names = entry["optional_args" if arg.optional else "args"]
                names.extend([arg.name] if arg.name not in names else [])
            for name in action.at:
                stage = self.rules.stage_of(name)
                entry["status"].extend([stage] if stage not in entry["status"] else [])
        orders = {"status": stages, "actions": actions, "carriers": {}}
        return {"name": self.rules.marketplace.name, "orders": orders}

    def render(self, facts: OrderFacts) -> dict[str, object]:
        stage = self.rules.stage_of(facts.status)
        code = self.status_code(facts.status)
        total = round(sum(line.quantity * line.unit_amount for line in facts.lines), 2)
        document: dict[str, object] = {
            "marketplace": self.rules.marketplace.code,
            "account_id": self.account_id,
            "marketplace_country_iso2": "FR",
            "marketplace_order_id": facts.order_id,
            "merchant_order_id": None,
            "marketplace_status": code,
            "lengow_status": stage,
            "marketplace_order_date": lengow_time(facts.ordered_at),
            "total_order": round(total + facts.shipping, 2),
            "total_tax": round(total * 0.2 / 1.2, 2),
            "shipping": facts.shipping,
            "discount": 0,
            "commission": round(total * 0.12, 2),
            "processing_fee": None,
            "currency": {"iso_a3": "EUR", "symbol": "€", "name": "Euro"},
            "comments": None,
            "payments": [],
            "packages": [self._package(facts, code, stage)],
            "billing_address": {"type": "billing", **_PLACEHOLDER_ADDRESS},
            "contact_address": None,
            "imported_at": lengow_time(facts.ordered_at),
            "updated_at": lengow_time(facts.updated_at),
            "anonymized": False,
            "order_types": [],
        }
        self._write_fields(document, facts.fields)
        return document

    def _package(self, facts: OrderFacts, code: str, stage: str) -> dict[str, object]:
        cart = [
            {
                "id": line_number(facts.order_id, n),
                "marketplace_order_line_id": f"{facts.order_id}-{n}",
                "marketplace_product_id": str(1000 + n),
                "marketplace_status": code,
                "lengow_status": stage,
                "title": line.title,
                "amount": f"{line.quantity * line.unit_amount:.2f}",
                "quantity": line.quantity,
                "max_shipping_date": None,
            }
            for n, line in enumerate(facts.lines, start=1)
        ]
        delivery = {"type": "delivery", **_PLACEHOLDER_ADDRESS, "trackings": []}
        return {"cart": cart, "delivery": delivery}

    def _write_fields(self, document: dict[str, object], fields: Mapping[str, object]) -> None:
        for name, path in self.field_paths.items():
            value = fields.get(name)
            if value is not None:
                path.write(document, value)
        for package in _list(document.get("packages")):
            delivery = package.get("delivery") if isinstance(package, dict) else None
            trackings = delivery.get("trackings") if isinstance(delivery, dict) else None
            for tracking in _list(trackings):
                if isinstance(tracking, dict):
                    for key in _TRACKING_KEYS:
                        tracking.setdefault(key, None)


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def cart_lines(document: Mapping[str, object]) -> list[dict[str, object]]:
    """The cart lines of an order's first package (`packages[0].cart[]`), the objects only."""
    packages = _list(document.get("packages"))
    first = packages[0] if packages else None
    cart = _list(first.get("cart")) if isinstance(first, dict) else []
    return [line for line in cart if isinstance(line, dict)]
