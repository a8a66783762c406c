"""Checks of ``infra/``, ``docker-compose.yml`` and ``.env.example`` that need no Docker engine.

Most are static (schema, linter, consistency with the code); the few marked ``integration``
load what ``infra/`` declares into the real RabbitMQ or PostgreSQL of ``TEST_BROKER_URL`` and
``TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def broker_url() -> str:
    return os.environ.get("TEST_BROKER_URL") or pytest.skip("no RabbitMQ: set TEST_BROKER_URL")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or pytest.skip(
        "no PostgreSQL: set TEST_POSTGRES_URL (an admin URL)"
    )
