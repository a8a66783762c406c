"""A key rotated or revoked from one process (another gateway, the CLI) stops working at once
in every gateway process on PostgreSQL, however long their lookups are remembered."""

from __future__ import annotations

import pytest

from services.gateway.keys import KeyStore, UnknownKey
from tests.support.waiting import wait_until


@pytest.fixture
def two_stores(database_factory):
    url = database_factory("gateway")
    gateway = KeyStore(url, cache_seconds=300).listen()  # remembers lookups for 5 minutes
    elsewhere = KeyStore(url)  # e.g. keys_cli in another process
    assert gateway._listener is not None and gateway._listener.listening.wait(10)
    yield gateway, elsewhere
    gateway.close()
    elsewhere.close()


def _refused(store: KeyStore, secret: str) -> bool:
    try:
        store.authenticate(secret)
    except UnknownKey:
        return True
    return False


def test_a_revocation_elsewhere_is_seen_at_once(two_stores):
    gateway, elsewhere = two_stores
    issued = elsewhere.create("Lyon counter desk", "admin")
    assert gateway.authenticate(issued.secret).name == "Lyon counter desk"  # now remembered

    elsewhere.revoke(issued.record.id)

    wait_until(lambda: _refused(gateway, issued.secret), timeout=5)


def test_a_rotation_elsewhere_retires_the_old_secret_at_once(two_stores):
    gateway, elsewhere = two_stores
    issued = elsewhere.create("Paris counter desk", "admin")
    gateway.authenticate(issued.secret)

    rotated = elsewhere.rotate(issued.record.id)

    wait_until(lambda: _refused(gateway, issued.secret), timeout=5)
    assert gateway.authenticate(rotated.secret).key_id == issued.record.id
