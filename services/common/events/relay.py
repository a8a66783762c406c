"""The outbox relay: publish unsent outbox rows, mark them sent once the broker confirms.

One batch is one database transaction: lock up to ``batch_size`` unsent rows (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so several relays share the work and never publish the same row
at once) and mark them sent in the same statement, publish them, and put back the ones the
broker did not confirm before committing. A crash anywhere before that commit leaves the rows
unsent: they are published again, which consumers absorb through their inbox. A row the
broker refuses (unroutable, nacked) stays unsent and is tried again later with an
exponential back-off, without holding up the rows behind it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from kombu import Connection
from sqlalchemy import Engine, Table, bindparam, delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from services.common.events.publishers import OutgoingMessage, Publisher, make_publisher
from services.common.events.topology import Topology
from services.common.metrics import record_publication

log = logging.getLogger(__name__)

MAX_ROW_BACKOFF_SECONDS = 300
SENT_RETENTION = timedelta(days=3)  # sent rows are kept a while for inspection, then purged
PURGE_EVERY_SECONDS = 600


def _take_statement(table: Table, batch_size: int):
    """Mark up to ``batch_size`` due rows sent and return them (built once per relay)."""
    now = bindparam("now")
    due = (
        select(table.c.id)
        .where(
            table.c.sent_at.is_(None),
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .order_by(table.c.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    return (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(sent_at=now)
        .returning(table.c.id, table.c.event_id, table.c.event_type, table.c.body, table.c.attempts)
    )


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_seconds: float = 0.1,
        linger_seconds: float = 0.0,
        wake: threading.Event | None = None,
        at_once: threading.Event | None = None,
        service: str = "",
    ) -> None:
        self.service = service  # the label of its metrics
        self.engine = engine
        # Once woken, wait this long for more rows: a busy service's commits then go out in
        # a few larger batches instead of one confirm round trip each. Not when woken by
        # ``at_once`` (a consumer of this process committed a batch: it is one already, and
        # the reply it holds is on someone's critical path).
        self.linger_seconds = linger_seconds
        self.at_once = at_once or threading.Event()
        self._take = _take_statement(outbox, batch_size)
        self.outbox = outbox
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.wake = wake or threading.Event()

    @classmethod
    def for_broker(
        cls, engine: Engine, outbox: Table, broker_url: str, topology: Topology, **options
    ) -> OutboxRelay:
        publisher = make_publisher(Connection(broker_url), topology)
        return cls(engine, outbox, publisher, **options)

    def publish_batch(self) -> int:
        """Publish one batch; return how many rows the broker confirmed."""
        table = self.outbox
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            taken = connection.execute(self._take, {"now": now}).all()  # sent, unless put back
            if not taken:
                return 0
            rows = sorted(taken, key=lambda row: row.id)
            started = time.perf_counter()
            result = self.publisher.publish(
                [OutgoingMessage(row.id, row.event_id, row.event_type, row.body) for row in rows]
            )
            record_publication(self.service, result, len(rows), time.perf_counter() - started)
            attempts = {row.id: row.attempts for row in rows}
            confirmed = set(result.confirmed)
            unconfirmed = {i: "not confirmed by the broker" for i in attempts if i not in confirmed}
            for outbox_id, reason in {**unconfirmed, **result.failed}.items():
                tries = attempts[outbox_id] + 1
                delay = min(MAX_ROW_BACKOFF_SECONDS, 2**tries)
                connection.execute(
                    update(table)
                    .where(table.c.id == outbox_id)
                    .values(
                        sent_at=None,
                        attempts=tries,
                        last_error=reason,
                        next_attempt_at=now + timedelta(seconds=delay),
                    )
                )
                log.error("outbox row %s not published (try %s): %s", outbox_id, tries, reason)
        return len(result.confirmed)

    def purge_sent(self, older_than: timedelta = SENT_RETENTION) -> int:
        """Delete rows sent before ``older_than`` ago; how many."""
        cutoff = datetime.now(UTC) - older_than
        with self.engine.begin() as connection:
            return connection.execute(
                delete(self.outbox).where(self.outbox.c.sent_at < cutoff)
            ).rowcount

    def run(self, stop: threading.Event) -> None:
        """Relay until ``stop`` is set, surviving broker and database outages."""
        failures = 0
        next_purge = time.monotonic()
        while not stop.is_set():
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                with contextlib.suppress(SQLAlchemyError):
                    self.purge_sent()
            self.wake.clear()
            self.at_once.clear()
            try:
                published = self.publish_batch()
                failures = 0
            except (ConnectionError, OSError, SQLAlchemyError, *self._broker_errors()) as exc:
                failures += 1
                delay = min(10.0, 0.2 * 2**failures)
                log.warning(
                    "outbox relay paused %.1fs after %s: %s", delay, type(exc).__name__, exc
                )
                self.publisher.reset()
                stop.wait(delay)
                continue
            except Exception:  # noqa: BLE001 - a bug must not silently end the relay thread
                log.exception("outbox relay failed; restarting in 5s")
                self.publisher.reset()
                stop.wait(5)
                continue
            woken = published < self.batch_size and self.wake.wait(self.poll_seconds)
            if woken and not self.at_once.is_set():
                stop.wait(self.linger_seconds)
        self.publisher.close()

    def _broker_errors(self) -> tuple[type[BaseException], ...]:
        connection = getattr(self.publisher, "connection", None)
        if connection is None:
            return ()
        return tuple(connection.connection_errors) + tuple(connection.channel_errors)
