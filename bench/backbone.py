"""Relay and consumer throughput, each beside its raw baseline measured in the same run.

* Relay: outbox rows → broker with publisher confirms (our relay), against a raw pika loop
  publishing the same persistent messages without confirms to the same exchange and queue.
* Consumer: consume → inbox → effect → commit → ack on PostgreSQL (our consumer), against a
  raw loop of one-row committed transactions on the same server.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pika
from sqlalchemy import func, insert, select, text

from bench.environment import BROKER_URL, fresh_service
from bench.figures import Figure
from services.common.events.envelope import new_event
from services.inventory.app import SERVICE as INVENTORY
from services.sales.app import SERVICE as SALES


def site_events(count: int):
    for n in range(count):
        site_id = str(uuid.uuid4())
        yield new_event(
            "inventory.site.opened",
            source="inventory",
            subject=site_id,
            sequence=1,
            data={"site_id": site_id, "name": f"Site {n}", "city": "Lyon", "kind": "counter"},
        )


def _declare_sink(channel, exchange: str, namespace: str) -> str:
    sink = f"{namespace}.sink"
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    channel.queue_declare(sink, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(sink, exchange, routing_key="#")
    return sink


def relay_throughput(count: int = 20_000) -> Figure:
    with fresh_service("inventory") as settings:
        runtime = INVENTORY.runtime(settings)
        exchange = runtime.topology.exchange_name
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        sink = _declare_sink(channel, exchange, settings.messaging.namespace)
        events = list(site_events(count))
        rows = [
            {"event_id": e.id, "event_type": e.type, "body": e.to_json(), "created_at": e.time}
            for e in events
        ]
        with runtime.engine.begin() as db:
            db.execute(insert(runtime.tables.outbox), rows)

        relay = runtime.relay()
        started = time.perf_counter()
        while relay.publish_batch():
            pass
        ours = count / (time.perf_counter() - started)
        relay.publisher.close()
        channel.queue_purge(sink)

        properties = pika.BasicProperties(
            delivery_mode=2, content_type="application/cloudevents+json"
        )
        started = time.perf_counter()
        for event, row in zip(events, rows, strict=True):
            channel.basic_publish(exchange, event.type, row["body"].encode(), properties)
        channel.queue_declare(sink, passive=True)  # a round trip: every publish was taken in
        raw = count / (time.perf_counter() - started)
        connection.close()
        runtime.dispose()
    return Figure(
        "Relay: outbox → broker, confirmed (events/s)",
        ours,
        raw,
        "events/s",
        "≥ 25 % of raw",
        ours >= 0.25 * raw,
    )


def consumer_throughput(count: int = 20_000) -> Figure:
    with fresh_service("sales") as settings:
        runtime = SALES.runtime(settings)
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        from kombu import Connection

        with Connection(BROKER_URL) as kombu_connection:
            runtime.topology.declare(kombu_connection, ("sales",))
        properties = pika.BasicProperties(
            delivery_mode=2, content_type="application/cloudevents+json"
        )
        for event in site_events(count):
            channel.basic_publish(
                runtime.topology.exchange_name, event.type, event.to_json().encode(), properties
            )
        queue = runtime.topology.queue_name("sales")
        while channel.queue_declare(queue, passive=True).method.message_count < count:
            time.sleep(0.05)
        connection.close()

        consumer = runtime.consumer(SALES.handlers)
        stop = threading.Event()
        inbox = runtime.tables.inbox
        started = datetime.now(UTC)
        thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        thread.start()
        # Seldom polled (a count competes with the consumer for the two cores); the end is
        # the last inbox row's own time, so polling adds nothing to the measured time.
        with runtime.engine.connect() as db:
            while db.execute(select(func.count()).select_from(inbox)).scalar() < count:
                db.rollback()
                time.sleep(0.5)
            finished = db.execute(select(func.max(inbox.c.processed_at))).scalar()
        ours = count / (finished - started).total_seconds()
        stop.set()
        thread.join(10)

        with runtime.engine.begin() as db:
            db.execute(text("CREATE TABLE raw_commits (id bigserial PRIMARY KEY, body text)"))
        body = "x" * 200
        started = time.perf_counter()
        for _ in range(count // 4):
            with runtime.engine.begin() as db:
                db.execute(text("INSERT INTO raw_commits (body) VALUES (:body)"), {"body": body})
        raw = (count // 4) / (time.perf_counter() - started)
        runtime.dispose()
    return Figure(
        "Consumer: consume → inbox → effect → commit → ack (events/s)",
        ours,
        raw,
        "events/s",
        "≥ 1.0 × raw commits/s",
        ours >= raw,
    )
