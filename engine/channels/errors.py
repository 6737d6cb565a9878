"""Why a channel call failed, typed by cause so the caller knows what to do next.

`ChannelUnavailable`: the channel did not answer usefully after the bounded retries (5xx,
timeouts, connection errors, rate limit): record the failed run, keep the watermark, try later.
`ChannelAuthFailed`: the credentials are refused even with a fresh token: fix the settings.
`ChannelRejected`: the channel refused the request itself (HTTP 4xx): a bug or bad input.
`ChannelProtocolError`: the answer does not have the expected shape.
`ListingShifted`: a list changed while it was read page by page (its `count` moved, a page came
back short before the last, a `next` page is gone): an entry may have slid onto a page already
read, so the list is read again before anything is taken as complete.
Messages name the method, the path and the status; never a credential, token or query string.
"""

from __future__ import annotations

from engine.model.errors import OrderflowError


class ChannelError(OrderflowError):
    """Base of the channel failures."""


class ChannelUnavailable(ChannelError):
    def __init__(self, cause: str, attempts: int) -> None:
        self.cause = cause
        self.attempts = attempts
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        super().__init__(f"the channel is unavailable after {tries}: {cause}")


class ChannelAuthFailed(ChannelError):
    pass


class ChannelRejected(ChannelError):
    def __init__(self, request: str, status: int, message: str) -> None:
        self.request = request
        self.status = status
        self.message = message
        super().__init__(f"{request} was refused with HTTP {status}: {message}")


class ChannelProtocolError(ChannelError):
    pass


class ListingShifted(ChannelError):
    """A list changed under a page-by-page read: what was read is right, but maybe not all."""
