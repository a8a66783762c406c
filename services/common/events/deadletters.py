"""Operator command: list and replay the dead-lettered events of a service.

    python -m services.common.events.deadletters list inventory
    python -m services.common.events.deadletters replay inventory --event-id ID [--event-id ID]
    python -m services.common.events.deadletters replay inventory --all

Listing leaves the queue as it is. Replay puts a message back on the service's own queue of
its lane (the saga's or the bulk one; not on the exchange, so other services do not see it
twice) with a fresh retry budget,
and removes it from the dead-letter queue once the broker has confirmed the copy. It talks
to the broker at ``BROKER_URL``: the in-process broker of the embedded mode is not reachable
from another process.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass

from kombu import Connection, Producer, Queue
from kombu.message import Message

from services.common.config import messaging_settings
from services.common.events.consumer import ATTEMPT_HEADER, REASON_HEADER
from services.common.events.topology import SUBSCRIPTIONS, Topology, lane_of


@dataclass(frozen=True)
class DeadLetter:
    event_id: str | None
    event_type: str | None
    reason: str | None
    body: str


def _get_all(channel, queue: Queue) -> list[Message]:
    bound = queue(channel)
    messages = []
    while (message := bound.get(no_ack=False)) is not None:
        messages.append(message)
    return messages


def _describe(message) -> DeadLetter:
    headers = message.headers or {}
    body = message.body.decode() if isinstance(message.body, bytes) else str(message.body)
    return DeadLetter(
        event_id=message.properties.get("message_id"),
        event_type=message.properties.get("type"),
        reason=headers.get(REASON_HEADER) or _broker_reason(headers),
        body=body,
    )


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
    with Connection(broker_url) as connection:
        topology.declare(connection, (service,))
        channel = connection.channel()
        try:
            return [_describe(m) for m in _get_all(channel, topology.dead_queue(service))]
        finally:
            channel.close()  # unacknowledged messages go back to the queue, in order


def replay_dead_letters(
    broker_url: str, topology: Topology, service: str, event_ids: set[str] | None = None
) -> int:
    """Move dead letters (all, or those with the given event ids) back to the service queue."""
    replayed = 0
    with Connection(broker_url, transport_options={"confirm_publish": True}) as connection:
        topology.declare(connection, (service,))
        channel = connection.channel()
        producer = Producer(connection.channel())
        try:
            for message in _get_all(channel, topology.dead_queue(service)):
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
        finally:
            channel.close()
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
