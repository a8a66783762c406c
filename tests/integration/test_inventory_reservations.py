"""The sale saga's reservations on real PostgreSQL and RabbitMQ, with two consumers (each its
own engine and connections) competing for the same stock."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from services.inventory.app import SERVICE as INVENTORY
from services.inventory.handlers import EVENT_HANDLERS
from services.inventory.models import Device, Reservation, ReservedItem
from services.inventory.repository.stock import StockLevels
from tests.support.broker import BrokerProbe
from tests.support.inventory_stock import devices_on_sale, order_placed
from tests.support.inventory_workshop import add_site
from tests.support.waiting import wait_until

PHONE_B = "device:smartphone:b"


@pytest.fixture
def runtimes(settings_for):
    """Two runtimes on one database: two pools, as two worker processes would have."""
    settings = settings_for("inventory")
    pair = [INVENTORY.runtime(settings), INVENTORY.runtime(settings)]
    yield pair
    for runtime in pair:
        runtime.dispose()


@pytest.fixture
def consumers(runtimes):
    stop = threading.Event()
    threads = []
    for runtime in runtimes:
        consumer = runtime.consumer(EVENT_HANDLERS)
        consumer.batch_size = consumer.prefetch = 5  # small batches: both consumers take part
        thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)
        assert consumer.ready.wait(15)
    yield
    stop.set()
    for thread in threads:
        thread.join(10)


def answered(runtime) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Reservation))


def test_fifty_concurrent_orders_for_ten_units_reserve_exactly_ten(runtimes, consumers, broker_url):
    runtime = runtimes[0]
    site = add_site(runtime, kind="counter")
    devices_on_sale(runtime, site, 10)
    probe = BrokerProbe(broker_url)
    orders = [order_placed(site, [{"product_key": PHONE_B, "quantity": 1}]) for _ in range(50)]
    for order in orders:
        probe.publish_event(runtime.topology.exchange_name, order)
    probe.close()

    wait_until(lambda: answered(runtime) == 50, timeout=60)

    with runtime.session_factory() as session:
        states = Counter(session.scalars(select(Reservation.state)))
        reserved = session.scalars(select(ReservedItem.item_id)).all()
        devices = Counter(session.scalars(select(Device.state).where(Device.site_id == site)))
        figures = StockLevels(session).stored()[(site, PHONE_B)]
        recomputed = StockLevels(session).recomputed()[(site, PHONE_B)]
    assert states == {"held": 10, "rejected": 40}
    assert len(reserved) == len(set(reserved)) == 10
    assert devices == {"reserved": 10}
    received = figures["received"]
    assert received == 10
    assert (
        figures["available"] + figures["reserved"] + figures["sold"] + figures["written_off"]
        == received
    )
    assert (figures["available"], figures["reserved"]) == (0, 10)
    assert recomputed == figures
