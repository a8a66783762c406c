"""Saga isolation: how long inventory takes to decide an order (``sales.order.placed`` on the
bus → ``inventory.reservation.*`` back on the bus) with no other work, and while a reception
of 100,000 devices is being taken in.

Inventory runs its real worker (relay, one consumer per lane, the intake task) on PostgreSQL
and RabbitMQ. Orders are published as sales publishes them, at a steady pace, for minutes held
at the counter; a sink queue bound to the reservation events times each decision.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import threading
import time
import uuid

import pika
import pika.exceptions

from bench.environment import BROKER_URL, fresh_service
from bench.figures import Figure
from bench.polling import devices_in, wait_for
from services.common.events.envelope import CloudEvent
from services.inventory.app import SERVICE as INVENTORY
from services.inventory.domain.products import allowance_product
from tests.support.inventory_stock import donation, handle, order_placed
from tests.support.inventory_workshop import add_site

MINUTES = allowance_product("minutes").key


def isolation(devices: int = 100_000, orders: int = 150, per_second: float = 10.0) -> list[Figure]:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    with fresh_service("inventory", namespace) as settings:
        runtime = INVENTORY.runtime(settings)
        bus = _Bus(runtime.topology, f"{namespace}.sink")
        worker = INVENTORY.worker(runtime).start()
        worker.wait_until_consuming()
        counter, workshop = add_site(runtime, kind="counter"), add_site(runtime)
        handle(runtime, donation(counter, [_minutes(10_000_000)]))
        try:
            quiet = bus.decisions(counter, orders, per_second)
            bus.publish(donation(workshop, [_phones(devices)]))
            started = time.perf_counter()
            busy = bus.decisions(counter, orders, per_second)
            during = devices_in(runtime)
            _wait(lambda: devices_in(runtime) >= devices)
            intake_seconds = time.perf_counter() - started
        finally:
            bus.close()
            worker.stop()
            runtime.dispose()
    return [
        _figure("no intake running", quiet),
        _figure(
            f"while {devices:,} devices are taken in ({during:,} in when the orders ended; "
            f"all in after {intake_seconds:,.0f} s)",
            busy,
        ),
    ]


def _figure(when: str, latencies: list[float]) -> Figure:
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98]
    return Figure(
        f"Order decision at inventory, {when}: p50 {p50 * 1000:,.0f} ms, p99 (s)",
        p99,
        None,
        "s",
        "p99 ≤ 1 s",
        p99 <= 1.0,
    )


class _Bus:
    """Publishes as another service would; times decisions on a queue of its own."""

    def __init__(self, topology, sink: str) -> None:
        self.topology = topology
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.channel.exchange_declare(topology.exchange_name, "topic", durable=True)
        # What else inventory emits is routed (the relay publishes `mandatory`) and dropped.
        drain = self.channel.queue_declare(
            "", exclusive=True, arguments={"x-max-length": 1, "x-overflow": "drop-head"}
        ).method.queue
        self.channel.queue_bind(drain, topology.exchange_name, "inventory.#")
        self.channel.queue_declare(sink, durable=True)
        self.channel.queue_bind(sink, topology.exchange_name, "inventory.reservation.*")
        self.sink = sink
        self.sent: dict[str, float] = {}
        self.decided: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def publish(self, event: CloudEvent) -> None:
        properties = pika.BasicProperties(
            delivery_mode=2,
            content_type="application/cloudevents+json",
            message_id=event.id,
            type=event.type,
        )
        self.channel.basic_publish(
            self.topology.exchange_name, event.type, event.to_json().encode(), properties
        )

    def decisions(self, site_id: str, count: int, per_second: float) -> list[float]:
        """Latencies (s) of ``count`` orders placed at a steady pace."""
        ids = []
        for _ in range(count):
            placed = order_placed(site_id, [{"product_key": MINUTES, "quantity": 10}])
            ids.append(placed.data["order_id"])
            self.sent[ids[-1]] = time.perf_counter()
            self.publish(placed)
            time.sleep(1 / per_second)
        _wait(lambda: all(order_id in self.decided for order_id in ids))
        return [self.decided[order_id] - self.sent[order_id] for order_id in ids]

    def _receive(self) -> None:
        receiver = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = receiver.channel()
        while not self._stop.is_set():
            for method, _, body in channel.consume(self.sink, inactivity_timeout=0.2):
                if method is None:
                    if self._stop.is_set():
                        break
                    continue
                order_id = json.loads(body)["data"].get("order_id")
                self.decided.setdefault(order_id, time.perf_counter())
                channel.basic_ack(method.delivery_tag)
        channel.cancel()
        receiver.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        with contextlib.suppress(pika.exceptions.AMQPError):  # lost: the namespace goes anyway
            self.connection.close()


def _minutes(quantity: int) -> dict:
    return {"kind": "allowance", "unit": "minutes", "quantity": quantity, "validity_days": 30}


def _phones(quantity: int) -> dict:
    return {"kind": "hardware_lot", "category": "smartphone", "quantity": quantity}


def _wait(condition) -> None:
    wait_for(condition, 600.0, "not done in time")
