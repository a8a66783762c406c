"""Unit-level fixtures: services on SQLite files and kombu's in-process broker."""

from __future__ import annotations

import uuid

import pytest

from services.common.config import MessagingSettings, ServiceSettings
from services.common.migrations import upgrade


def settings_on(folder, service: str, **messaging) -> ServiceSettings:
    """A service on a fresh, migrated SQLite file in ``folder`` and a private memory
    namespace."""
    url = f"sqlite:///{folder / (service + '.db')}"
    upgrade(service, url)
    options = {
        "broker_url": "memory://",
        "namespace": f"unit{uuid.uuid4().hex[:8]}",
        "retry_delays": (0.05, 0.1),
        "delivery_limit": 5,
        "prefetch": 20,
        "relay_batch_size": 100,
        "relay_poll_seconds": 0.02,
    }
    options.update(messaging)
    return ServiceSettings(service, url, MessagingSettings(**options))


@pytest.fixture
def sqlite_settings(tmp_path):
    """Settings of a service on a fresh, migrated SQLite file and a private memory namespace."""
    return lambda service, **messaging: settings_on(tmp_path, service, **messaging)


@pytest.fixture
def inventory(sqlite_settings):
    """Inventory on SQLite: ``(runtime, test client)`` (some modules still define their own)."""
    from services.inventory.app import SERVICE as INVENTORY

    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    yield runtime, INVENTORY.create_app({"RUNTIME": runtime}).test_client()
    runtime.dispose()
