"""Fresh databases and broker namespaces for one benchmark run, cleaned up afterwards."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pika
from sqlalchemy import create_engine, text

from services.common.config import MessagingSettings, ServiceSettings
from services.common.events.topology import SUBSCRIPTIONS, Topology
from services.common.migrations import upgrade

BROKER_URL = os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def fresh_service(service: str, namespace: str | None = None, **messaging):
    """Settings of ``service`` on a new migrated database and a broker namespace (a private
    one unless given, to let several services of one benchmark talk)."""
    name = f"bench_{service}_{uuid.uuid4().hex[:8]}"
    namespace = namespace or f"bench{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = urlsplit(POSTGRES_URL)._replace(path=f"/{name}").geturl()
    options = dict(
        broker_url=BROKER_URL,
        namespace=namespace,
        retry_delays=(1.0,),
        delivery_limit=5,
        prefetch=500,
        relay_batch_size=500,
        relay_poll_seconds=0.05,
    )
    options.update(messaging)
    try:
        upgrade(service, url)
        yield ServiceSettings(service, url, MessagingSettings(**options))
    finally:
        _delete_namespace(namespace)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _delete_namespace(namespace: str) -> None:
    topology = Topology(namespace=namespace, retry_delays=(1.0,))
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    for service in SUBSCRIPTIONS:
        for queue in topology.service_queues(service):
            channel.queue_delete(queue.name)
    channel.queue_delete(f"{namespace}.sink")
    channel.exchange_delete(topology.exchange_name)
    connection.close()


@contextmanager
def fresh_databases():
    """The environment of a whole stack on new (unmigrated) databases and its own broker
    namespace, key directory and ports; everything is removed afterwards."""
    import tempfile

    from services.common.config import DATABASES

    tag = uuid.uuid4().hex[:8]
    names = {service: f"bench_{service}_{tag}" for service in DATABASES}
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    scratch = tempfile.mkdtemp(prefix="bench-stack-")
    port = _free_block(4)
    environment = {
        **os.environ,
        "BROKER_URL": BROKER_URL,
        "EVENT_NAMESPACE": f"bench{tag}",
        "STACK_DIR": f"{scratch}/stack",
        "CARD_CODES_KEY_DIR": f"{scratch}/keys",
        "TOKEN_KEY_DIR": f"{scratch}/keys",
        "GATEWAY_RATE_LIMIT": "1000000/second",
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        **{
            f"{service.upper()}_DATABASE_URL": urlsplit(POSTGRES_URL)
            ._replace(path=f"/{name}")
            .geturl()
            for service, name in names.items()
        },
    }
    try:
        yield environment
    finally:
        _delete_namespace(f"bench{tag}")
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_block(size: int) -> int:
    import random
    import socket

    for _ in range(50):
        first = random.randint(20000, 60000)
        try:
            for port in range(first, first + size):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no block of free ports")
