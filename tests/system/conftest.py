"""The system tests run every service as its own process (``scripts/stack.py``) against the
real RabbitMQ and PostgreSQL of ``TEST_BROKER_URL`` and ``TEST_POSTGRES_URL``."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "system" in item.path.parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def broker_url() -> str:
    return os.environ.get("TEST_BROKER_URL") or pytest.skip("no RabbitMQ: set TEST_BROKER_URL")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or pytest.skip(
        "no PostgreSQL: set TEST_POSTGRES_URL (an admin URL)"
    )
