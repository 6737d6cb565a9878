"""A store URL is never printed with its password, even when it is too broken to parse."""

import pytest

from engine.store import StoreError, open_store
from engine.store.database import shown_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bob:s3cret@db:5432/orders", "postgresql://bob:***@db:5432/orders"),
        ("sqlite:///orders.db", "sqlite:///orders.db"),
        ("postgresql://bob@db/orders", "postgresql://bob@db/orders"),
        # Not parseable by SQLAlchemy (a space in the scheme): redacted by pattern.
        ("post gres://bob:s3cret@db/orders", "post gres://bob:***@db/orders"),
    ],
)
def test_the_password_is_hidden(url: str, shown: str) -> None:
    assert shown_url(url) == shown


def test_an_unreadable_url_is_reported_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("post gres://bob:s3cret@db/orders")
    assert str(caught.value) == (
        "cannot read the store URL 'post gres://bob:***@db/orders': expected sqlite:///path.db "
        "or postgresql://user@host:port/database"
    )


def test_an_unsupported_backend_is_reported_without_its_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("mysql://bob:s3cret@db/orders")
    assert str(caught.value) == (
        "the store URL 'mysql://bob:***@db/orders' names 'mysql'; "
        "the store runs on sqlite or postgresql"
    )
