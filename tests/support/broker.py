"""An independent observer on the broker, written with pika (not with the code under test)."""

from __future__ import annotations

import json

import pika


def pika_connection(broker_url: str) -> pika.BlockingConnection:
    """A connection to the broker of ``broker_url``, or to the first node of a cluster's
    failover list (``amqp://a;amqp://b``, as kombu takes it) that answers."""
    nodes = [pika.URLParameters(url) for url in broker_url.split(";") if url.strip()]
    return pika.BlockingConnection(nodes if len(nodes) > 1 else nodes[0])


class BrokerProbe:
    def __init__(self, broker_url: str) -> None:
        self.connection = pika_connection(broker_url)
        self.channel = self.connection.channel()

    def tap(self, exchange: str, routing_key: str = "#") -> str:
        """A private queue receiving a copy of what ``exchange`` routes with ``routing_key``."""
        self.channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(queue, exchange, routing_key=routing_key)
        return queue

    def take_all(self, queue: str) -> list[tuple[pika.spec.BasicProperties, bytes]]:
        messages = []
        while True:
            method, properties, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None:
                return messages
            messages.append((properties, body))

    def count(self, queue: str) -> int:
        return self.channel.queue_declare(queue, passive=True).method.message_count

    def publish(self, exchange: str, routing_key: str, body: bytes | str, **properties) -> None:
        self.channel.basic_publish(
            exchange,
            routing_key,
            body.encode() if isinstance(body, str) else body,
            pika.BasicProperties(delivery_mode=2, **properties),
        )

    def publish_event(self, exchange: str, event) -> None:
        self.publish(
            exchange,
            event.type,
            event.to_json(),
            content_type="application/cloudevents+json",
            message_id=event.id,
        )

    def close(self) -> None:
        self.connection.close()


def bodies(messages) -> list[dict]:
    return [json.loads(body) for _, body in messages]
