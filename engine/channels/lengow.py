"""The Lengow API in its own words: order pages in, seller actions out.

Orders are read by `updated_at` windows, 100 a page, yielded one page at a time so the caller
commits each page before asking for the next. Actions are queued with
`POST /v3.0/orders/actions/`; the API has no idempotency key, so an action is sent only when the
queued actions hold no identical one (Lengow's own plugins do the same), and a POST that failed
in transit is never blindly repeated: the queue is looked at again first, since it may have
landed. Tokens, retries and paging live in `engine.channels.session`.
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
        """The orders updated in the window, page by page, to the last `next`."""
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
        return self.session.pages(ORDERS_PATH, params)

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

    def send_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
    ) -> ActionOutcome:
        """Queue an action unless an identical one is already queued; never send it twice."""
        identity = {
            "marketplace": marketplace,
            "marketplace_order_id": marketplace_order_id,
            "action_type": action_type,
        }
        values = dict(args or {})
        form = {"account_id": str(self.account_id), **identity, **values}
        attempts = Attempts(self.session)
        while True:
            existing = self._queued_twin(identity, values)
            if existing is not None:
                return ActionOutcome(sent=False, record=existing)
            try:
                response = self.session.authorized("POST", ACTIONS_PATH, None, form)
            except Transient as transient:
                attempts.pause(transient)  # the POST may have landed: look at the queue again
                continue
            body = self.session.decode(response, f"POST {ACTIONS_PATH}")
            return ActionOutcome(sent=True, record=ActionRecord.from_json(body))

    def _queued_twin(
        self, identity: Mapping[str, str], args: Mapping[str, str]
    ) -> ActionRecord | None:
        queued = self.list_actions(queued=True, filters={**identity, **args})
        order_id = identity["marketplace_order_id"]
        action_type = identity["action_type"]
        for record in queued:
            if (
                record.queued
                and record.marketplace_order_id == order_id
                and same_action(record, action_type, args)
            ):
                return record
        return None
