"""Operator command: list and replay the dead-lettered events of a service.

    python -m services.common.events.deadletters list inventory
    python -m services.common.events.deadletters replay inventory --event-id ID [--event-id ID]
    python -m services.common.events.deadletters replay inventory --all

Listing leaves the queue as it is. Replay puts a message back on the service's own queue of
its lane (the saga's or the bulk one; not on the exchange, so other services do not see it
twice) with a fresh retry budget, and removes it from the dead-letter queue once the broker
has confirmed the copy. The command talks to the broker at ``BROKER_URL``: the in-process
broker of the embedded mode is not reachable from another process. The operations API
(``services/common/operations.py``) calls the same functions from the service's own process,
which reaches that broker too; it also peeks at a bounded page and discards one letter with
a reason.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from kombu import Connection, Producer, Queue
from kombu.message import Message

from services.common.config import messaging_settings
from services.common.events.consumer import ATTEMPT_HEADER, REASON_HEADER
from services.common.events.topology import SUBSCRIPTIONS, Topology, lane_of

log = logging.getLogger(__name__)

# One operation at a time on a service's dead-letter queue in this process: a listing holds
# the letters unacknowledged while it reads them, and a concurrent one would see fewer.
_QUEUE_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def _queue_lock(name: str) -> threading.Lock:
    with _LOCKS_LOCK:
        return _QUEUE_LOCKS.setdefault(name, threading.Lock())


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    event_type: str | None
    reason: str | None
    body: str
    source: str | None = None
    subject: str | None = None
    time: str | None = None  # the event's own time (ISO 8601), as written in its body
    attempts: int | None = None


def _get_all(channel, queue: Queue, limit: int | None = None) -> list[Message]:
    bound = queue(channel)
    messages = []
    while limit is None or len(messages) < limit:
        if (message := bound.get(no_ack=False)) is None:
            break
        messages.append(message)
    return messages


@contextmanager
def _taken(connection: Connection, queue: Queue, limit: int | None = None) -> Iterator[list]:
    """The queue's first ``limit`` messages, unacknowledged; those left unacknowledged go back,
    in order, when the block ends. AMQP returns them when the channel closes; kombu's
    in-process transport drops them then, so they are put back one by one, and all are taken
    (what was put back goes to the end of the queue: the order is kept only if all were)."""
    channel = connection.channel()
    amqp = connection.transport.driver_type == "amqp"
    messages: list[Message] = []
    try:
        messages = _get_all(channel, queue, limit if amqp else None)
        yield messages
    finally:
        if not amqp:
            for message in messages:
                if not message.acknowledged:
                    message.reject(requeue=True)
        channel.close()


def _describe(message) -> DeadLetter:
    headers = message.headers or {}
    body = message.body.decode() if isinstance(message.body, bytes) else str(message.body)
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = None
    envelope = envelope if isinstance(envelope, dict) else {}
    attempts = headers.get(ATTEMPT_HEADER)
    return DeadLetter(
        event_id=message.properties.get("message_id"),
        event_type=message.properties.get("type") or _text(envelope.get("type")),
        reason=headers.get(REASON_HEADER) or _broker_reason(headers),
        body=body,
        source=_text(envelope.get("source")),
        subject=_text(envelope.get("subject")),
        time=_text(envelope.get("time")),
        attempts=attempts if isinstance(attempts, int) else None,
    )


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _broker_reason(headers: dict) -> str | None:
    """Why the broker itself dead-lettered a message (delivery limit reached, …)."""
    reason = headers.get("x-first-death-reason")
    return f"dead-lettered by the broker: {reason}" if reason else None


def _event_type(message: Message) -> str:
    """The message's type property, else the type inside its body ("" if unreadable)."""
    if message.properties.get("type"):
        return message.properties["type"]
    try:
        return str(json.loads(message.body).get("type", ""))
    except (ValueError, AttributeError):
        return ""


def list_dead_letters(broker_url: str, topology: Topology, service: str) -> list[DeadLetter]:
    return peek_dead_letters(broker_url, topology, service)[0]


