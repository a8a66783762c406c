"""The system tests run every service as its own process (``scripts/stack.py``) against the
real RabbitMQ and PostgreSQL of ``TEST_BROKER_URL`` and ``TEST_POSTGRES_URL``."""

from __future__ import annotations

import pytest

from tests.support.real_infrastructure import broker_url, postgres_url  # noqa: F401


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "system" in item.path.parts:
            item.add_marker(pytest.mark.integration)
