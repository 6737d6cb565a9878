"""The Lengow API in its own words: order pages in, seller actions out.

Orders are read by `updated_at` windows, 100 a page, yielded one page at a time so the caller
commits each page before asking for the next; the read is checked to have held still
(`engine.channels.session.WalkCheck`), else `ListingShifted` follows the last page. Actions are
queued with `POST /v3.0/orders/actions/`; the API has no idempotency key, so an action is sent
only when Lengow holds no identical one (`find_action`: the queued actions, as Lengow's own
plugins look, or, once a send may have landed, the order's queued and processed ones), and a
POST that failed in transit is never blindly repeated: the actions are looked at again first,
since it may have landed. Tokens, retries and paging live in `engine.channels.session`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from types import TracebackType

import httpx
import numpy as np

from engine.channels.actions import ActionOutcome, ActionRecord, same_action
from engine.channels.config import LengowSettings
from engine.channels.errors import ChannelProtocolError
from engine.channels.retry import RetryPolicy
from engine.channels.session import Attempts, LengowSession, RawPage, Transient
from engine.model.clock import Clock

ORDERS_PATH = "/v3.0/orders"
ACTIONS_PATH = "/v3.0/orders/actions/"
MARKETPLACES_PATH = "/v3.0/marketplaces"
MAX_PAGE_SIZE = 100

__all__ = ["LengowClient", "RawPage", "iso"]


def iso(moment: datetime) -> str:
    """ISO 8601 with its offset, as the API's date filters expect."""
    if moment.tzinfo is None:
        raise ValueError(f"a window bound must be timezone-aware, got {moment.isoformat()}")
    return moment.isoformat()


def _flag(value: bool) -> str:
    return "True" if value else "False"


class LengowClient:
    """One Lengow account. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        settings: LengowSettings,
        *,
        clock: Clock | None = None,
        rng: np.random.Generator | None = None,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.session = LengowSession(
            settings, clock=clock, rng=rng, policy=policy, transport=transport, timeout=timeout
        )
        self.account_id = settings.account_id

    def __repr__(self) -> str:
        return (
            f"LengowClient(api_url={self.session.settings.api_url!r}, account_id={self.account_id})"
        )

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> LengowClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def order_pages(
        self,
        updated_from: datetime,
        updated_to: datetime,
        *,
        marketplace: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[RawPage]:
        """The orders updated in the window, page by page, to the last `next`.

        Raises `ListingShifted` after the last page when the listing changed during the read
        (an order updated out of the window meanwhile can hide another from every page).
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        params = {
            "account_id": str(self.account_id),
            "updated_from": iso(updated_from),
            "updated_to": iso(updated_to),
            "page_size": str(page_size),
        }
        if marketplace:
            params["marketplace"] = marketplace
        return self.session.pages(ORDERS_PATH, params, complete=True)

    def marketplaces(self) -> dict[str, object]:
        """The account's marketplaces: statuses, actions and carriers per marketplace code."""
        params = {"account_id": str(self.account_id)}
        body = self.session.call("GET", MARKETPLACES_PATH, params=params)
        if not isinstance(body, dict):
            raise ChannelProtocolError(f"GET {MARKETPLACES_PATH} did not answer an object")
        return body

    def list_actions(
        self,
        *,
        queued: bool | None = None,
        processed: bool | None = None,
        filters: Mapping[str, str] | None = None,
    ) -> list[ActionRecord]:
        """The account's actions, e.g. `queued=True` for those Lengow has not processed yet."""
        params = {"account_id": str(self.account_id), **(filters or {})}
        if queued is not None:
            params["queued"] = _flag(queued)
        if processed is not None:
            params["processed"] = _flag(processed)
        pages = self.session.pages(ACTIONS_PATH, params)
        return [ActionRecord.from_json(item) for page in pages for item in page.results]

    def order_status(self, marketplace: str, marketplace_order_id: str) -> str | None:
        """The order's `marketplace_status` as Lengow lists it now; None when it lists no such
        order (asked when a send may have landed: the order may show it did)."""
        params = {
            "account_id": str(self.account_id),
            "marketplace": marketplace,
            "marketplace_order_id": marketplace_order_id,
        }
        for page in self.session.pages(ORDERS_PATH, params):
            for order in page.results:
                if (
                    isinstance(order, dict)
                    and str(order.get("marketplace_order_id")) == marketplace_order_id
                ):
                    status = order.get("marketplace_status")
                    return None if status is None else str(status)
        return None

    def find_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionRecord | None:
        """An action of the order identical to this one that Lengow holds already, or None.

        With `since`, every action of the order counts, queued AND processed (Lengow may have
        processed a POST that landed), if created since then (or of unknown creation time);
        without it, only the queued ones, as Lengow's plugins look before a first send.
        """
        identity = {
            "marketplace": marketplace,
            "marketplace_order_id": marketplace_order_id,
            "action_type": action_type,
        }
        values = dict(args or {})
        if since is None:
            listed = self.list_actions(queued=True, filters={**identity, **values})
        else:
            listed = self.list_actions(filters=identity)
        for record in listed:
            if (
                record.marketplace_order_id == marketplace_order_id
                and same_action(record, action_type, values)
                and (record.queued if since is None else _created_since(record, since))
            ):
                return record
        return None

    def post_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionOutcome:
        """POST the action; a POST that failed in transit may have landed, so before it is tried
        again the order's actions are looked at (`find_action` with `since`) and an identical one
        is taken for it. An answer that cannot be read raises (`ChannelProtocolError`)."""
        values = dict(args or {})
        form = {
            "account_id": str(self.account_id),
            "marketplace": marketplace,
            "marketplace_order_id": marketplace_order_id,
            "action_type": action_type,
            **values,
        }
        attempts = Attempts(self.session)
        while True:
            try:
                response = self.session.authorized("POST", ACTIONS_PATH, None, form)
            except Transient as transient:
                attempts.pause(transient)
                landed = self.find_action(
                    marketplace, marketplace_order_id, action_type, values, since=since
                )
                if landed is not None:
                    return ActionOutcome(sent=False, record=landed)
                continue
            body = self.session.decode(response, f"POST {ACTIONS_PATH}")
            return ActionOutcome(sent=True, record=ActionRecord.from_json(body))

    def send_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionOutcome:
        """Queue an action unless Lengow holds an identical one (`find_action`); never twice."""
        existing = self.find_action(
            marketplace, marketplace_order_id, action_type, args, since=since
        )
        if existing is not None:
            return ActionOutcome(sent=False, record=existing)
        return self.post_action(marketplace, marketplace_order_id, action_type, args, since=since)


def _created_since(record: ActionRecord, since: datetime) -> bool:
    return record.created_at is None or record.created_at >= since
