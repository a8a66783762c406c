"""Real RabbitMQ and PostgreSQL for integration tests.

Each test gets its own PostgreSQL database per service (created and dropped around it) and
its own topology namespace on the broker (exchange and queues deleted afterwards), so tests
never see each other's messages.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from importlib import import_module
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from services.common.config import MessagingSettings, ServiceSettings
from services.common.migrations import upgrade
from tests.support.broker import BrokerProbe
from tests.support.real_infrastructure import delete_namespace


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:  # noqa: BLE001 - any failure means no engine to use
        return False
    return True


@pytest.fixture(scope="session")
def _containers():
    """Start containers only when URLs are missing and a Docker engine answers."""
    started = {}
    if not (os.environ.get("TEST_BROKER_URL") and os.environ.get("TEST_POSTGRES_URL")):
        if not _docker_available():
            yield None
            return
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        started["rabbitmq"] = RabbitMqContainer("rabbitmq:3.13").start()
        started["postgres"] = PostgresContainer("postgres:16", driver="psycopg").start()
    yield started
    for container in started.values():
        container.stop()


@pytest.fixture(scope="session")
def broker_url(_containers) -> str:
    url = os.environ.get("TEST_BROKER_URL")
    if url:
        return url
    if _containers:
        rabbit = _containers["rabbitmq"]
        host, port = rabbit.get_container_host_ip(), rabbit.get_exposed_port(5672)
        return f"amqp://guest:guest@{host}:{port}//"
    pytest.skip("no RabbitMQ: set TEST_BROKER_URL (or run a Docker engine for testcontainers)")


@pytest.fixture(scope="session")
def postgres_url(_containers) -> str:
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        return url
    if _containers:
        return _containers["postgres"].get_connection_url()
    pytest.skip("no PostgreSQL: set TEST_POSTGRES_URL (or run a Docker engine for testcontainers)")


@pytest.fixture
def database_factory(postgres_url):
    """Creates fresh, migrated databases for services; drops them after the test."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    created = []

    def create(service: str) -> str:
        name = f"test_{service}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        url = str(urlsplit(postgres_url)._replace(path=f"/{name}").geturl())
        upgrade(service, url)
        return url

    yield create
    with admin.connect() as connection:
        for name in created:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def namespace(broker_url):
    """A topology namespace of this test alone; its exchange and queues are deleted after."""
    ns = f"test{uuid.uuid4().hex[:10]}"
    yield ns
    delete_namespace(broker_url, ns)


@pytest.fixture
def settings_for(database_factory, broker_url, namespace):
    """Settings of a service on its own fresh database, with short retry delays."""

    def settings(service: str, **messaging) -> ServiceSettings:
        options = {
            "broker_url": broker_url,
            "namespace": namespace,
            "retry_delays": (0.2, 0.4),
            "delivery_limit": 5,
            "prefetch": 50,
            "relay_batch_size": 100,
            "relay_poll_seconds": 0.05,
        }
        options.update(messaging)
        return ServiceSettings(service, database_factory(service), MessagingSettings(**options))

    return settings


@pytest.fixture
def runtime_for(settings_for):
    """``runtime_for("inventory", own=…, **messaging)``: a service's runtime on its own fresh
    database (``settings_for``), disposed after the test; ``own``: its own settings, else the
    environment's (``services/<name>/settings.py``)."""
    started = []

    def start(service: str, own=None, **messaging):
        definition = import_module(f"services.{service}.app").SERVICE
        settings = replace(settings_for(service, **messaging), own=own)
        started.append(definition.runtime(settings))
        return started[-1]

    yield start
    for runtime in started:
        runtime.dispose()


@pytest.fixture
def app_for(runtime_for):
    """``app_for("donations", own=…, **messaging)``: ``(runtime, Flask app)`` of a service on
    its own fresh database (``runtime_for``)."""

    def start(service: str, own=None, **messaging):
        runtime = runtime_for(service, own, **messaging)
        definition = import_module(f"services.{service}.app").SERVICE
        return runtime, definition.create_app({"RUNTIME": runtime})

    return start


@pytest.fixture
def probe(broker_url):
    """An independent observer on the broker (pika, not the code under test)."""
    probe = BrokerProbe(broker_url)
    yield probe
    probe.close()
