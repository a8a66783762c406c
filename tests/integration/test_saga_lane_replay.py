"""The saga lane on RabbitMQ: a failing saga event retries through the saga lane's own retry
queues, is dead-lettered with the service's others, and a replay puts it back on its lane."""

from __future__ import annotations

import threading

from services.common.events.deadletters import list_dead_letters, replay_dead_letters
from services.inventory.app import SERVICE as INVENTORY
from tests.support.broker import BrokerProbe
from tests.support.inventory_stock import order_placed
from tests.support.waiting import wait_until


def test_a_dead_lettered_saga_event_is_replayed_onto_the_saga_lane(settings_for, broker_url):
    runtime = INVENTORY.runtime(settings_for("inventory"))
    fixed, seen = threading.Event(), []

    def placed(uow, event):
        seen.append(event.id)
        if not fixed.is_set():
            raise RuntimeError("not yet")

    consumer = runtime.consumer({"sales.order.placed": placed}, lanes=("saga",))
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    probe = BrokerProbe(broker_url)
    try:
        assert consumer.ready.wait(15)
        line = {"product_key": "allowance:minutes", "quantity": 1}
        event = order_placed("00000000-0000-4000-8000-000000000001", [line])
        probe.publish_event(runtime.topology.exchange_name, event)
        [letter] = wait_until(
            lambda: list_dead_letters(broker_url, runtime.topology, "inventory"), timeout=30
        )
        assert letter.event_id == event.id and "failed 3 times" in letter.reason
        fixed.set()
        assert replay_dead_letters(broker_url, runtime.topology, "inventory") == 1
        wait_until(lambda: len(seen) > 6)  # applied by the saga lane's consumer after replay
        assert list_dead_letters(broker_url, runtime.topology, "inventory") == []
    finally:
        probe.close()
        stop.set()
        thread.join(10)
        runtime.dispose()
