"""The outbox and inbox tables every service database carries, and the outbox writer.

The outbox row is written in the transaction of the state change it reports; the relay
publishes it later. The inbox row (consumer, event id) is written in the transaction of the
effect of a consumed event, so a redelivery finds it and changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from services.common.correlation import current_causation_id, current_correlation_id
from services.common.events.envelope import CloudEvent, new_event
from services.common.notifications import OUTBOX_WRITTEN, notify
from services.common.tracing import current_traceparent


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("sent_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", DateTime(timezone=True)),
        Column("last_error", Text),
    )
    Index(
        "ix_outbox_unsent",
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(60), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)


class Outbox:
    """Writes events into the outbox table inside the caller's transaction."""

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source
        self._insert = insert(table)  # built once: every state change with events runs it
        self.written = threading.Event()  # wakes an in-process relay after a commit
        # ... after a consumer's batch: already a batch, so the relay need not linger for more
        self.batch_written = threading.Event()

    def wrote_batch(self) -> None:
        """A consumer committed a batch's events: wake the relay of this process at once."""
        self.batch_written.set()
        self.written.set()

    def build(
        self, event_type: str, *, subject: str, data: dict[str, Any], sequence: int
    ) -> tuple[CloudEvent, dict[str, Any]]:
        """The event (its data checked against its contract) and its outbox row."""
        event = new_event(
            event_type,
            source=self.source,
            subject=subject,
            data=data,
            sequence=sequence,
            correlationid=current_correlation_id(),
            causationid=current_causation_id(),
            traceparent=current_traceparent(),  # stored in the row's body, continued by consumers
        )
        row = {
            "event_id": event.id,
            "event_type": event.type,
            "body": event.to_json(),
            "created_at": datetime.now(UTC),
        }
        return event, row

    def write(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Insert rows in the caller's transaction, in order, in one round trip per batch."""
        if rows:
            session.execute(self._insert, rows)

    def backlog(self, session: Session, up_to: int) -> int:
        """Unsent rows, counted up to ``up_to`` (the partial index of unsent rows answers;
        counting no further keeps it cheap however long a broker outage made the backlog)."""
        unsent = select(self.table.c.id).where(self.table.c.sent_at.is_(None)).limit(up_to)
        return session.scalar(select(func.count()).select_from(unsent.subquery()))

    @staticmethod
    def announce(session: Session) -> None:
        """Before committing rows: on PostgreSQL, wake the relays of other processes (their
        poll remains the safety net). Once per transaction is enough."""
        notify(session, OUTBOX_WRITTEN)
