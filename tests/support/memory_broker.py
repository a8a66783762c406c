"""Events put on kombu's in-process transport and a consumer run on them, for tests of the
consumer and of handlers without a real broker."""

from __future__ import annotations

import threading

from kombu import Connection

from services.common.events.envelope import CloudEvent, new_event
from services.common.events.publishers import OutgoingMessage, make_publisher


def publish(runtime, event: CloudEvent) -> None:
    publisher = make_publisher(Connection("memory://"), runtime.topology)
    publisher.publish([OutgoingMessage(0, event.id, event.type, event.to_json())])


def site_opened(site_id: str, name: str, sequence: int) -> CloudEvent:
    return new_event(
        "inventory.site.opened",
        source="inventory",
        subject=site_id,
        sequence=sequence,
        data={"site_id": site_id, "name": name, "city": "Lyon", "kind": "counter"},
    )


def run_consumer(runtime, handlers) -> tuple[threading.Event, threading.Thread]:
    """The runtime's consumer on its own thread, once consuming; set the event to stop it."""
    consumer = runtime.consumer(handlers)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    assert consumer.ready.wait(5)
    return stop, thread
