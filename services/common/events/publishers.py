"""Publishing outbox rows to the broker and learning which ones the broker took.

On AMQP the publisher puts its channel in confirm mode, publishes a whole batch (with
``mandatory`` for the types some service consumes), then waits for the broker's acks
(several at once when the broker acks with ``multiple``): one round trip per batch instead
of one per message. A message the broker
returns (no queue bound for its type) or nacks is reported as failed, never as sent.

Transports without confirms (kombu's in-process ``memory://``, used by the embedded mode)
go through a plain kombu producer: what ``publish`` returns is what the transport took.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import amqp
from kombu import Connection, Exchange, Producer

from services.common.events.envelope import CONTENT_TYPE
from services.common.events.topology import Topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    outbox_id: int
    event_id: str
    event_type: str
    body: str


@dataclass
class PublishResult:
    confirmed: list[int] = field(default_factory=list)  # outbox ids
    failed: dict[int, str] = field(default_factory=dict)  # outbox id -> reason


class ConfirmTimeout(ConnectionError):
    """The broker did not confirm in time: treat the connection as lost."""


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutgoingMessage]) -> PublishResult: ...

    def reset(self) -> None: ...

    def close(self) -> None: ...


def make_publisher(connection: Connection, topology: Topology) -> Publisher:
    if connection.transport.driver_type == "amqp":
        return ConfirmingAmqpPublisher(connection, topology.exchange, topology.routed_types)
    return PlainKombuPublisher(connection, topology.exchange)


class ConfirmingAmqpPublisher:
    def __init__(
        self,
        connection: Connection,
        exchange: Exchange,
        routed_types: frozenset[str],
        confirm_timeout: float = 30.0,
    ) -> None:
        self.connection = connection
        self.routed_types = routed_types
        self.exchange = exchange
        self.exchange_name = exchange.name
        self.confirm_timeout = confirm_timeout
        self._channel: amqp.Channel | None = None
        self._next_tag = 1
        self._unresolved: dict[int, OutgoingMessage] = {}
        self._result = PublishResult()
        self._returned: set[str] = set()

    def _open_channel(self) -> amqp.Channel:
        if self._channel is None or not self._channel.is_open:
            self.connection.ensure_connection(max_retries=1)
            channel = self.connection.channel()
            self.exchange(channel).declare()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._channel = channel
            self._next_tag = 1
        return self._channel

    def publish(self, messages: Sequence[OutgoingMessage]) -> PublishResult:
        channel = self._open_channel()
        self._result = PublishResult()
        self._returned = set()
        self._unresolved = {}
        for message in messages:
            channel.basic_publish(
                amqp.Message(
                    message.body,
                    content_type=CONTENT_TYPE,
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=message.event_id,
                    type=message.event_type,
                    timestamp=int(time.time()),
                ),
                exchange=self.exchange_name,
                routing_key=message.event_type,
                # A type some service consumes must reach a queue: if none is bound, the
                # broker returns it and it stays unsent. A fact nobody consumes yet is fine.
                mandatory=message.event_type in self.routed_types,
            )
            self._unresolved[self._next_tag] = message
            self._next_tag += 1
        deadline = time.monotonic() + self.confirm_timeout
        while self._unresolved:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.reset()
                raise ConfirmTimeout(f"{len(self._unresolved)} publishes not confirmed")
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue
        return self._result

    def _settle(self, delivery_tag: int, multiple: bool, acked: bool) -> None:
        tags = [t for t in self._unresolved if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            message = self._unresolved.pop(tag, None)
            if message is None:
                continue
            if not acked:
                self._result.failed[message.outbox_id] = "nacked by the broker"
            elif message.event_id in self._returned:
                self._result.failed[message.outbox_id] = "unroutable: no queue bound for this type"
            else:
                self._result.confirmed.append(message.outbox_id)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, acked=True)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple, acked=False)

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        # The broker sends basic.return before the ack of the same message.
        self._returned.add(message.properties.get("message_id"))
        log.warning("unroutable event %s (%s)", message.properties.get("message_id"), routing_key)

    def reset(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            # The channel is being thrown away: whatever closing it raises does not matter.
            with contextlib.suppress(Exception):
                channel.close()
        self.connection.collect()

    def close(self) -> None:
        self.reset()
        self.connection.release()


class PlainKombuPublisher:
    def __init__(self, connection: Connection, exchange: Exchange) -> None:
        self.connection = connection
        self.exchange = exchange
        self._producer: Producer | None = None

    def publish(self, messages: Sequence[OutgoingMessage]) -> PublishResult:
        if self._producer is None:
            self._producer = Producer(self.connection.channel(), exchange=self.exchange)
        result = PublishResult()
        for message in messages:
            self._producer.publish(
                message.body,
                routing_key=message.event_type,
                content_type=CONTENT_TYPE,
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=message.event_id,
                type=message.event_type,
            )
            result.confirmed.append(message.outbox_id)
        return result

    def reset(self) -> None:
        self._producer = None

    def close(self) -> None:
        self.connection.release()
