"""Checks of ``infra/``, ``docker-compose.yml`` and ``.env.example`` that need no Docker engine.

Most are static (schema, linter, consistency with the code); the few marked ``integration``
load what ``infra/`` declares into the real RabbitMQ or PostgreSQL of ``TEST_BROKER_URL`` and
``TEST_POSTGRES_URL``.
"""

from __future__ import annotations

from tests.support.real_infrastructure import broker_url, postgres_url  # noqa: F401
