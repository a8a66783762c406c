"""Snapshot events (``latest_only`` contracts, e.g. ``inventory.availability.changed``): of
those a unit of work emits for one subject, only the last reaches the outbox; every other
event is written, all in emission order. A rollback writes nothing, then or later."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from services.common.events.contracts import EVENT_CONTRACTS
from services.common.unit_of_work import UnitOfWork
from services.inventory.app import SERVICE as INVENTORY

AVAILABILITY = "inventory.availability.changed"
REJECTED = "inventory.reservation.rejected"
SITE_1, SITE_2 = str(uuid.uuid4()), str(uuid.uuid4())


@pytest.fixture
def runtime(sqlite_settings):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    yield runtime
    runtime.dispose()


def emit_availability(uow, site_id: str, available: int, sequence: int) -> None:
    product = {"product_key": "card:orange:1000", "family": "prepaid_card", "label": "Orange 10"}
    uow.emit(
        AVAILABILITY,
        subject=f"{site_id}:p",
        sequence=sequence,
        data={"site_id": site_id, "product": product, "available": available},
    )


def emit_rejected(uow, order_id: str) -> None:
    refused = {
        "line_id": str(uuid.uuid4()),
        "product_key": "card:orange:1000",
        "requested": 2,
        "available": 0,
        "reason": "out_of_stock",
    }
    uow.emit(
        REJECTED,
        subject=order_id,
        sequence=1,
        data={"order_id": order_id, "site_id": SITE_1, "lines": [refused]},
    )


def emit_all(uow) -> None:
    """s1:p three times (3, 2, 1 available), s2:p once, a rejection between them."""
    emit_availability(uow, SITE_1, 3, 1)
    emit_availability(uow, SITE_2, 7, 4)
    emit_rejected(uow, "00000000-0000-0000-0000-000000000001")
    emit_availability(uow, SITE_1, 2, 2)
    emit_rejected(uow, "00000000-0000-0000-0000-000000000002")
    emit_availability(uow, SITE_1, 1, 3)


def outbox_events(runtime) -> list[tuple]:
    """(type, subject, sequence, available or order id) of each outbox row, in id order."""
    outbox = runtime.tables.outbox
    with runtime.engine.connect() as connection:
        bodies = connection.scalars(select(outbox.c.body).order_by(outbox.c.id)).all()
    events = [json.loads(body) for body in bodies]
    return [
        (
            event["type"],
            event["subject"],
            event["sequence"],
            event["data"].get("available", event["data"].get("order_id")),
        )
        for event in events
    ]


ONE_OF_EACH = [
    (AVAILABILITY, f"{SITE_2}:p", 4, 7),
    (REJECTED, "00000000-0000-0000-0000-000000000001", 1, "00000000-0000-0000-0000-000000000001"),
    (REJECTED, "00000000-0000-0000-0000-000000000002", 1, "00000000-0000-0000-0000-000000000002"),
    (AVAILABILITY, f"{SITE_1}:p", 3, 1),
]


def test_only_availability_is_a_snapshot():
    snapshots = [name for name, contract in EVENT_CONTRACTS.items() if contract.latest_only]
    assert snapshots == [AVAILABILITY]


def test_only_the_last_snapshot_per_subject_is_written_other_events_all_in_order(runtime):
    with runtime.unit_of_work() as uow:
        emit_all(uow)
        uow.commit()
    assert outbox_events(runtime) == ONE_OF_EACH


def test_a_consumer_batch_keeps_the_last_snapshot_too(runtime):
    with runtime.session_factory() as session:
        uow = UnitOfWork.joining(session, runtime.outbox)
        emit_all(uow)
        uow.write_events()
        session.commit()
    assert outbox_events(runtime) == ONE_OF_EACH


def test_snapshots_of_separate_transactions_are_all_written(runtime):
    for available, sequence in ((3, 1), (2, 2)):
        with runtime.unit_of_work() as uow:
            emit_availability(uow, SITE_1, available, sequence)
            uow.commit()
    assert [row[2:] for row in outbox_events(runtime)] == [(1, 3), (2, 2)]


def test_a_rollback_writes_nothing_and_the_next_commit_does_not_bring_it_back(runtime):
    uow = runtime.unit_of_work()
    with uow:
        emit_all(uow)
        uow.rollback()
        emit_availability(uow, SITE_1, 5, 9)
        uow.commit()
    assert outbox_events(runtime) == [(AVAILABILITY, f"{SITE_1}:p", 9, 5)]

    with uow:
        emit_all(uow)  # left without a commit: rolled back
    with uow:
        emit_availability(uow, SITE_2, 6, 10)
        uow.commit()
    assert outbox_events(runtime) == [
        (AVAILABILITY, f"{SITE_1}:p", 9, 5),
        (AVAILABILITY, f"{SITE_2}:p", 10, 6),
    ]
