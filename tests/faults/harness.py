"""The real stack (``scripts/stack.py``) with the handles a fault test needs: kill -9 of any
process by name (its supervisor starts it again), the sales worker's broker connection through
a cuttable TCP proxy, every service's PostgreSQL connections dropped at once, and the figures
of quiet.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests
from sqlalchemy import create_engine, text

from scripts.stack import Part, StackConfig, running, start, stop
from services.common.config import DATABASES, SERVICES_WITH_DATABASE
from services.common.events.topology import SUBSCRIPTIONS, Topology
from services.gateway.keys import KeyStore
from tests.support.broker import pika_connection
from tests.support.real_infrastructure import delete_namespace
from tests.support.tcp_proxy import CuttableProxy
from tests.support.waiting import wait_until
from tests.system.test_stack_system import _free_port_block

# Processes behind the proxy: their relay and consumer reach RabbitMQ through it only.
BEHIND_PROXY = ("sales-worker-1",)


@dataclass(frozen=True)
class FaultStackConfig(StackConfig):
    """The stack's own layout, with extra environment for some parts (by part name)."""

    part_environment: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def long_running(self) -> list[Part]:
        return [
            replace(
                part, environment={**part.environment, **self.part_environment.get(part.name, {})}
            )
            for part in super().long_running()
        ]


class FaultStack:
    """One stack on fresh databases and a broker namespace of its own (dropped on close)."""

    def __init__(
        self,
        directory: Path,
        broker_url: str,
        postgres_url: str,
        behind_proxy: tuple[str, ...] = BEHIND_PROXY,
        **settings: str,
    ):
        """``behind_proxy``: the processes whose broker connection goes through the cuttable
        proxy (none for a cluster's failover list, which the proxy cannot stand for)."""
        self.tag = uuid.uuid4().hex[:10]
        self.postgres_url = postgres_url
        self.admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
        self.databases = {service: f"faults_{service}_{self.tag}" for service in DATABASES}
        with self.admin.connect() as connection:
            for name in self.databases.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.proxy, proxied = None, {}
        if behind_proxy:
            broker = urlsplit(broker_url)
            self.proxy = CuttableProxy(broker.hostname or "127.0.0.1", broker.port or 5672)
            through = broker._replace(
                netloc=f"{broker.netloc.rsplit('@', 1)[0]}@127.0.0.1:{self.proxy.port}"
            )
            proxied = {name: {"BROKER_URL": through.geturl()} for name in behind_proxy}
        port = _free_port_block(4)
        self.urls = {
            service: urlsplit(postgres_url)._replace(path=f"/{name}").geturl()
            for service, name in self.databases.items()
        }
        self.environment = {
            **os.environ,
            "BROKER_URL": broker_url,
            "EVENT_NAMESPACE": f"faults{self.tag}",
            "STACK_DIR": str(directory),
            "GATEWAY_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(port),
            "GUNICORN_WORKERS": "1",
            "GATEWAY_RATE_LIMIT": "100000/second",
            "GATEWAY_AUTH_FAILURE_LIMIT": "100000/minute",
            **settings,
            **{f"{service.upper()}_DATABASE_URL": url for service, url in self.urls.items()},
        }
        self.topology = Topology(namespace=self.environment["EVENT_NAMESPACE"])
        self.config = FaultStackConfig(
            environment=self.environment,
            directory=directory,
            host="127.0.0.1",
            gateway_port=port,
            worker_replicas=1,
            broker_url=broker_url,
            topology=self.topology,
            part_environment=proxied,
        )
        self.gateway_url = f"http://127.0.0.1:{port}"
        self.admin_key = ""

    # life ---------------------------------------------------------------------------------
    def start(self) -> str:
        """Starts every process; returns an admin API key."""
        start(self.config, timeout=150)
        keys = KeyStore(self.environment["GATEWAY_DATABASE_URL"])
        try:
            self.admin_key = keys.create("fault suite", "admin").secret
        finally:
            keys.close()
        return self.admin_key

    def close(self) -> None:
        stop(self.config.directory, timeout=15)
        if self.proxy:
            self.proxy.close()
        self.admin.dispose()  # its pooled connection may be to a primary that failed over
        with self.admin.connect() as connection:
            for name in self.databases.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()
        delete_namespace(self.config.broker_url, self.topology.namespace)

    def logs(self, tail: int = 3000) -> str:
        return "".join(
            f"\n--- {log.name}\n{log.read_text(errors='replace')[-tail:]}"
            for log in sorted(self.config.directory.glob("*.log"))
        )

    # faults -------------------------------------------------------------------------------
    def process_names(self) -> list[str]:
        return [part.name for part in self.config.long_running()]

    def kill(self, name: str) -> None:
        """kill -9 of the process and its group (a gunicorn master with its workers)."""
        (process,) = [p for p in running(self.config.directory) if p.name == name]
        assert process.alive, f"{name} was already dead"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        wait_until(lambda: not process.alive, timeout=10)

    def restart(self, name: str) -> None:
        """Waits for the supervisor to start the killed process again (not for it to be ready)."""
        wait_until(
            lambda: any(p.name == name and p.alive for p in running(self.config.directory)),
            timeout=40,
        )

    def drop_database_connections(self) -> int:
        """pg_terminate_backend of every connection to the services' databases."""
        with self.admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"
                    ),
                    {"names": list(self.databases.values())},
                ).all()
            )

    # observation --------------------------------------------------------------------------
    def healthy(self) -> bool:
        try:
            answer = requests.get(f"{self.gateway_url}/health", timeout=2)
        except requests.RequestException:
            return False
        return answer.status_code == 200

    def all_alive(self) -> list[str]:
        """Names of the processes that are not running."""
        return [p.name for p in running(self.config.directory) if not p.alive]

    def scalar(self, service: str, statement: str, **params):
        engine = create_engine(self.urls[service])
        try:
            with engine.connect() as connection:
                return connection.scalar(text(statement), params)
        finally:
            engine.dispose()

    def rows(self, service: str, statement: str, **params) -> list:
        engine = create_engine(self.urls[service])
        try:
            with engine.connect() as connection:
                return connection.execute(text(statement), params).all()
        finally:
            engine.dispose()

    def unsent(self) -> dict[str, int]:
        return {
            service: self.scalar(service, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            for service in SERVICES_WITH_DATABASE
        }

    def queue_depths(self) -> dict[str, int]:
        """Messages waiting in every queue of the namespace (lanes, retries, dead letters)."""
        connection = pika_connection(self.config.broker_url)
        try:
            channel = connection.channel()
            return {
                queue.name: channel.queue_declare(queue.name, passive=True).method.message_count
                for service in SUBSCRIPTIONS
                for queue in self.topology.service_queues(service)
            }
        finally:
            connection.close()

    def consuming(self, service: str) -> bool:
        """Every queue of the service has a consumer (its worker is back)."""
        connection = pika_connection(self.config.broker_url)
        try:
            channel = connection.channel()
            return all(
                channel.queue_declare(name, passive=True).method.consumer_count >= 1
                for name in consumed_queues(self.topology, service)
            )
        finally:
            connection.close()

    def dead_letters(self) -> dict[str, int]:
        depths = self.queue_depths()
        return {
            service: depths.get(self.topology.dead_queue_name(service), 0)
            for service in SUBSCRIPTIONS
        }


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 1)


def consumed_queues(topology: Topology, service: str) -> list[str]:
    """The queues a service's worker consumes (each lane's), not its retry or dead ones."""
    dead = topology.dead_queue_name(service)
    return [
        queue.name
        for queue in topology.service_queues(service)
        if queue.name != dead and ".retry." not in queue.name
    ]
