"""The idempotent consumer: consume → inbox check → effect → commit → ack, in batches.

A batch is up to ``batch_size`` messages already delivered (prefetch), handled in one
database transaction (each message in its own savepoint when one of them fails):

* an event whose (consumer, id) is already in the inbox is acknowledged and changes nothing;
* otherwise the handler applies its effect and the inbox row is written in the same savepoint;
* a handler that raises rolls back only its own savepoint: the message goes to the retry
  path (a delay queue that feeds the service queue again), or after the last retry to the
  dead-letter queue, with the reason;
* bytes that are not a valid event of a type we handle go straight to the dead-letter queue:
  retrying cannot fix them.

Acks are sent only after the commit, so a crash before it makes the broker redeliver the
whole batch, which the inbox then absorbs. Retry and dead-letter copies are published with
publisher confirms before the original is acknowledged.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kombu import Connection, Consumer, Producer
from kombu.message import Message
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from services.common.config import env_float
from services.common.correlation import correlated
from services.common.events.envelope import CloudEvent, InvalidEvent, parse_event
from services.common.events.store import MessagingTables, Outbox
from services.common.events.topology import Topology, lane_of
from services.common.log_privacy import failure
from services.common.metrics import (
    record_dead_letter,
    record_handler_time,
    record_lag,
    record_outcomes,
    record_retry,
    watch_consumer,
)
from services.common.tracing import consuming
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import dialect_insert

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, CloudEvent], None]
ManyHandler = Callable[[UnitOfWork, list[CloudEvent]], None]


def batchable(many: ManyHandler) -> Handler:
    """A handler that can also take a run of events of its type at once (``many``), for
    projections: one statement for the run instead of one per event. Only for handlers that
    emit no events (each emitted event carries its own cause). A run that fails falls back,
    as any batch does, to one event at a time."""

    def one(uow: UnitOfWork, event: CloudEvent) -> None:
        many(uow, [event])

    one.many = many  # type: ignore[attr-defined]
    one.__name__ = one.__qualname__ = getattr(many, "__name__", "batchable")
    return one


INBOX_RETENTION = timedelta(days=14)
ATTEMPT_HEADER = "x-attempt"
REASON_HEADER = "x-failure-reason"


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ack", "retry" or "dead"
    reason: str = ""
    event_type: str = ""  # of a retried event: its lane's retry queue takes it


ACK = Outcome("ack")


# kombu's in-process transport (memory://, the embedded mode) sleeps this long whenever it
# finds no message (1 s by default, i.e. up to a second per hop of a saga); AMQP pushes
# messages and ignores it.
_POLLING = {"polling_interval": env_float("BROKER_MEMORY_POLL_SECONDS", 0.02)}


class EventConsumer:
    def __init__(
        self,
        service: str,
        session_factory: sessionmaker,
        tables: MessagingTables,
        outbox: Outbox,
        handlers: dict[str, Handler],
        *,
        broker_url: str,
        topology: Topology,
        prefetch: int = 200,
        batch_size: int = 100,
        lanes: tuple[str, ...] | None = None,
        settings: Any = None,
        unit_of_work_class: type[UnitOfWork] = UnitOfWork,
    ) -> None:
        """Consumes the queues of ``lanes`` (default: every lane of the service); handlers
        find the service's own ``settings`` on their unit of work."""
        self.service = service
        self.settings = settings
        self.unit_of_work_class = unit_of_work_class
        self.lanes = lanes or topology.lanes(service)
        self.session_factory = session_factory
        self.inbox = tables.inbox
        self.outbox = outbox
        self.handlers = handlers
        self.broker_url = broker_url
        self.topology = topology
        self.prefetch = max(prefetch, batch_size)
        self.batch_size = batch_size
        self._delayed: list[tuple[float, int, str, bytes, dict, dict]] = []  # in-process retries
        self._delayed_counter = 0
        self.ready = threading.Event()  # set once consuming (tests and health use it)
        self._broker_errors = Connection(broker_url).connection_errors
        self._next_purge = time.monotonic()
        self._claim_statement = None  # the inbox claim, built at the first batch
        watch_consumer(service, list(handlers))

    # the loop -----------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                with Connection(self.broker_url, transport_options=_POLLING) as connection:
                    connection.ensure_connection(max_retries=3)
                    self.topology.declare(connection, (self.service,))
                    failures = 0
                    self._consume(connection, stop)
            except (OSError, ConnectionError, SQLAlchemyError, *self._broker_errors) as exc:
                self.ready.clear()
                failures += 1
                delay = min(10.0, 0.2 * 2**failures)
                log.warning(
                    "%s consumer paused %.1fs after %s: %s",
                    self.service,
                    delay,
                    type(exc).__name__,
                    exc,
                )
                stop.wait(delay)
            except Exception:  # noqa: BLE001 - a bug must not silently end the worker thread
                self.ready.clear()
                log.exception("%s consumer failed; restarting in 5s", self.service)
                stop.wait(5)

    def _consume(self, connection: Connection, stop: threading.Event) -> None:
        channel = connection.channel()
        side_connection = connection.clone(transport_options={"confirm_publish": True})
        producer = Producer(side_connection.channel())
        buffer: list[Message] = []
        consumer = Consumer(
            channel,
            queues=[self.topology.queue(self.service, lane) for lane in self.lanes],
            on_message=buffer.append,
            auto_declare=False,
            prefetch_count=self.prefetch,
        )
        with consumer, side_connection:
            self.ready.set()
            while not stop.is_set():
                self._fill(connection, buffer)
                if buffer:
                    self._process(buffer, producer)
                    buffer.clear()
                self._release_due_retries(producer)
                self._purge_inbox_now_and_then()

    def _purge_inbox_now_and_then(self) -> None:
        """Forget processed ids after ``INBOX_RETENTION``: a redelivery comes within minutes,
        and a dead-lettered event was never applied, so a later replay is still applied once."""
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + 600
        cutoff = datetime.now(UTC) - INBOX_RETENTION
        with self.session_factory() as session, session.begin():
            session.execute(
                delete(self.inbox).where(
                    self.inbox.c.consumer == self.service, self.inbox.c.processed_at < cutoff
                )
            )

    def _fill(self, connection: Connection, buffer: list[Message]) -> None:
        """Wait up to a second for a first message, then take what is already delivered."""
        try:
            connection.drain_events(timeout=0.5 if not self._delayed else 0.05)
            while len(buffer) < self.batch_size:
                connection.drain_events(timeout=0.002)
        except TimeoutError:
            pass

    # one batch ----------------------------------------------------------------------------
    def _process(self, messages: list[Message], producer: Producer) -> None:
        outcomes = self._apply(messages)
        record_outcomes(self.service, self.handlers, messages, outcomes)
        amqp = producer.connection.transport.driver_type == "amqp"
        if amqp and all(outcome is ACK for outcome in outcomes):
            messages[-1].ack(multiple=True)  # one frame acknowledges the whole batch
            return
        for message, outcome in zip(messages, outcomes, strict=False):
            if outcome.kind == "retry":
                self._retry(message, outcome, producer)
            elif outcome.kind == "dead":
                self._dead_letter(message, outcome.reason, producer)
            message.ack()

    def _apply(self, messages: list[Message]) -> list[Outcome]:
        """Apply the batch in one transaction; the outcome of each message, after commit.

        Together first: one inbox statement for the whole batch (it records the new ids and
        names them), no savepoints. If anything fails, the batch is rolled back and applied again
        with each message in its own savepoint, so that only the failing ones take the retry path.
        """
        decoded = [self._decode(message) for message in messages]
        session = self.session_factory()
        try:
            try:
                outcomes = self._apply_together(session, decoded)
                session.commit()
                self.outbox.wrote_batch()  # the relay of this process publishes what was emitted
                return outcomes
            except Exception as exc:  # noqa: BLE001 - isolate the culprit, one by one
                log.debug(
                    "%s batch of %d falls back to one by one: %s",
                    self.service,
                    len(decoded),
                    failure(exc),
                )
                session.rollback()
            outcomes = [self._apply_alone(session, event, outcome) for event, outcome in decoded]
            session.commit()
            self.outbox.wrote_batch()
            return outcomes
        finally:
            session.close()

    def _decode(self, message: Message) -> tuple[CloudEvent | None, Outcome | None]:
        try:
            event = parse_event(message.body)
        except InvalidEvent as exc:
            return None, Outcome("dead", str(exc))
        if event.type not in self.handlers:
            return None, Outcome("dead", f"{self.service} has no handler for {event.type}")
        record_lag(self.service, lane_of(event.type), event.time)
        return event, None

    def _apply_together(self, session, decoded) -> list[Outcome]:
        fresh = self._claim(session, [event for event, outcome in decoded if outcome is None])
        # One joined unit of work for the batch: the events its handlers emit are written to
        # the outbox in one insert at the end (in the order they were emitted).
        uow = self.unit_of_work_class.joining(session, self.outbox, self.settings)
        outcomes, run = [], []
        for event, outcome in decoded:
            if outcome is None and event.id in fresh:
                fresh.discard(event.id)  # twice in one batch: applied once
                if run and run[-1].type != event.type:
                    self._handle_run(uow, run)
                    run = []
                run.append(event)
            outcomes.append(outcome or ACK)
        if run:
            self._handle_run(uow, run)
        uow.write_events()
        return outcomes

    def _claim(self, session, events: list[CloudEvent]) -> set[str]:
        """Write the batch's inbox rows in one statement that skips the ids already there
        and returns the others: the events to apply (their effects commit with the rows)."""
        rows = {event.id: self._inbox_row(event) for event in events}
        if not rows:
            return set()
        if self._claim_statement is None:  # built once: one per batch, building costs more
            self._claim_statement = (
                dialect_insert(session, self.inbox)
                .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
                .returning(self.inbox.c.event_id)
            )
        return set(session.scalars(self._claim_statement, list(rows.values())))

    def _handle_run(self, uow: UnitOfWork, run: list[CloudEvent]) -> None:
        """Consecutive events of one type, in order: at once if their handler can."""
        started = time.perf_counter()
        many = getattr(self.handlers[run[0].type], "many", None)
        if many is None or len(run) == 1:
            for event in run:
                self._handle(uow, event)
        else:
            many(uow, run)
        record_handler_time(self.service, run, time.perf_counter() - started)

    def _apply_alone(self, session, event: CloudEvent | None, outcome: Outcome | None) -> Outcome:
        if outcome is not None:
            return outcome
        try:
            with session.begin_nested():
                if self._already_processed(session, event):
                    return ACK
                uow = self.unit_of_work_class.joining(session, self.outbox, self.settings)
                self._handle(uow, event)
                uow.write_events()
                session.execute(insert(self.inbox).values(**self._inbox_row(event)))
        except Exception as exc:  # noqa: BLE001 - any handler failure takes the retry path
            reason = failure(exc)  # never the values a database error quotes
            log.warning(
                "%s failed on %s %s: %s",
                self.service,
                event.type,
                event.id,
                reason,
                extra={"event_type": event.type, "event_id": event.id},
            )
            return Outcome("retry", reason, event.type)
        return ACK

    def _handle(self, uow: UnitOfWork, event: CloudEvent) -> None:
        with correlated(event.correlationid, event.id), consuming(self.service, event):
            self.handlers[event.type](uow, event)

    def _inbox_row(self, event: CloudEvent) -> dict:
        return {
            "consumer": self.service,
            "event_id": event.id,
            "event_type": event.type,
            "processed_at": datetime.now(UTC),
        }

    def _already_processed(self, session, event: CloudEvent) -> bool:
        found = session.execute(
            select(self.inbox.c.event_id).where(
                self.inbox.c.consumer == self.service, self.inbox.c.event_id == event.id
            )
        ).first()
        return found is not None

    # retries and dead letters ----------------------------------------------------------------
    def _retry(self, message: Message, outcome: Outcome, producer: Producer) -> None:
        reason, lane = outcome.reason, lane_of(outcome.event_type)
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        if attempt >= self.topology.max_attempts:
            self._dead_letter(message, f"failed {attempt} times; last: {reason}", producer)
            return
        record_retry(self.service, outcome.event_type)
        headers = {
            **(message.headers or {}),
            ATTEMPT_HEADER: attempt + 1,
            REASON_HEADER: reason[:500],
        }
        if producer.connection.transport.driver_type == "amqp":
            retry_queue = self.topology.retry_queue_name(self.service, attempt, lane)
            self._republish(message, producer, retry_queue, headers)
        else:  # the in-process transport has no message TTL: keep the delay here
            due = time.monotonic() + self.topology.retry_delays[attempt - 1]
            self._delayed_counter += 1
            queue = self.topology.queue_name(self.service, lane)
            delayed = (due, self._delayed_counter, queue, message.body, headers)
            heapq.heappush(self._delayed, (*delayed, _copied_properties(message)))

    def _dead_letter(self, message: Message, reason: str, producer: Producer) -> None:
        log.error(
            "%s dead-letters a message: %s",
            self.service,
            reason,
            extra={
                "event_type": message.properties.get("type"),
                "event_id": message.properties.get("message_id"),
            },
        )
        record_dead_letter(self.service, self.handlers, message)
        headers = {**(message.headers or {}), REASON_HEADER: reason[:500]}
        self._republish(message, producer, self.topology.dead_queue_name(self.service), headers)

    def _release_due_retries(self, producer: Producer) -> None:
        now = time.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            _, _, queue, body, headers, properties = heapq.heappop(self._delayed)
            self._publish_to_queue(producer, queue, body, headers, properties)

    def _republish(self, message: Message, producer: Producer, queue: str, headers: dict) -> None:
        self._publish_to_queue(
            producer,
            queue,
            message.body,
            headers,
            _copied_properties(message),
            message.content_type,
        )

    @staticmethod
    def _publish_to_queue(producer, queue, body, headers, properties, content_type=None) -> None:
        producer.publish(
            body,
            exchange="",
            routing_key=queue,
            headers=headers,
            delivery_mode=2,
            content_type=content_type or "application/cloudevents+json",
            content_encoding="utf-8",
            **properties,
        )


def _copied_properties(message: Message) -> dict:
    return {
        key: message.properties[key]
        for key in ("message_id", "type", "timestamp")
        if message.properties.get(key) is not None
    }
