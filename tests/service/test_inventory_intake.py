"""Intake in bounded transactions, resumable after a crash, and never more cards than arrived."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from services.inventory.handlers import intake
from services.inventory.handlers import periodic as sweeps
from services.inventory.models import Card, Device, IntakeLine
from tests.support.inventory_stock import card_line, donation, handle, sealed_codes
from tests.support.inventory_workshop import add_site
from tests.support.memory_broker import publish, run_consumer
from tests.support.waiting import wait_until

UNITS = 2 * intake.INTAKE_CHUNK + 500


def count(runtime, what) -> int:
    with runtime.session_factory() as session:
        return session.scalar(select(func.count()).select_from(what))


def outbox_count(runtime, event_type: str) -> int:
    outbox = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        query = select(func.count()).where(outbox.c.event_type == event_type)
        return connection.scalar(query.select_from(outbox))


def phones(quantity: int) -> dict:
    return {"kind": "hardware_lot", "category": "smartphone", "quantity": quantity}


@contextmanager
def relaying(runtime):
    """The service's outbox relay at work on its own thread (as in the worker)."""
    relay, stop = runtime.relay(), threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        relay.wake.set()
        thread.join(5)


def unsent(runtime) -> int:
    with runtime.session_factory() as session:
        return runtime.outbox.backlog(session, 1_000_000)


class Crash(Exception):
    """kill -9 in the middle of a chunk: nothing of that chunk was committed."""


def test_five_codes_for_a_line_that_received_none_put_no_card_on_sale(inventory, card_code_keys):
    runtime, client = inventory
    site = add_site(runtime)
    received = donation(site, [card_line(0)])
    handle(runtime, received)
    pins = [(f"77700{n}", None) for n in range(5)]
    handle(runtime, sealed_codes(card_code_keys, received, 0, pins))
    assert client.get(f"/stock?site_id={site}").get_json()["items"] == []
    assert count(runtime, Card) == 0


def test_codes_beyond_what_the_line_received_are_left_out(inventory, card_code_keys):
    runtime, client = inventory
    site = add_site(runtime)
    received = donation(site, [card_line(2)])
    handle(runtime, received)
    handle(runtime, sealed_codes(card_code_keys, received, 0, [("8880001", None)] * 1))
    more = [("8880002", None), ("8880003", None), ("8880004", None)]
    handle(runtime, sealed_codes(card_code_keys, received, 0, more))
    [level] = client.get(f"/stock?site_id={site}").get_json()["items"]
    assert (level["received"], level["available"]) == (2, 2)
    assert count(runtime, Card) == 2


def test_a_large_reception_is_taken_in_by_bounded_chunks_and_resumes_after_a_crash(inventory):
    runtime, _ = inventory
    received = donation(add_site(runtime), [phones(UNITS)])
    stop, thread = run_consumer(runtime, {"donations.donation.received": intake.receive_donation})
    try:
        publish(runtime, received)
        # The consumer's own transaction takes in one chunk at most, and records the rest.
        wait_until(lambda: count(runtime, IntakeLine) == 1)
        assert count(runtime, Device) == intake.INTAKE_CHUNK

        with runtime.unit_of_work() as uow:  # the worker's intake task: one more chunk
            assert intake.take_in_next_chunk(uow) == intake.INTAKE_CHUNK
            uow.commit()
        with pytest.raises(Crash), runtime.unit_of_work() as uow:
            intake.take_in_next_chunk(uow)
            raise Crash  # before the commit
        assert count(runtime, Device) == 2 * intake.INTAKE_CHUNK

        publish(runtime, received)  # the broker redelivers the event after the restart
        marker = donation(add_site(runtime), [phones(1)])
        publish(runtime, marker)
        wait_until(lambda: count(runtime, IntakeLine) == 2)
    finally:
        stop.set()
        thread.join(5)
    with relaying(runtime):
        assert sweeps.continue_intake(runtime) == UNITS - 2 * intake.INTAKE_CHUNK  # the rest
    assert count(runtime, Device) == UNITS + 1
    assert outbox_count(runtime, "inventory.device.received") == UNITS + 1
    with runtime.session_factory() as session:
        tags = session.scalars(select(Device.asset_tag)).all()
        line = session.get(IntakeLine, received.data["lines"][0]["line_id"])
    assert len(set(tags)) == UNITS + 1
    assert (line.taken_in, line.quantity, line.done_at is not None) == (UNITS, UNITS, True)


def test_the_intake_waits_for_the_relay_so_the_outbox_never_piles_up(inventory):
    """The outbox is one queue in commit order: a chunk taken in while the previous ones'
    events are still unsent would put the sale saga's replies behind them."""
    runtime, _ = inventory
    handle(runtime, donation(add_site(runtime), [phones(UNITS)]))
    assert count(runtime, Device) == intake.INTAKE_CHUNK
    assert unsent(runtime) > sweeps.OUTBOX_CEILING  # the first chunk's events, not relayed

    assert sweeps.continue_intake(runtime, relay_wait=0.2) == 0  # no relay: the intake waits
    assert count(runtime, Device) == intake.INTAKE_CHUNK

    highest, stop = [0], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            highest[0] = max(highest[0], unsent(runtime))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with relaying(runtime):
            assert sweeps.continue_intake(runtime) == UNITS - intake.INTAKE_CHUNK
            wait_until(lambda: unsent(runtime) == 0)
    finally:
        stop.set()
        watcher.join(5)
    assert count(runtime, Device) == UNITS
    assert highest[0] <= sweeps.OUTBOX_CEILING + intake.INTAKE_CHUNK
