"""Intake in bounded transactions, resumable after a crash, and never more cards than arrived."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from services.common.events.envelope import parse_event
from services.inventory.handlers import intake
from services.inventory.handlers import periodic as sweeps
from services.inventory.models import Card, Device, IntakeLine
from tests.support.donation_sites import open_site
from tests.support.donations_api import announce, register_partner
from tests.support.inventory_stock import card_line, donation, handle, sealed_codes
from tests.support.inventory_workshop import add_site
from tests.support.memory_broker import publish, run_consumer
from tests.support.waiting import wait_until
from tests.support.worst_requests import imei

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


def received_events(runtime) -> list:
    """The ``donations.donation.received`` events in the outbox, parsed (and checked against
    their contract) as a consumer parses them."""
    outbox = runtime.tables.outbox
    query = select(outbox.c.body).where(outbox.c.event_type == "donations.donation.received")
    with runtime.engine.connect() as connection:
        return [parse_event(body) for body in connection.scalars(query)]


def test_each_device_gets_its_own_serial_and_imei_from_reception_to_intake(service_on_sqlite):
    """Donations' reception → its event → inventory's intake: units with both identifiers,
    with one or the other, and an extra one, each device keeping its own pair."""
    donations, inventory = service_on_sqlite("donations"), service_on_sqlite("inventory")
    site = add_site(inventory.runtime)
    open_site(donations.runtime, site)
    tablets = {"kind": "hardware_lot", "category": "tablet", "quantity": 4}
    donation = announce(
        donations.client, register_partner(donations.client)["id"], tablets, site_id=site
    )
    line_id = donation["lines"][0]["id"]
    rows = f"serial,imei\nTAB-1,{imei(1)}\n,{imei(2)}\nTAB-3,\nTAB-4,{imei(4)}\n"
    uploaded = donations.client.put(
        f"/donations/{donation['id']}/lines/{line_id}/identifiers",
        data=rows,
        content_type="text/csv",
    )
    assert uploaded.status_code == 200, uploaded.get_json()
    extra = {"quantity": 1, "units": [{"imei": imei(5), "serial": "X"}]}
    line = {
        "line_id": line_id,
        "received_quantity": 5,
        "missing_identifiers": ["TAB-4", imei(4), "TAB-1"],  # tablet 4 missing; 1 scanned by IMEI
        "extra": extra,
    }
    answer = donations.client.post(f"/donations/{donation['id']}/reception", json={"lines": [line]})
    assert answer.status_code == 200, answer.get_json()

    [received] = received_events(donations.runtime)
    handle(inventory.runtime, received)

    with inventory.runtime.session_factory() as session:
        devices = session.execute(
            select(Device.serial, Device.imei).where(Device.line_id == line_id)
        ).all()
    assert sorted(devices, key=str) == sorted(
        [("TAB-1", imei(1)), (None, imei(2)), ("TAB-3", None), ("X", imei(5)), (None, None)],
        key=str,
    )


def test_an_event_from_before_units_pairs_serials_and_imeis_by_place(inventory):
    runtime, _ = inventory
    line = {**phones(2), "serials": ["SN-1", "SN-2"], "imeis": [imei(1), imei(2)]}
    received = donation(add_site(runtime), [line])  # no "units": an older producer

    handle(runtime, received)

    with runtime.session_factory() as session:
        devices = session.execute(select(Device.serial, Device.imei).order_by(Device.serial)).all()
    assert devices == [("SN-1", imei(1)), ("SN-2", imei(2))]


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
