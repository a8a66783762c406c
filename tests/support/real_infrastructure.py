"""The real RabbitMQ and PostgreSQL named by ``TEST_BROKER_URL`` and ``TEST_POSTGRES_URL`` (an
admin URL): their fixtures, skipping without them (imported by the conftests of
``tests/infra`` and ``tests/system``), and a test's broker namespace removed afterwards."""

from __future__ import annotations

import os

import pytest

from services.common.events.topology import SUBSCRIPTIONS, Topology
from tests.support.broker import pika_connection


@pytest.fixture(scope="session")
def broker_url() -> str:
    return os.environ.get("TEST_BROKER_URL") or pytest.skip("no RabbitMQ: set TEST_BROKER_URL")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or pytest.skip(
        "no PostgreSQL: set TEST_POSTGRES_URL (an admin URL)"
    )


def delete_namespace(broker_url: str, namespace: str) -> None:
    """A test's topology namespace removed: every service's queues, then the exchange.
    ``broker_url`` may be a cluster's failover list (``amqp://a;amqp://b``)."""
    topology = Topology(namespace=namespace)
    connection = pika_connection(broker_url)
    channel = connection.channel()
    for service in SUBSCRIPTIONS:
        for queue in topology.service_queues(service):
            channel.queue_delete(queue.name)
    channel.exchange_delete(topology.exchange_name)
    connection.close()
