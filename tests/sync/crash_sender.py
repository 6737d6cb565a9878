"""A sync for the send-crash test, run in a child process that SIGKILLs itself at a named point.

`run(store_url, api_url, at, point, order_id)` runs one `Syncer.run_once` at the virtual time
`at` (a fetch, then the outbox) against the twin at `api_url`, and kills its own process with
SIGKILL at `point` of the send of `order_id`'s action:

- `before_post`: the POST is about to leave (the entry is already marked `sending`);
- `during_post`: the POST reached the twin, which queued the action and answered; the answer is
  not read;
- `after_post`: the answer is read off the wire, the client has not looked at it;
- `before_recording`: the channel returned the outcome; the outbox has not recorded it.

Without a point it runs to the end. The point is reached by the code path itself (a transport
and a channel wrapper injected here), never by a timer, so every kill lands where it is named.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from datetime import datetime
from urllib.parse import parse_qs

import httpx

from engine.channels.actions import ActionOutcome, ActionRecord
from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import ACTIONS_PATH, LengowClient, RawPage
from engine.channels.retry import RetryPolicy
from engine.rulefile.loader import load_rules
from engine.store import open_store
from engine.sync.syncer import Syncer
from tests.sync.support import RULES, ManualClock

POINTS = ("before_post", "during_post", "after_post", "before_recording")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _posts_for(request: httpx.Request, order_id: str | None) -> bool:
    if order_id is None or request.method != "POST" or request.url.path != ACTIONS_PATH:
        return False
    form = parse_qs(request.content.decode())
    return form.get("marketplace_order_id") == [order_id]


class KillingTransport(httpx.BaseTransport):
    """HTTP as usual, except the action POST of `order_id`, at whose `point` the process dies."""

    def __init__(self, point: str | None, order_id: str | None) -> None:
        self.inner = httpx.HTTPTransport()
        self.point, self.order_id = point, order_id

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = _posts_for(request, self.order_id)
        if target and self.point == "before_post":
            _die()
        response = self.inner.handle_request(request)
        if target and self.point == "during_post":
            _die()
        if target and self.point == "after_post":
            response.read()
            _die()
        return response

    def close(self) -> None:
        self.inner.close()


class KillingChannel:
    """The Lengow client, except that the process dies once `order_id`'s POST has returned."""

    def __init__(self, client: LengowClient, point: str | None, order_id: str | None) -> None:
        self.client = client
        self.dies = point == "before_recording"
        self.order_id = order_id

    def order_pages(
        self, updated_from: datetime, updated_to: datetime, *, marketplace: str | None = None
    ) -> Iterator[RawPage]:
        return self.client.order_pages(updated_from, updated_to, marketplace=marketplace)

    def order_status(self, marketplace: str, marketplace_order_id: str) -> str | None:
        return self.client.order_status(marketplace, marketplace_order_id)

    def find_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionRecord | None:
        return self.client.find_action(
            marketplace, marketplace_order_id, action_type, args, since=since
        )

    def post_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionOutcome:
        outcome = self.client.post_action(
            marketplace, marketplace_order_id, action_type, args, since=since
        )
        if self.dies and marketplace_order_id == self.order_id:
            _die()
        return outcome


def run(
    store_url: str, api_url: str, at: datetime, point: str | None, order_id: str | None
) -> None:
    clock = ManualClock(at)
    settings = LengowSettings(api_url, Secret("token"), Secret("secret"), 1)
    client = LengowClient(
        settings,
        clock=clock,
        policy=RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02),
        transport=KillingTransport(point, order_id),
        timeout=10.0,
    )
    with client, open_store(store_url) as store:
        channel = KillingChannel(client, point, order_id)
        Syncer([load_rules(RULES)], store, channel, clock).run_once()
