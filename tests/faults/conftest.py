"""The fault suite runs the real stack (``scripts/stack.py``) on the RabbitMQ and PostgreSQL
of ``TEST_BROKER_URL`` and ``TEST_POSTGRES_URL`` (the system tests' fixtures), and breaks it
while counters sell."""

from __future__ import annotations

import pytest

from tests.system.conftest import broker_url, postgres_url

__all__ = ["broker_url", "postgres_url"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "faults" in item.path.parts:
            item.add_marker(pytest.mark.integration)
