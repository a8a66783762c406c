"""LISTEN/NOTIFY on the real PostgreSQL: a commit wakes a listener in another connection, a
rollback does not, and a relay's outbox write wakes the worker's relay."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.common.db import make_engine, make_session_factory
from services.common.notifications import OUTBOX_WRITTEN, Listener, Waiters, notify
from services.common.waits import KeyWaits
from services.sales.order_waits import ORDER_CHANGED
from tests.support.waiting import wait_until


def _listening(url: str, channel: str) -> tuple[Listener, list[str]]:
    heard: list[str] = []
    listener = Listener(url, {channel: heard.append}).start()
    assert listener.listening.wait(10)
    return listener, heard


def test_a_commit_notifies_and_a_rollback_does_not(database_factory):
    url = database_factory("sales")
    listener, heard = _listening(url, ORDER_CHANGED)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            notify(session, ORDER_CHANGED, "rolled-back")
            session.rollback()
        with Session(engine) as session:
            notify(session, ORDER_CHANGED, "order-1")
            with Session(engine) as other:  # committed after: heard after whatever came before
                notify(other, ORDER_CHANGED, "marker")
                other.commit()
            wait_until(lambda: "marker" in heard, timeout=10)
            assert heard == ["marker"]  # neither the rolled-back one nor order-1 before its commit
            session.commit()

        wait_until(lambda: heard == ["marker", "order-1"], timeout=10)
    finally:
        listener.stop()
        engine.dispose()


def test_committing_events_notifies_the_relays(database_factory):
    from services.common.events.store import Outbox
    from services.common.unit_of_work import UnitOfWork
    from services.sales.models import MESSAGING

    url = database_factory("sales")
    listener, heard = _listening(url, OUTBOX_WRITTEN)
    engine = make_engine(url)
    uow = UnitOfWork(make_session_factory(engine), Outbox(MESSAGING.outbox, "sales"))
    try:
        with uow:
            uow.emit(
                "sales.order.cancelled",
                subject="o-1",
                data={
                    "order_id": "00000000-0000-0000-0000-000000000001",
                    "site_id": "00000000-0000-0000-0000-000000000002",
                    "reason": "test",
                },
                sequence=1,
            )
            uow.commit()

        wait_until(lambda: len(heard) == 1, timeout=10)
    finally:
        listener.stop()
        engine.dispose()


def test_an_order_wait_ends_on_the_notification_not_on_its_poll(database_factory):
    url = database_factory("sales")
    waits = KeyWaits(url, ORDER_CHANGED, poll_seconds=60)  # polling alone would take a minute
    assert waits.listener is not None and waits.listener.listening.wait(10)
    engine = make_engine(url)
    waiting, decided = threading.Event(), threading.Event()

    def holds() -> bool:
        waiting.set()  # first asked once registered for the key's wake-ups
        return decided.is_set()

    def decide_later() -> None:
        assert waiting.wait(10)
        decided.set()
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            notify(session, ORDER_CHANGED, "order-7")
            session.commit()

    try:
        threading.Thread(target=decide_later).start()
        started = time.monotonic()
        waits.wait("order-7", 30, holds)

        assert decided.is_set()
        assert time.monotonic() - started < 20
    finally:
        waits.listener.stop()
        engine.dispose()


def test_waiters_wake_only_their_key():
    waiters = Waiters()
    with waiters.waiting_for("a") as a, waiters.waiting_for("b") as b:
        waiters.wake("a")

        assert a.is_set() and not b.is_set()
