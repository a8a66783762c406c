"""Notifications of one transaction on the real PostgreSQL: queued, then sent together in one
``pg_notify`` statement just before the outer commit; duplicates once; what was queued
survives a rolled-back savepoint, and nothing of a rolled-back transaction is ever heard."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from services.common.db import make_engine
from services.common.notifications import Listener, notify
from tests.support.waiting import wait_until

FIRST, SECOND = "test_batched_first", "test_batched_second"


@pytest.fixture
def database(database_factory):
    """(engine, heard, statements): what listeners of both channels heard, as (channel,
    payload), and the (statement, parameters) the engine sent."""
    url = database_factory("sales")
    heard: list[tuple[str, str]] = []
    listener = Listener(
        url,
        {
            FIRST: lambda payload: heard.append((FIRST, payload)),
            SECOND: lambda payload: heard.append((SECOND, payload)),
        },
    ).start()
    assert listener.listening.wait(10)
    engine = make_engine(url)
    statements: list[tuple[str, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_connection, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    yield engine, heard, statements
    listener.stop()
    engine.dispose()


def _notifications(statements) -> list[tuple[str, object]]:
    return [(sql, params) for sql, params in statements if "notify" in sql.lower()]


def _heard_after(heard, marker_channel: str, marker: str, engine) -> list[tuple[str, str]]:
    """What was heard up to a marker committed last (notifications arrive in commit order)."""
    with Session(engine) as session:
        notify(session, marker_channel, marker)
        session.commit()
    wait_until(lambda: (marker_channel, marker) in heard, timeout=10)
    return heard[: heard.index((marker_channel, marker))]


def test_a_transactions_notifications_leave_together_at_its_commit(database):
    engine, heard, statements = database
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        notify(session, FIRST, "order-1")
        notify(session, SECOND, "order-2")
        notify(session, FIRST, "order-3")
        assert _notifications(statements) == []  # nothing sent before the commit...
        assert _heard_after(heard, SECOND, "marker", engine) == []  # ...nor heard
        statements.clear()  # the marker's
        session.commit()

    wait_until(lambda: len(heard) == 4, timeout=10)
    assert sorted(heard[1:]) == [(FIRST, "order-1"), (FIRST, "order-3"), (SECOND, "order-2")]
    [(sql, params)] = _notifications(statements)
    assert "pg_notify" in sql
    assert (params["channels"], params["payloads"]) == (
        [FIRST, SECOND, FIRST],
        ["order-1", "order-2", "order-3"],
    )


def test_the_same_notification_twice_is_sent_once(database):
    engine, heard, statements = database
    with Session(engine) as session:
        for channel in (FIRST, FIRST, SECOND, FIRST):
            notify(session, channel, "order-1")
        session.commit()

    assert sorted(_heard_after(heard, SECOND, "marker", engine)) == [
        (FIRST, "order-1"),
        (SECOND, "order-1"),
    ]
    first_commit = _notifications(statements)[0][1]
    assert (first_commit["channels"], first_commit["payloads"]) == (
        [FIRST, SECOND],
        ["order-1", "order-1"],
    )


def test_a_rolled_back_savepoint_keeps_what_was_queued_before_it(database):
    engine, heard, statements = database
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        notify(session, FIRST, "before-the-savepoint")
        with pytest.raises(RuntimeError), session.begin_nested():
            session.execute(text("SELECT 1"))
            raise RuntimeError("the savepoint rolls back")
        with session.begin_nested():  # a released savepoint does not send the queue early
            notify(session, SECOND, "in-a-released-savepoint")
        assert _notifications(statements) == []
        session.commit()

    assert len(_notifications(statements)) == 1
    wait_until(lambda: len(heard) == 2, timeout=10)
    assert sorted(heard) == [(FIRST, "before-the-savepoint"), (SECOND, "in-a-released-savepoint")]


def test_nothing_of_a_rolled_back_transaction_is_ever_heard(database):
    engine, heard, statements = database
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        notify(session, FIRST, "rolled-back")
        with session.begin_nested():
            notify(session, SECOND, "rolled-back-too")
        session.rollback()
        notify(session, FIRST, "committed")  # the same session, its next transaction
        session.commit()

    assert _heard_after(heard, SECOND, "marker", engine) == [(FIRST, "committed")]
    assert all("rolled-back" not in str(params) for _, params in _notifications(statements))


def test_a_transaction_ended_by_closing_the_session_sends_nothing(database):
    """A unit of work left without committing closes its session: what it queued is dropped,
    not sent by a later commit of the same session."""
    engine, heard, statements = database
    session = Session(engine)
    session.execute(text("SELECT 1"))
    notify(session, FIRST, "abandoned")
    session.close()
    notify(session, FIRST, "committed")
    session.commit()
    session.close()

    assert _heard_after(heard, SECOND, "marker", engine) == [(FIRST, "committed")]
    assert all("abandoned" not in str(params) for _, params in _notifications(statements))
