"""Why the store refuses: a database it must not misread, or a state change that cannot be."""

from __future__ import annotations

from engine.model.errors import OrderflowError


class StoreError(OrderflowError):
    """The store cannot be opened or used as asked; the message says what to do."""


class StoreUnavailable(StoreError):
    """The database could not carry out a transaction now (gone, dropped, locked too long)."""


class SchemaTooNew(StoreError):
    """The database was written by a newer orderflow; reading it could misread it."""

    def __init__(self, url: str, found: int, known: int) -> None:
        self.found = found
        self.known = known
        super().__init__(
            f"the store {url} has schema version {found}, but this orderflow knows versions up "
            f"to {known}; upgrade orderflow to open it (it was not changed)"
        )


class SchemaUnknown(StoreError):
    """The database holds tables but no schema version: not a store this code can place."""


class OutboxStateError(StoreError):
    """An outbox entry cannot go to the asked state from the state it is in."""


class ConcurrentWrite(StoreError):
    """Another writer changed the same orders during a batch; the batch was rolled back."""
