"""One authenticated conversation with the Lengow API: token, retries, pages.

Lengow's own plugins learned these rules the hard way, so they live here once: the token from
`/access/get_token` is cached for 50 of its 60 minutes (asking for one per call spends the rate
limit) and renewed once on 401/403; a 429 waits what `Retry-After` asks; 5xx, timeouts and
dropped connections are retried with backoff and jitter, then `ChannelUnavailable` carries the
cause; lists are read page by page, following `next` on our own host only (the token never goes
elsewhere). A read that must be complete (the orders of a window) is also checked to have held
still: the same `count` on every page, no page short before the last, no `next` page gone;
otherwise `ListingShifted` is raised after the last page (an entry may have slid onto a page
already read while the list changed). The clock and the random source are injected. No token or
secret ever reaches a message, a repr or a log: requests are named by method and path only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import numpy as np

from engine.channels.config import LengowSettings
from engine.channels.errors import (
    ChannelAuthFailed,
    ChannelProtocolError,
    ChannelRejected,
    ChannelUnavailable,
    ListingShifted,
)
from engine.channels.json_text import loads
from engine.channels.retry import RetryPolicy, retry_after
from engine.model.clock import Clock, SystemClock

TOKEN_PATH = "/access/get_token"
TOKEN_LIFETIME = timedelta(minutes=50)
_AUTH_REFUSED = (401, 403)


@dataclass(frozen=True)
class RawPage:
    """One page of a Lengow list as received: `number` counts from 1 in the order read."""

    number: int
    results: tuple[object, ...]
    count: int | None
    next: str | None


class WalkCheck:
    """Whether a list held still while it was read page by page, from the pages alone.

    A page equal to the one before (same results, same count) is the same page served again and
    is skipped. The list held still when every page reported the same `count` and no page but the
    last held fewer entries than the longest: a list that loses an entry between two pages shifts
    the later entries up by one, so one of them slides onto a page already read and is never
    served, and the count (or a short page, when the count is not fresh) is what gives it away.
    Only the last page is kept, and the number, size and count of the others.
    """

    def __init__(self, request: str) -> None:
        self.request = request
        self.last: RawPage | None = None
        self.seen: list[tuple[int, int, int | None]] = []  # number, entries, count

    def add(self, page: RawPage) -> None:
        last = self.last
        if last is not None and (page.results, page.count) == (last.results, last.count):
            return
        self.last = page
        self.seen.append((page.number, len(page.results), page.count))

    def problem(self) -> str | None:
        """Why the list cannot be taken as complete, or None when it held still."""
        reasons = []
        counts = [(number, count) for number, _, count in self.seen if count is not None]
        changes = [
            (number, count)
            for n, (number, count) in enumerate(counts)
            if n == 0 or count != counts[n - 1][1]
        ]
        if len(changes) > 1:
            reasons.append(", ".join(f"count {c} on page {n}" for n, c in changes))
        longest = max((size for _, size, _ in self.seen), default=0)
        short = [(number, size) for number, size, _ in self.seen[:-1] if size < longest]
        if short:
            number, size = short[0]
            reasons.append(f"page {number} came back short ({size} of {longest}) before the last")
        if not reasons:
            return None
        return f"{self.request} changed while it was read: {'; '.join(reasons)}"

    def gone(self, number: int, cause: str) -> str:
        return (
            f"{self.request} changed while it was read: page {number}, which page {number - 1} "
            f"linked to, is gone ({cause})"
        )


class Transient(Exception):
    """A failure that may pass: retry after `wait` seconds (None: back off)."""

    def __init__(self, cause: str, wait: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.wait = wait
        self.rate_limited = rate_limited


def request_path(url: str) -> str:
    return urlsplit(url).path or url


class _NotJson(Exception):
    """The body cannot be read as JSON."""


def _json(response: httpx.Response) -> object:
    # What `response.json()` reads (`json_text.loads`: the standard library's values, faster).
    # Besides JSONDecodeError, Python's decoder raises ValueError on a number of more than 4,300
    # digits and RecursionError on deep nesting: a hostile or broken body, never a traceback.
    try:
        body: object = loads(response.content)
    except (ValueError, RecursionError):
        raise _NotJson from None
    return body


def error_message(response: httpx.Response) -> str:
    try:
        body = _json(response)
    except _NotJson:
        return response.text[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return json.dumps(body)[:200]


class Attempts:
    """Counts the failures of one logical call and waits (or gives up) after each."""

    def __init__(self, session: LengowSession) -> None:
        self.client = session
        self.failures = 0
        self.limited = 0

    def pause(self, transient: Transient) -> None:
        policy = self.client.policy
        if transient.rate_limited:
            self.limited += 1
            count, give_up = self.limited, self.limited > policy.rate_limit_retries
        else:
            self.failures += 1
            count, give_up = self.failures, self.failures > policy.retries
        wait = transient.wait
        if wait is None:
            wait = policy.backoff(count, self.client.rng)
        if give_up or wait > policy.max_retry_after:
            raise ChannelUnavailable(transient.cause, self.failures + self.limited) from None
        self.client.clock.sleep(wait)


class LengowSession:
    """The HTTP side of one account; `LengowClient` speaks the API's vocabulary over it."""

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
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.rng = rng if rng is not None else np.random.default_rng()
        self.policy = policy or RetryPolicy()
        self._http = httpx.Client(
            base_url=settings.api_url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )
        self._token: str | None = None
        self._token_until = self.clock.now()

    def __repr__(self) -> str:
        return f"LengowSession(api_url={self.settings.api_url!r})"

    def close(self) -> None:
        self._http.close()

    def pages(
        self, path: str, params: dict[str, str], *, complete: bool = False
    ) -> Iterator[RawPage]:
        """The pages of a list, each asked for when the caller wants it, to the last `next`.

        With `complete`, the read is checked to have held still (`WalkCheck`): when it did not,
        `ListingShifted` is raised once the last page has been yielded (or when a `next` page
        answers 404: the list got shorter than when it linked to it), so the caller keeps what it
        read and reads the list again.
        """
        target: str | None = path
        query: dict[str, str] | None = params
        seen: set[str] = set()
        number = 1
        check = WalkCheck(f"GET {request_path(path)}") if complete else None
        while target is not None:
            try:
                body = self.call("GET", target, params=query)
            except ChannelRejected as rejected:
                if check is None or number == 1 or rejected.status != 404:
                    raise
                raise ListingShifted(check.gone(number, f"HTTP 404: {rejected.message}")) from None
            page = self._page(body, number, f"GET {request_path(target)}")
            if check is not None:
                check.add(page)
            yield page
            target = self._follow(page.next, seen)
            query = None
            number += 1
        problem = check.problem() if check is not None else None
        if problem is not None:
            raise ListingShifted(problem)

    @staticmethod
    def _page(body: object, number: int, request: str) -> RawPage:
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(results, list):
            raise ChannelProtocolError(f"{request} did not answer a list with 'results'")
        count = body.get("count")
        following = body.get("next")
        return RawPage(
            number=number,
            results=tuple(results),
            count=count if isinstance(count, int) else None,
            next=following if isinstance(following, str) and following else None,
        )

    def _follow(self, link: str | None, seen: set[str]) -> str | None:
        """The `next` link as a target on our own API (the token never goes to another host)."""
        if link is None:
            return None
        base = self.settings.api_url
        if link.startswith(base + "/"):
            relative = link[len(base) :]
        else:
            parts = urlsplit(link)
            relative = parts.path + (f"?{parts.query}" if parts.query else "")
        if relative in seen:
            raise ChannelProtocolError(
                f"the 'next' link of {request_path(relative)} loops back to a read page"
            )
        seen.add(relative)
        return relative

    def call(self, method: str, target: str, *, params: Mapping[str, str] | None = None) -> object:
        attempts = Attempts(self)
        while True:
            try:
                response = self.authorized(method, target, params, None)
            except Transient as transient:
                attempts.pause(transient)
                continue
            return self.decode(response, f"{method} {request_path(target)}")

    def authorized(
        self,
        method: str,
        target: str,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
    ) -> httpx.Response:
        """One request with the token; on 401/403 a new token and one more try."""
        response = self._attempt(method, target, params, data, self._current_token())
        if response.status_code in _AUTH_REFUSED:
            self._token = None
            response = self._attempt(method, target, params, data, self._current_token())
            if response.status_code in _AUTH_REFUSED:
                raise ChannelAuthFailed(
                    f"{method} {request_path(target)} was refused with HTTP {response.status_code} "
                    f"even with a new token: {error_message(response)}"
                )
        return response

    def _current_token(self) -> str:
        now = self.clock.now()
        if self._token is None or now >= self._token_until:
            self._token = self._new_token()
            self._token_until = now + TOKEN_LIFETIME
        return self._token

    def _new_token(self) -> str:
        form = {
            "access_token": self.settings.access_token.reveal(),
            "secret": self.settings.secret.reveal(),
        }
        attempts = Attempts(self)
        while True:
            try:
                response = self._attempt("POST", TOKEN_PATH, None, form, None)
                break
            except Transient as transient:
                attempts.pause(transient)
        if response.status_code in _AUTH_REFUSED:
            raise ChannelAuthFailed(
                f"the access token and secret were refused (HTTP {response.status_code}): "
                f"{error_message(response)}; check LENGOW_ACCESS_TOKEN and LENGOW_SECRET"
            )
        body = self.decode(response, f"POST {TOKEN_PATH}")
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ChannelProtocolError(f"POST {TOKEN_PATH} answered without a token")
        return token

    def _attempt(
        self,
        method: str,
        target: str,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        token: str | None,
    ) -> httpx.Response:
        request = f"{method} {request_path(target)}"
        headers = {"Authorization": token} if token is not None else {}
        try:
            response = self._http.request(method, target, params=params, data=data, headers=headers)
        except httpx.TimeoutException as exc:
            raise Transient(f"{request} timed out ({type(exc).__name__})") from None
        except (
            httpx.NetworkError,
            httpx.RemoteProtocolError,
            httpx.ProxyError,
            httpx.DecodingError,  # a body cut or garbled on the way (Content-Encoding)
        ) as exc:
            raise Transient(f"{request} failed: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status == 429:
            wait = retry_after(response.headers.get("Retry-After"), self.clock.now())
            message = error_message(response)
            raise Transient(f"{request} was rate limited (HTTP 429): {message}", wait, True)
        if status >= 500:
            raise Transient(f"{request} failed with HTTP {status}: {error_message(response)}")
        return response

    @staticmethod
    def decode(response: httpx.Response, request: str) -> object:
        if response.status_code >= 400:
            raise ChannelRejected(request, response.status_code, error_message(response))
        try:
            return _json(response)
        except _NotJson:
            raise ChannelProtocolError(
                f"{request} answered HTTP {response.status_code} with a body that is not JSON"
            ) from None
