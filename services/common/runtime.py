"""Everything one service needs at run time, built once when its app or worker starts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kombu import Connection
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.orm import sessionmaker

from services.common.config import ServiceSettings
from services.common.db import make_engine, make_session_factory
from services.common.events.consumer import EventConsumer, Handler
from services.common.events.relay import OutboxRelay
from services.common.events.store import MessagingTables, Outbox
from services.common.events.topology import Topology
from services.common.unit_of_work import UnitOfWork


@dataclass
class ServiceRuntime:
    settings: ServiceSettings
    metadata: MetaData
    engine: Engine
    session_factory: sessionmaker
    tables: MessagingTables
    outbox: Outbox
    topology: Topology
    unit_of_work_class: type[UnitOfWork] = UnitOfWork
    # Called by dispose() first: things started for this runtime (e.g. listener threads).
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.settings.name

    def unit_of_work(self) -> UnitOfWork:
        return self.unit_of_work_class(self.session_factory, self.outbox, self.settings.own)

    def relay(self) -> OutboxRelay:
        messaging = self.settings.messaging
        return OutboxRelay.for_broker(
            self.engine,
            self.tables.outbox,
            messaging.broker_url,
            self.topology,
            batch_size=messaging.relay_batch_size,
            poll_seconds=messaging.relay_poll_seconds,
            linger_seconds=messaging.relay_linger_seconds,
            wake=self.outbox.written,
            at_once=self.outbox.batch_written,
            service=self.name,
        )

    def consumer(
        self, handlers: dict[str, Handler], lanes: tuple[str, ...] | None = None
    ) -> EventConsumer:
        """A consumer of ``lanes`` (default: all of them, on one connection)."""
        messaging = self.settings.messaging
        return EventConsumer(
            self.name,
            self.session_factory,
            self.tables,
            self.outbox,
            handlers,
            broker_url=messaging.broker_url,
            topology=self.topology,
            prefetch=messaging.prefetch,
            lanes=lanes,
            settings=self.settings.own,
            unit_of_work_class=self.unit_of_work_class,
        )

    def check_database(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def check_broker(self) -> None:
        with Connection(self.settings.messaging.broker_url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)

    def dispose(self) -> None:
        for close in self.closers:
            close()
        self.engine.dispose()


def build_runtime(
    settings: ServiceSettings,
    metadata: MetaData,
    tables: MessagingTables,
    unit_of_work_class: type[UnitOfWork] = UnitOfWork,
) -> ServiceRuntime:
    engine = make_engine(settings.database_url)
    return ServiceRuntime(
        settings=settings,
        metadata=metadata,
        engine=engine,
        session_factory=make_session_factory(engine),
        tables=tables,
        outbox=Outbox(tables.outbox, source=settings.name),
        topology=Topology.from_settings(settings.messaging),
        unit_of_work_class=unit_of_work_class,
    )
