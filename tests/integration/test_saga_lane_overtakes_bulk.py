"""The sale saga's events have a queue and a consumer of their own: bulk work never delays them.

On PostgreSQL and RabbitMQ, as in production: on SQLite (the embedded mode) there is one
writer, so a saga event there still waits for the bulk batch being committed."""

import time
import uuid

from kombu import Connection

from services.common.events.envelope import new_event
from services.common.events.publishers import OutgoingMessage, make_publisher
from services.common.worker import Worker
from services.sales.app import SERVICE as SALES
from tests.support.memory_broker import site_opened
from tests.support.waiting import wait_until

BACKLOG = 3000


def reservation_rejected(order_id: str):
    data = {"order_id": order_id, "site_id": str(uuid.uuid4()), "lines": []}
    rejected = "inventory.reservation.rejected"
    return new_event(rejected, source="inventory", subject=order_id, sequence=1, data=data)


def publish_all(runtime, broker_url: str, events) -> None:
    messages = [OutgoingMessage(n, e.id, e.type, e.to_json()) for n, e in enumerate(events)]
    with Connection(broker_url) as connection:
        make_publisher(connection, runtime.topology).publish(messages)


def test_a_saga_event_overtakes_a_bulk_backlog_and_retries_on_its_own_lane(
    settings_for, broker_url
):
    runtime = SALES.runtime(settings_for("sales"))
    bulk_done: list[str] = []
    saga_calls: list[str] = []

    def slow_projection(uow, event):
        time.sleep(0.005)  # 3,000 of them: a backlog of 15 s or more
        bulk_done.append(event.id)

    def saga_fails_once(uow, event):
        saga_calls.append(event.id)
        if len(saga_calls) <= 2:  # in its batch, then alone: the first delivery fails
            raise RuntimeError("transient")

    handlers = {
        "inventory.site.opened": slow_projection,
        "inventory.reservation.rejected": saga_fails_once,
    }
    worker = Worker(runtime, handlers).start()
    try:
        assert set(worker.consumers) == {"saga", "bulk"}
        assert worker.wait_until_consuming(5)
        backlog = [site_opened(str(uuid.uuid4()), f"s{n}", 1) for n in range(BACKLOG)]
        publish_all(runtime, broker_url, backlog)
        saga_event = reservation_rejected(str(uuid.uuid4()))
        publish_all(runtime, broker_url, [saga_event])
        # Applied (after one retry through the saga lane) while the backlog is still being worked.
        wait_until(lambda: len(saga_calls) >= 3, timeout=10)
        assert len(bulk_done) < BACKLOG
        assert set(saga_calls) == {saga_event.id}
    finally:
        worker.stop(5)
        runtime.dispose()
