"""PostgreSQL ``LISTEN``/``NOTIFY``: a commit wakes whoever waits for it, in any process.

Polling stays the safety net (a notification can be missed while a listener reconnects);
notifications only cut the wait short. On SQLite (the embedded mode) nothing is sent and
nothing listens: the waits poll, as before.

* :func:`notify` in a transaction: delivered to listeners when (and only if) it commits. The
  notifications of one transaction leave together, in one statement just before its commit.
* :class:`Listener`: one connection and one thread per process, calling a callback per
  channel with the notification's payload.
* :class:`Waiters`: threads waiting for one key (e.g. an order id) until someone wakes it.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

OUTBOX_WRITTEN = "outbox_written"
RECONNECT_SECONDS = 1.0


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def notify(session: Session, channel: str, payload: str = "") -> None:
    """Notify ``channel`` when the session's transaction commits (PostgreSQL only)."""
    if session.get_bind().dialect.name == "postgresql":
        session.info.setdefault(_PENDING, {})[(channel, payload)] = None  # an ordered set


_PENDING = "pending_notifications"
_SEND = text(
    "SELECT pg_notify(channel, payload) "
    "FROM unnest(CAST(:channels AS text[]), CAST(:payloads AS text[])) AS n(channel, payload)"
)


@event.listens_for(Session, "before_commit")
def _send_pending(session: Session) -> None:
    """One round trip for all of a transaction's notifications (a savepoint's wait for the
    outer commit; ``NOTIFY`` is transactional anyway)."""
    if session.in_nested_transaction():
        return
    if pending := session.info.pop(_PENDING, None):
        channels, payloads = zip(*pending, strict=True)
        session.execute(_SEND, {"channels": list(channels), "payloads": list(payloads)})


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction) -> None:
    # Whatever ended the whole transaction (a rollback, a close) sends nothing more; a
    # rolled-back savepoint keeps what was queued (at worst a spurious wake-up: waiters read
    # the state again).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


class Listener:
    """Listens to ``callbacks``' channels on its own connection until stopped."""

    def __init__(self, database_url: str, callbacks: Mapping[str, Callable[[str], None]]) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._callbacks = dict(callbacks)
        self._stop = threading.Event()
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listener", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    for channel in self._callbacks:
                        connection.execute(f'LISTEN "{channel}"')
                    self.listening.set()
                    while not self._stop.is_set():
                        for message in connection.notifies(timeout=0.5):
                            self._callbacks[message.channel](message.payload)
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("notification listener reconnecting: %s", exc)
                self._stop.wait(RECONNECT_SECONDS)


class Waiters:
    """Threads that wait for a key, and whoever wakes them (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, set[threading.Event]] = defaultdict(set)

    @contextmanager
    def waiting_for(self, key: str) -> Iterator[threading.Event]:
        """Register before reading the state waited on, so no wake-up falls in between."""
        event = threading.Event()
        with self._lock:
            self._events[key].add(event)
        try:
            yield event
        finally:
            with self._lock:
                self._events[key].discard(event)
                if not self._events[key]:
                    del self._events[key]

    def wake(self, key: str) -> None:
        with self._lock:
            events = list(self._events.get(key, ()))
        for waiter in events:
            waiter.set()
