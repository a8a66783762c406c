"""The raw floor of one order: the CPU that the bare PostgreSQL transactions, HTTP requests
and AMQP messages one order needs cost on this machine, measured in the same run.

Each bare operation runs one at a time, and its CPU is the client thread's (thread time)
plus the server's (from /proc):

* a commit: INSERT of one row and COMMIT over psycopg, plus its PostgreSQL backend;
* a request: GET to ``bench/bare_wsgi.py`` under gunicorn with the services' settings
  (``infra/gunicorn.conf.py``) over a kept-alive urllib3 connection, client and gunicorn
  (master and workers) apart;
* a message: a persistent message published to a quorum queue with a publisher confirm,
  then delivered and acknowledged (prefetch 100), each with RabbitMQ's ``beam.smp``.

An order's floor prices what the stack counted for it (bench/order_operations.py): every
commit, every event published and delivered, and each request through the gateway as two
bare requests (counter → gateway, gateway → service) of which only the second's client is
part of the stack.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import amqp
import psycopg
import urllib3
from kombu import Connection

from bench.gateway import free_port, gunicorn, processes_of
from bench.process_cpu import broker_pid, cpu_seconds

COUNT = 2_000
BODY = "x" * 200


@dataclass(frozen=True)
class UnitCosts:
    """CPU milliseconds of one bare operation."""

    commit: float
    request_client: float
    request_server: float
    publish: float
    delivery: float

    def floor_ms(self, commits: float, requests: float, published: float, delivered: float):
        """The floor of one order that needed so many of each (averages per order)."""
        return (
            commits * self.commit
            + requests * (2 * self.request_server + self.request_client)
            + published * self.publish
            + delivered * self.delivery
        )


def unit_costs(database_url: str, broker_url: str, queue: str, count: int = COUNT):
    commit = sum(_commit_cost(database_url, count))
    request_client, request_server = _request_cost(count)
    publish, delivery = _message_costs(broker_url, queue, count)
    return UnitCosts(commit, request_client, request_server, publish, delivery)


def _measured(work: Callable[[], None], servers: Iterable[int], count: int):
    """(client, server) CPU milliseconds per operation of ``work`` doing ``count``."""
    servers = list(servers)
    server_before, client_before = sum(map(cpu_seconds, servers)), time.thread_time()
    work()
    client = time.thread_time() - client_before
    server = sum(map(cpu_seconds, servers)) - server_before
    return 1000 * client / count, 1000 * server / count


def _commit_cost(database_url: str, count: int) -> tuple[float, float]:
    with psycopg.connect(database_url) as db:
        db.execute("CREATE TABLE bench_bare_commits (id bigserial PRIMARY KEY, body text)")
        db.commit()
        backend = db.execute("SELECT pg_backend_pid()").fetchone()[0]
        db.commit()

        def work() -> None:
            for _ in range(count):
                db.execute("INSERT INTO bench_bare_commits (body) VALUES (%s)", (BODY,))
                db.commit()

        try:
            return _measured(work, [backend], count)
        finally:
            db.execute("DROP TABLE bench_bare_commits")
            db.commit()


def _request_cost(count: int) -> tuple[float, float]:
    port = free_port()
    with gunicorn("bench.bare_wsgi:app", port, {}) as master:
        http = urllib3.PoolManager(maxsize=1, retries=False, timeout=30.0)
        url = f"http://127.0.0.1:{port}/health"
        for _ in range(50):  # every worker thread up, the connection open
            http.request("GET", url)

        def work() -> None:
            for _ in range(count):
                if http.request("GET", url).status != 200:
                    raise RuntimeError("the bare WSGI application did not answer 200")

        return _measured(work, processes_of(master), count)


def _message_costs(broker_url: str, queue: str, count: int) -> tuple[float, float]:
    """(publish, delivery) CPU milliseconds of one message, client and broker together."""
    broker = [pid] if (pid := broker_pid()) else []
    with Connection(broker_url, transport_options={"confirm_publish": True}) as connection:
        connection.ensure_connection(max_retries=1)
        channel = connection.channel()
        channel.queue_declare(
            queue, durable=True, auto_delete=False, arguments={"x-queue-type": "quorum"}
        )
        try:

            def publish() -> None:
                for _ in range(count):  # each waits for its confirm
                    message = amqp.Message(BODY, delivery_mode=2, content_type="text/plain")
                    channel.basic_publish(message, exchange="", routing_key=queue)

            delivered = 0

            def acknowledge(message: amqp.Message) -> None:
                nonlocal delivered
                message.channel.basic_ack(message.delivery_tag)
                delivered += 1

            def deliver() -> None:
                channel.basic_qos(0, 100, False)
                channel.basic_consume(queue, callback=acknowledge)
                while delivered < count:
                    connection.drain_events(timeout=30)

            publish_cost = sum(_measured(publish, broker, count))
            delivery_cost = sum(_measured(deliver, broker, count))
        finally:
            channel.queue_delete(queue)
    return publish_cost, delivery_cost