def peek_dead_letters(
    broker_url: str, topology: Topology, service: str, limit: int | None = None
) -> tuple[list[DeadLetter], int]:
    """The first ``limit`` dead letters (all if None) and how many there are, left in place."""
    with _queue_lock(topology.dead_queue_name(service)), _connect(broker_url) as connection:
        topology.declare(connection, (service,))
        waiting = _waiting(connection.default_channel, topology.dead_queue_name(service))
        with _taken(connection, topology.dead_queue(service), limit) as messages:
            letters = [_describe(m) for m in messages[:limit]]
        return letters, max(waiting, len(messages))


def _waiting(channel, queue_name: str) -> int:
    return int(channel.queue_declare(queue=queue_name, passive=True).message_count)


def queue_depths(broker_url: str, topology: Topology, service: str) -> dict[str, int]:
    """Messages waiting in each of the service's lane queues and in its dead-letter queue."""
    with _connect(broker_url) as connection:
        topology.declare(connection, (service,))
        channel = connection.channel()
        try:
            names = [*topology.consumed_queue_names(service), topology.dead_queue_name(service)]
            return {name: _waiting(channel, name) for name in names}
        finally:
            channel.close()


def discard_dead_letter(
    broker_url: str, topology: Topology, service: str, event_id: str, reason: str, actor: str = ""
) -> DeadLetter | None:
    """Remove the dead letter of ``event_id`` for good (None if there is none): logged, with
    the operator's reason and the event's type and subject, never its data."""
    with _queue_lock(topology.dead_queue_name(service)), _connect(broker_url) as connection:
        topology.declare(connection, (service,))
        with _taken(connection, topology.dead_queue(service)) as messages:
            for message in messages:
                if message.properties.get("message_id") == event_id:
                    letter = _describe(message)
                    message.ack()
                    log.warning(
                        "%s dead letter discarded by %s: event %s (%s, subject %s): %s",
                        service,
                        actor or "an operator",
                        event_id,
                        letter.event_type,
                        letter.subject,
                        reason,
                    )
                    return letter
        return None


def _connect(broker_url: str, **options) -> Connection:
    return Connection(broker_url, connect_timeout=5, **options)


def replay_dead_letters(
    broker_url: str, topology: Topology, service: str, event_ids: set[str] | None = None
) -> int:
    """Move dead letters (all, or those with the given event ids) back to the service queue."""
    replayed = 0
    lock = _queue_lock(topology.dead_queue_name(service))
    with lock, _connect(broker_url, transport_options={"confirm_publish": True}) as connection:
        topology.declare(connection, (service,))
        producer = Producer(connection.channel())
        with _taken(connection, topology.dead_queue(service)) as messages:
            for message in messages:
                if event_ids is not None and message.properties.get("message_id") not in event_ids:
                    continue
                headers = {
                    k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")
                }
                headers["x-replayed-reason"] = (message.headers or {}).get(REASON_HEADER, "")
                headers[ATTEMPT_HEADER] = 1
                producer.publish(
                    message.body,
                    exchange="",
                    routing_key=topology.queue_name(service, lane_of(_event_type(message))),
                    headers=headers,
                    delivery_mode=2,
                    content_type=message.content_type,
                    content_encoding=message.content_encoding or "utf-8",
                    message_id=message.properties.get("message_id"),
                    type=message.properties.get("type"),
                )
                message.ack()
                replayed += 1
    return replayed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deadletters", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "replay"):
        command = commands.add_parser(name)
        command.add_argument("service", choices=sorted(SUBSCRIPTIONS))
        if name == "replay":
            which = command.add_mutually_exclusive_group(required=True)
            which.add_argument("--event-id", action="append", help="replay this event (repeatable)")
            which.add_argument("--all", action="store_true", help="replay every dead letter")
    args = parser.parse_args(argv)
    settings = messaging_settings()
    topology = Topology.from_settings(settings)
    if args.command == "list":
        for letter in list_dead_letters(settings.broker_url, topology, args.service):
            print(json.dumps(asdict(letter), ensure_ascii=False))
        return 0
    ids = None if args.all else set(args.event_id)
    count = replay_dead_letters(settings.broker_url, topology, args.service, ids)
    queues = ", ".join(topology.consumed_queue_names(args.service))
    print(f"replayed {count} message(s) to {queues}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
