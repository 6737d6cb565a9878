"""Test doubles for the channel tests: a clock that only moves when told, and a fake Lengow."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx

from engine.channels.config import LengowSettings, Secret

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACCESS = "access-0123456789abcdef"
SECRET = "secret-fedcba9876543210"


def settings(url: str = "https://lengow.test") -> LengowSettings:
    return LengowSettings(url, Secret(ACCESS), Secret(SECRET), 155)


class FakeClock:
    """`sleep` records the wait and moves the time; nothing waits for real."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


Reply = httpx.Response | Exception
Handler = Callable[[httpx.Request], Reply]


class FakeLengow:
    """Routes requests to handlers by (method, path); records every request it sees."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], list[Handler]] = {}
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.on("POST", "/access/get_token", self.issue_token)

    def on(self, method: str, path: str, *handlers: Handler) -> None:
        """Answer with the handlers in turn; the last one answers every later request."""
        self.routes[(method, path)] = list(handlers)

    def issue_token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        if form != {"access_token": [ACCESS], "secret": [SECRET]}:
            return error(401, "Invalid credentials")
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return httpx.Response(200, json={"token": token, "account_id": 155, "user_id": 9})

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if key[1] != "/access/get_token" and request.headers.get("Authorization") not in (
            self.valid_tokens
        ):
            return error(401, "Unauthorized")
        handlers = self.routes.get(key)
        if not handlers:
            return error(404, f"no route {key}")
        handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
        reply = handler(request)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


def error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error": {"code": status, "message": message}}
    return httpx.Response(status, json=body, headers=headers)


def page(results: list[object], next_url: str | None, count: int = 0) -> Handler:
    body = {"count": count or len(results), "next": next_url, "previous": None, "results": results}
    return lambda request: httpx.Response(200, content=json.dumps(body).encode())
